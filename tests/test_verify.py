"""``civscore verify RESULTS.json``: re-run from the recorded inputs and compare every figure."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from civscore.cli import main
from civscore.verify import verify

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
SCHEME = V1 / "civilized-unit.toml"


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A copy of the examples and the scheme, evaluated from inside tmp_path with relative paths."""
    shutil.copytree(EXAMPLES, tmp_path / "subs")
    shutil.copy(SCHEME, tmp_path / "scheme.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "scheme.toml", "subs", "--format", "json", "--output", "r.json"]) == 0
    return tmp_path


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def test_fresh_result_verifies(work, capsys):
    assert main(["verify", "r.json"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verified: r.json: 16 units, all ")


def test_provenance_is_complete(work):
    doc = json.loads((work / "r.json").read_text(encoding="utf-8"))
    prov = doc["provenance"]
    assert prov["criteria"] == "scheme.toml"
    assert prov["criteria_sha256"] == doc["scheme"]["sha256"]
    assert prov["by_group"] is False
    assert prov["civscore"] == doc["civscore"]["version"]
    assert prov["plugins"] == doc["civscore"]["plugins"]
    assert len(prov["submissions"]) == 13 and all(set(s) == {"path", "sha256"} for s in prov["submissions"])


def test_changed_submission_is_named(work, capsys):
    sub = work / "subs" / "xigu-sanitation.toml"
    sub.write_text(sub.read_text(encoding="utf-8").replace('"creation.online" = 25', '"creation.online" = 5'), encoding="utf-8")
    assert main(["verify", "r.json"]) == 1
    out = capsys.readouterr().out
    assert "changed input: subs/xigu-sanitation.toml: sha256 was " in out
    # creation.online: 25 → 5 of full_at 20: 4 points → 1 point; total 98.3 → 95.3, rank 1 → 3
    assert "differs: xigu-sanitation: total: recorded 98.3, re-run 95.3" in out
    assert "differs: xigu-sanitation: items.creation.online.points: recorded 4.0, re-run 1.0" in out
    assert "differs: xigu-sanitation: rank: recorded 1, re-run 3" in out
    assert out.rstrip().endswith("DIFFERENT: r.json: 1 input changed, 8 differences in 16 units")


def test_differences_in_chinese(work, capsys):
    """verify speaks the chosen language: each changed input and each differing figure in zh-CN."""
    sub = work / "subs" / "xigu-sanitation.toml"
    sub.write_text(sub.read_text(encoding="utf-8").replace('"creation.online" = 25', '"creation.online" = 5'), encoding="utf-8")
    edit_json(work / "r.json", lambda d: d["results"].append({"unit": {"id": "ghost"}}))
    assert main(["verify", "r.json", "--lang", "zh-CN"]) == 1
    out = capsys.readouterr().out
    assert "输入已改动：subs/xigu-sanitation.toml：sha256 原为 " in out
    assert "不一致：xigu-sanitation：total：记录为 98.3，重算为 95.3" in out
    assert "不一致：xigu-sanitation：items.creation.online.points：记录为 4.0，重算为 1.0" in out
    assert "不一致：单位 'ghost' 在结果中，但重算中没有" in out
    assert "recorded" not in out and "re-run" not in out
    (work / "subs" / "bus-group.toml").unlink()
    assert main(["verify", "r.json", "--lang", "zh-CN"]) == 2
    assert "输入文件已不存在，无法重算：subs/bus-group.toml" in capsys.readouterr().err


def test_same_bytes_elsewhere_verify(work, capsys):
    """A whitespace-only edit changes the sha256: named, though no figure moves."""
    sub = work / "subs" / "city-tax.toml"
    sub.write_text(sub.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(["verify", "r.json"]) == 1
    out = capsys.readouterr().out
    assert "changed input: subs/city-tax.toml" in out and "differs:" not in out


@pytest.mark.parametrize("change, line", [
    (lambda d: d["results"][0].__setitem__("total", 99.3), "xigu-sanitation: total: recorded 99.3, re-run 98.3"),
    (lambda d: d["results"][1].__setitem__("stars", 4), "anning-court: stars: recorded 4, re-run 5"),
    (lambda d: d["results"][2]["categories"].__setitem__("volunteer", 16), "city-tax: categories.volunteer: recorded 16, re-run 15.5"),
    (lambda d: d["results"][0]["items"]["ideology.study"].__setitem__("points", 4.0),
     "xigu-sanitation: items.ideology.study.points: recorded 4.0, re-run 3.0"),
    (lambda d: d["results"][-1].__setitem__("vetoed", False), "xigu-chemical: vetoed: recorded false, re-run true"),
    (lambda d: d["results"][3]["items"]["bonus.innovation"].__setitem__("status", "ok"), None),
    (lambda d: d["results"].pop(4), "unit 'people-hospital' is in the re-run but not in the results"),
])
def test_edited_figure_is_caught(work, capsys, change, line):
    edit_json(work / "r.json", change)
    code = main(["verify", "r.json"])
    out = capsys.readouterr().out
    if line is None:   # a status that was already ok: nothing to catch
        assert code == 0
        return
    assert code == 1
    assert f"differs: {line}" in out
    assert "changed input" not in out


def test_item_status_edit_is_caught(work, capsys):
    def change(doc):
        library = next(r for r in doc["results"] if r["unit"]["id"] == "xigu-library")
        library["items"]["leadership.party_building"]["status"] = "ok"
    edit_json(work / "r.json", change)
    assert main(["verify", "r.json"]) == 1
    assert ('differs: xigu-library: items.leadership.party_building.status: recorded "ok", re-run "invalid"'
            in capsys.readouterr().out)


def test_changed_criteria(work, capsys):
    text = (work / "scheme.toml").read_text(encoding="utf-8")
    (work / "scheme.toml").write_text(text.replace("min_score = 90, min_category_ratio = 0.8", "min_score = 90"), encoding="utf-8")
    assert main(["verify", "r.json"]) == 1
    out = capsys.readouterr().out
    assert "changed input: criteria scheme.toml: sha256 was" in out
    assert "differs: city-tax: stars: recorded 4, re-run 5" in out      # 97.7 ≥ 90 and no ratio rule any more


def test_relative_paths_from_the_results_directory(work, tmp_path_factory, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert main(["verify", str(work / "r.json")]) == 0
    assert "verified:" in capsys.readouterr().out


def test_json_output(work, capsys):
    assert main(["verify", "r.json", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "same" and doc["exit"] == 0 and doc["differences"] == [] and doc["units"] == 16


def test_unreadable(work, capsys):
    assert main(["verify", "nope.json"]) == 2
    assert "cannot read" in capsys.readouterr().err
    (work / "bad.json").write_text("{", encoding="utf-8")
    assert main(["verify", "bad.json"]) == 2
    main(["check", "scheme.toml", "subs/city-tax.toml", "--format", "json", "--output", "check.json"])
    capsys.readouterr()
    assert main(["verify", "check.json"]) == 2
    assert "no provenance to re-run from" in capsys.readouterr().err
    (work / "subs" / "bus-group.toml").unlink()
    assert main(["verify", "r.json"]) == 2
    assert "input file gone, cannot re-run: subs/bus-group.toml" in capsys.readouterr().err


def test_bundled_scheme_and_by_group(tmp_path, capsys):
    out = tmp_path / "g.json"
    bundled_examples = ROOT / "examples" / "civilized-unit"
    assert main(["evaluate", "civilized-unit", str(bundled_examples), "--by-group", "-f", "json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["criteria"] == "civilized-unit" and doc["provenance"]["by_group"] is True
    report = verify(out)
    assert report.status == 0, report.text()
    # ranks differ by group: flipping by_group in the provenance is caught
    edit_json(out, lambda d: d["provenance"].__setitem__("by_group", False))
    assert verify(out).status == 1


def test_assessor_panel_verifies(tmp_path, capsys):
    scheme = tmp_path / "s.toml"
    scheme.write_text(SCHEME.read_text(encoding="utf-8").replace(
        'tie_break = ["volunteer", "ideology"]', 'tie_break = ["volunteer", "ideology"]\naggregate = "median"'),
        encoding="utf-8")
    sub = tmp_path / "panel.csv"
    sub.write_text("unit.id,unit.name,assessor,leadership.integrity\nu,单位,甲,6\nu,单位,乙,2\nu,单位,丙,5\n", encoding="utf-8")
    out = tmp_path / "r.json"
    main(["evaluate", str(scheme), str(sub), "-f", "json", "-o", str(out)])
    assert verify(out).status == 0
    sub.write_text("unit.id,unit.name,assessor,leadership.integrity\nu,单位,甲,6\nu,单位,乙,2\nu,单位,丙,4\n", encoding="utf-8")
    report = verify(out)
    assert report.status == 1
    assert "u: items.leadership.integrity.points: recorded 5.0, re-run 4.0" in report.figures
