"""``civscore init``: blank submission templates that round-trip through evaluate."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import openpyxl
import pytest

from civscore import api
from civscore.cli import main
from civscore.template import slots, template

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
SCHEME = V1 / "civilized-unit.toml"
UNIT_COLUMNS = ["unit.id", "unit.name", "unit.group", "unit.region", "unit.period"]


@pytest.fixture(scope="module")
def scheme():
    return api.load(SCHEME)


@pytest.fixture(scope="module")
def example():
    """xigu-sanitation: its unit table, data and expected result (from its own file)."""
    path = EXAMPLES / "xigu-sanitation.toml"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    ev = api.evaluate(SCHEME, [path])
    return doc["unit"], doc["data"], api.evaluation_doc(ev)["results"][0]


def figures(result):
    return {k: result[k] for k in ("total", "base", "bonus", "penalty", "stars", "vetoed", "categories")} | \
        {"items": {k: (v["points"], v["status"]) for k, v in result["items"].items()}}


def evaluate_one(capsys, path) -> dict:
    code = main(["evaluate", str(SCHEME), str(path), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["errors"]
    (result,) = doc["results"]
    return result


def toml_value(v) -> str:
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, bool) else ("true" if v else "false")


def test_toml_template_lists_every_key(scheme):
    text = template(scheme, "toml")
    doc = tomllib.loads(text)
    assert set(doc) == {"unit", "data"}
    assert list(doc["data"]) == scheme.input_keys()
    assert all(v == "" for v in doc["data"].values())
    assert doc["unit"] == {"id": "", "name": "", "group": "", "region": "", "period": ""}
    # each key comes after comments naming the indicator, its points and the value it expects
    assert "# 理论学习制度化（ideology.study，4 分，document-review）" in text
    assert "#   填写：已具备的项目，用 ; 分隔（或写成数组）：年度学习计划;学习记录;学习考勤;心得体会" in text
    assert "# 一票否决：发生重大安全生产或食品安全责任事故（veto.major_accident）" in text


def test_expectations_follow_the_scorers(scheme):
    by_key = {s.key: s for s in slots(scheme)}
    text = {k: " | ".join(s.expect) for k, s in by_key.items()}
    assert "是/否" in text["ideology.role_models"] and by_key["ideology.role_models"].choices == ["是", "否"]  # boolean
    assert "必备：创建工作领导小组" in text["leadership.responsibility"]                                     # checklist
    assert "A（100%） / B（66%） / C（33%） / D（0%）" in text["leadership.party_building"]                  # grade
    assert by_key["leadership.party_building"].choices == ["A", "B", "C", "D"]
    assert "越低越好" in text["business.overdue"] and "10 为 0 分，0 为满分" in text["business.overdue"]     # linear, lower
    assert "越高越好" in text["ideology.moral_forum"]
    assert "≤5 得 100%" in text["business.dust"] and "越低越好" in text["business.dust"]                    # bands
    assert "≥95 得 100%" in text["leadership.democratic_rating"]
    assert "次数" in text["ideology.publicity"] and "每次扣 1 分" in text["ideology.publicity"]              # deduct
    assert "0 至 6 之间" in text["leadership.integrity"]                                                    # manual
    assert "分子" in text["volunteer_registered"] and "分母" in text["staff_count"]                         # ratio
    assert "volunteer_hours / staff_count / 8" in text["volunteer_hours"]                                   # formula
    assert "volunteer_hours / staff_count / 8" in text["staff_count"]       # a key two items read: both explained
    assert "一票否决" in text["major_accident"] and by_key["major_accident"].choices == ["是", "否"]          # veto
    assert text["veto.mass_incident"]


def test_unfilled_toml_is_a_valid_but_incomplete_submission(scheme, tmp_path, capsys):
    path = tmp_path / "blank.toml"
    path.write_text(template(scheme, "toml").replace('id = ""', 'id = "x"').replace('name = ""', 'name = "某单位"'),
                    encoding="utf-8")
    result = evaluate_one(capsys, path)
    assert result["total"] == 0
    assert {v["status"] for v in result["items"].values()} == {"missing"}


def test_toml_round_trip(scheme, example, tmp_path, capsys):
    unit, data, expected = example
    text = template(scheme, "toml")
    for key, value in unit.items():
        text = re.sub(rf'^{key} = ""', f"{key} = {toml_value(value)}", text, count=1, flags=re.M)
    for key, value in data.items():
        line = f'{json.dumps(key, ensure_ascii=False)} = ""'
        assert line in text, key
        text = text.replace(line, f"{json.dumps(key, ensure_ascii=False)} = {toml_value(value)}")
    path = tmp_path / "filled.toml"
    path.write_text(text, encoding="utf-8")
    assert figures(evaluate_one(capsys, path)) == figures(expected)


def cell(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def test_csv_template(scheme):
    text = template(scheme, "csv")
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines()
    assert len(lines) == 1                                  # a header row and nothing else
    assert lines[0].split(",") == UNIT_COLUMNS + scheme.input_keys()


def test_csv_round_trip(scheme, example, tmp_path, capsys):
    unit, data, expected = example
    header = template(scheme, "csv")[1:].splitlines()[0].split(",")
    row = [cell(unit.get(c[5:], "")) if c.startswith("unit.") else cell(data.get(c, "")) for c in header]
    path = tmp_path / "filled.csv"
    path.write_text(template(scheme, "csv") + ",".join(row) + "\r\n", encoding="utf-8")
    assert figures(evaluate_one(capsys, path)) == figures(expected)


def test_xlsx_template_and_round_trip(scheme, example, tmp_path, capsys):
    unit, data, expected = example
    path = tmp_path / "t.xlsx"
    assert main(["--lang", "zh-CN", "init", str(SCHEME), "--format", "xlsx", "--output", str(path)]) == 0   # a committee's sheet
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["填报", "说明"]
    ws = wb["填报"]
    header = [c.value for c in ws[1]]
    assert header == UNIT_COLUMNS + scheme.input_keys()
    assert ws.max_row == 1
    assert "理论学习制度化" in ws.cell(1, header.index("ideology.study") + 1).comment.text
    notes = {r[0]: r for r in wb["说明"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert set(header) <= set(notes)
    assert "基层党组织建设" in notes["leadership.party_building"][1] and "A（100%）" in notes["leadership.party_building"][2]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"是,否"' in lists and '"A,B,C,D"' in lists
    # fill it in as a unit would, and evaluate
    for col, key in enumerate(header, start=1):
        value = unit.get(key[5:]) if key.startswith("unit.") else data.get(key)
        if value is not None:
            ws.cell(2, col, cell(value) if isinstance(value, (list, bool)) else value)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    assert figures(evaluate_one(capsys, filled)) == figures(expected)


def test_init_cli(tmp_path, capsys):
    assert main(["--lang", "zh-CN", "init", str(SCHEME)]) == 0
    assert capsys.readouterr().out.startswith("# 文明单位测评体系（civilized-unit 2025.1）申报模板")
    assert main(["init", str(SCHEME)]) == 0             # the tests' locale is en_US: the template follows it
    assert capsys.readouterr().out.startswith("# 文明单位测评体系 (civilized-unit 2025.1) submission template")
    out = tmp_path / "t.csv"
    assert main(["init", str(SCHEME), "-f", "csv", "-o", str(out)]) == 0
    assert main(["init", str(SCHEME), "-f", "csv", "-o", str(out)]) == 2       # never overwrites a filled sheet
    assert "give --force" in capsys.readouterr().err
    assert main(["init", str(SCHEME), "-f", "csv", "-o", str(out), "--force"]) == 0
    assert main(["init", str(SCHEME), "-f", "xlsx"]) == 2
    assert main(["init", str(SCHEME), "-f", "yaml"]) == 2
    assert main(["init", "no-such-scheme"]) == 2


def test_templates_are_deterministic(scheme):
    assert template(scheme, "xlsx") == template(scheme, "xlsx")
    assert template(scheme, "toml") == template(scheme, "toml")
