"""``civscore schema``: a JSON Schema of criteria files that editors can use.

Every bundled scheme (and the v1 fixture) is valid against it; the mistakes a
criteria author makes while typing (an unknown key, a scorer param misspelt,
a level key of another rating method) are not; plugin scorers' params are in it.
"""
from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import pytest

from civscore.cli import main

jsonschema = pytest.importorskip("jsonschema")   # in the [test] extra

REPO = Path(__file__).resolve().parents[1]
FILES = sorted((REPO / "criteria").glob("*.toml")) + [REPO / "tests" / "fixtures" / "civilized-unit-v1" / "civilized-unit.toml"]


pytestmark = pytest.mark.usefixtures("fresh_api")


def schema(capsys, *args) -> dict:
    assert main(["schema", *map(str, args)]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft7Validator.check_schema(doc)
    return doc


def errors(doc: dict, data: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in jsonschema.Draft7Validator(doc).iter_errors(data)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bundled_schemes_are_valid(capsys, path):
    assert errors(schema(capsys), tomllib.loads(path.read_text(encoding="utf-8"))) == []


def mistakes():
    base = tomllib.loads((REPO / "criteria" / "party-branch.toml").read_text(encoding="utf-8"))

    def edit(fn):
        data = copy.deepcopy(base)
        fn(data)
        return data
    return {
        "unknown top-level key": edit(lambda d: d.__setitem__("ratings", {})),
        "unknown leaf key": edit(lambda d: d["criteria"]["support"]["funds"].__setitem__("weight", 2)),
        "misspelt scorer param": edit(lambda d: d["criteria"]["leadership"]["study"]["params"].__setitem__("full", 10)),
        "param of the wrong type": edit(lambda d: d["criteria"]["leadership"]["study"]["params"].__setitem__("zero_at", "0")),
        "quota key on a thresholds level": edit(lambda d: d["rating"]["levels"][0].__setitem__("top", 0.1)),
        "na on a bonus item": edit(lambda d: d.__setitem__("bonus", {"x": {"title": "t", "points": 1, "scorer": "boolean",
                                                                           "na": True}})),
        "points not a number": edit(lambda d: d["criteria"]["venue"]["room"].__setitem__("points", "10")),
        "wrong format": edit(lambda d: d.__setitem__("format", "civscore/2")),
    }


@pytest.mark.parametrize("what", list(mistakes()))
def test_mistakes_are_caught(capsys, what):
    assert errors(schema(capsys), mistakes()[what]), what


def test_plugin_scorer_params_are_in_the_schema(tmp_path, capsys):
    (tmp_path / "plug").mkdir()
    (tmp_path / "plug" / "noise_plugin.py").write_text('''
import civscore

class Noise(civscore.Scorer):
    name = "noise-db"
    class Params(civscore.Params):
        limit: float = 60.0
    def score(self, value, params, data):
        return civscore.Outcome(1.0, "ok", [])

@civscore.hookimpl
def civscore_scorers():
    return [Noise]
''', encoding="utf-8")
    doc = schema(capsys, "--plugins-dir", tmp_path / "plug")
    leaf = {"title": "噪声", "points": 5, "scorer": "noise-db", "params": {"limit": 55}}
    scheme = {"format": "civscore/1", "scheme": {"id": "n", "title": "n", "version": "1", "full_marks": 5},
              "rating": {"levels": [{"stars": 1, "min_score": 0}]}, "criteria": {"noise": leaf}}
    assert errors(doc, scheme) == []
    leaf["params"] = {"limt": 55}
    assert any("limt" in e for e in errors(doc, scheme))


def test_output_file(tmp_path, capsys):
    out = tmp_path / "criteria.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["properties"]["format"] == {"const": "civscore/1"}
