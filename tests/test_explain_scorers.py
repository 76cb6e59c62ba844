"""``civscore explain --scorers``: every installed scorer with its params, plugin scorers too."""
from __future__ import annotations

import json

import pytest

from civscore.cli import main

PLUGIN = '''
import civscore

class Dust(civscore.Scorer):
    name = "dust-weight-test"
    description = "grams of dust per m² against a limit"

    class Params(civscore.Params):
        limit: float = 5.0
        points_of: list[str] = []
        mode: str

    def score(self, value, params, data):
        return civscore.Outcome(1.0, "ok", [])

@civscore.hookimpl
def civscore_scorers():
    return [Dust]
'''


pytestmark = pytest.mark.usefixtures("fresh_api")


def scorers(capsys, *args) -> dict:
    assert main(["explain", "--scorers", "-f", "json", *map(str, args)]) == 0
    return {s["name"]: s for s in json.loads(capsys.readouterr().out)["scorers"]}


def test_builtin_scorers_with_their_params_and_defaults(capsys):
    got = scorers(capsys)
    assert {"boolean", "checklist", "linear", "bands", "deduct", "grade", "manual", "ratio", "formula",
            "sample", "survey"} <= set(got)
    bands = {p["name"]: p for p in got["bands"]["params"]}
    assert bands["bands"]["required"] is True
    assert (bands["better"]["type"], bands["better"]["default"]) == ('"higher" | "lower"', "higher")
    assert {p["name"]: p["default"] for p in got["grade"]["params"]} == {"scale": {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.0}}
    assert {p["name"]: p["default"] for p in got["ratio"]["params"]}["zero_at"] == 0.0
    assert got["manual"]["params"] == []
    assert got["linear"]["description"]


def test_a_plugin_scorer_is_listed_with_its_params(tmp_path, capsys):
    (tmp_path / "plug").mkdir()
    (tmp_path / "plug" / "dust_plugin.py").write_text(PLUGIN, encoding="utf-8")
    got = scorers(capsys, "--plugins-dir", tmp_path / "plug")
    dust = got["dust-weight-test"]
    assert dust["plugin"] != "civscore.builtin.scorers" and "dust_plugin" in dust["plugin"]
    params = {p["name"]: (p["type"], p["required"], p["default"]) for p in dust["params"]}
    assert params == {"limit": ("number", False, 5.0), "points_of": ("list of text", False, []),
                      "mode": ("text", True, None)}
    # the table shows it too
    assert main(["explain", "--scorers", "--plugins-dir", str(tmp_path / "plug")]) == 0
    table = capsys.readouterr().out
    assert "dust-weight-test" in table and "limit" in table and "required" in table


def test_usage_errors(capsys):
    assert main(["explain"]) == 2
    assert "--scorers" in capsys.readouterr().err
    assert main(["explain", "civilized-unit", "--scorers"]) == 2
    assert "takes no CRITERIA" in capsys.readouterr().err
    assert main(["explain", "--scorers", "-f", "csv"]) == 2
