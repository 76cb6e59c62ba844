"""Submissions (SPEC §4): TOML, JSON, CSV and XLSX in; units out; bad files
reported with file and line/row while every other unit is still evaluated."""
from __future__ import annotations

import json

import openpyxl
import pytest

from civscore import api
from civscore.cli import main
from civscore.api import read as read_all  # noqa: E402

SCHEME = '''
format = "civscore/1"
[scheme]
id = "sub-test"
title = "申报测试"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 0 }]

[criteria.c]
title = "类"
[criteria.c.docs]
title = "材料"
points = 4
scorer = "checklist"
params = { items = ["计划", "记录", "总结", "考勤"] }
[criteria.c.plan]
title = "方案"
points = 2
scorer = "boolean"
[criteria.c.rate]
title = "比率"
points = 4
scorer = "linear"
params = { zero_at = 0, full_at = 100 }
'''


@pytest.fixture
def scheme(tmp_path):
    path = tmp_path / "crit.toml"
    path.write_text(SCHEME, encoding="utf-8")
    return api.load(path)


def toml_unit(uid: str, name: str = "单位", data: str = "", extra: str = "") -> str:
    return f'[unit]\nid = "{uid}"\nname = "{name}"\n{extra}\n[data]\n{data}\n'


def results(scheme, paths):
    subs = read_all(paths)
    ev = api.evaluate(scheme, subs)
    return {r["unit"]["id"]: r for r in ev.results()}, subs, ev


# -- one unit per file -----------------------------------------------------------------------------
def test_toml_submission(tmp_path, scheme):
    path = tmp_path / "a.toml"
    path.write_text(toml_unit("u1", "西固区环卫局", '"c.docs" = ["计划", "记录"]\n"c.plan" = "是"\n"c.rate" = 50\n',
                              'group = "机关"\nregion = "兰州市西固区"\nperiod = "2025"'), encoding="utf-8")
    got, subs, ev = results(scheme, [path])
    r = got["u1"]
    assert r["unit"] == {"id": "u1", "name": "西固区环卫局", "group": "机关", "region": "兰州市西固区", "period": "2025"}
    assert r["source"] == str(path)
    # 2/4 × 4 + 2 + 0.5 × 4 = 6
    assert r["total"] == 6.0
    assert subs.errors == [] and ev.exit_status == 0


def test_toml_dotted_keys_unquoted_read_the_same(tmp_path, scheme):
    path = tmp_path / "a.toml"
    path.write_text(toml_unit("u1", data='c.docs = ["计划"]\nc.plan = true\n'), encoding="utf-8")
    got, _, _ = results(scheme, [path])
    assert got["u1"]["items"]["c.docs"]["points"] == 1.0
    assert got["u1"]["items"]["c.plan"]["points"] == 2.0


def test_json_submission(tmp_path, scheme):
    path = tmp_path / "a.json"
    doc = {"unit": {"id": "j1", "name": "兰州市税务局", "group": None},
           "data": {"c.docs": ["计划", "记录", "总结", "考勤"], "c.plan": None, "c.rate": "75"}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    got, subs, _ = results(scheme, [path])
    r = got["j1"]
    assert r["items"]["c.plan"]["status"] == "missing"            # JSON null is missing
    assert r["total"] == 4.0 + 0 + 3.0
    assert subs.errors == []


def test_json_nan_is_invalid_not_a_number(tmp_path, scheme):
    path = tmp_path / "a.json"
    path.write_text('{"unit": {"id": "j1", "name": "n"}, "data": {"c.rate": NaN}}', encoding="utf-8")
    got, _, _ = results(scheme, [path])
    assert got["j1"]["items"]["c.rate"]["status"] == "invalid"


# -- tables ------------------------------------------------------------------------------------------------
CSV = ("unit.id,unit.name,unit.group,c.docs,c.plan,c.rate\n"
       "u1,西固区环卫局,机关,计划;记录;总结,是,80\n"
       "u2,兰州市第一中学,,计划,,\n")


def check_csv_units(got):
    # u1: 3/4 × 4 = 3, plan 2, 0.8 × 4 = 3.2 → 8.2
    assert got["u1"]["total"] == 8.2
    assert got["u1"]["unit"]["name"] == "西固区环卫局"
    assert got["u1"]["unit"]["group"] == "机关"
    # u2: 1/4 × 4 = 1; empty cells are missing, not zero or false
    assert got["u2"]["total"] == 1.0
    assert got["u2"]["unit"]["group"] is None
    assert got["u2"]["items"]["c.plan"]["status"] == "missing"
    assert got["u2"]["items"]["c.rate"]["status"] == "missing"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, scheme, encoding):
    path = tmp_path / "batch.csv"
    path.write_bytes(CSV.encode(encoding))
    got, subs, _ = results(scheme, [path])
    assert subs.errors == []
    check_csv_units(got)
    assert got["u1"]["row"] == 2 and got["u2"]["row"] == 3


def test_csv_crlf_and_quoted_cells(tmp_path, scheme):
    path = tmp_path / "batch.csv"
    path.write_bytes(CSV.replace("\n", "\r\n").replace("西固区环卫局", '"西固区环卫局, 总部"').encode("utf-8"))
    got, subs, _ = results(scheme, [path])
    assert subs.errors == []
    assert got["u1"]["unit"]["name"] == "西固区环卫局, 总部"


def write_xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    other = book.create_sheet("说明")
    other.append(["unit.id", "unit.name"])
    other.append(["ignored", "第二个工作表不读"])
    book.save(path)


def test_xlsx_first_sheet(tmp_path, scheme):
    path = tmp_path / "batch.xlsx"
    write_xlsx(path, [["unit.id", "unit.name", "unit.group", "c.docs", "c.plan", "c.rate"],
                      ["u1", "西固区环卫局", "机关", "计划;记录;总结", "是", 80],
                      ["u2", "兰州市第一中学", None, "计划", None, None]])
    got, subs, _ = results(scheme, [path])
    assert subs.errors == []
    assert set(got) == {"u1", "u2"}
    check_csv_units(got)


def test_xlsx_native_booleans_and_numbers(tmp_path, scheme):
    path = tmp_path / "batch.xlsx"
    write_xlsx(path, [["unit.id", "unit.name", "c.plan", "c.rate"], [101, "数字编号", True, 25.5]])
    got, subs, _ = results(scheme, [path])
    assert subs.errors == []
    r = got["101"]                       # a numeric id is read as its text
    assert r["items"]["c.plan"]["points"] == 2.0
    assert r["items"]["c.rate"]["points"] == 1.02      # 25.5 / 100 × 4


def test_xlsx_bad_row_reported_with_its_row(tmp_path, scheme):
    path = tmp_path / "batch.xlsx"
    write_xlsx(path, [["unit.id", "unit.name", "c.plan"], ["u1", "甲", "是"], [None, "没有编号", "是"],
                      ["u3", "丙", "否"]])
    got, subs, _ = results(scheme, [path])
    assert set(got) == {"u1", "u3"}
    assert len(subs.errors) == 1
    assert subs.errors[0].source == str(path) and subs.errors[0].where == "row 3"


def test_broken_xlsx_is_an_error_not_a_crash(tmp_path, scheme):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    good = tmp_path / "good.toml"
    good.write_text(toml_unit("ok"), encoding="utf-8")
    got, subs, ev = results(scheme, [path, good])
    assert set(got) == {"ok"}
    assert [e.source for e in subs.errors] == [str(path)]
    assert ev.exit_status == 1


# -- directories, bad files, duplicates ----------------------------------------------------------------------
def test_directory_is_read_sorted_by_path(tmp_path, scheme):
    folder = tmp_path / "subs"
    (folder / "b").mkdir(parents=True)
    (folder / "c.toml").write_text(toml_unit("from-c"), encoding="utf-8")
    (folder / "a.csv").write_text("unit.id,unit.name\nfrom-a1,甲\nfrom-a2,乙\n", encoding="utf-8")
    (folder / "b" / "z.json").write_text('{"unit": {"id": "from-bz", "name": "z"}}', encoding="utf-8")
    (folder / "notes.txt").write_text("not a submission", encoding="utf-8")
    subs = read_all([folder])
    assert [u.id for u in subs.units] == ["from-a1", "from-a2", "from-bz", "from-c"]
    assert subs.errors == []


def test_bad_files_reported_with_file_and_position_others_evaluated(tmp_path, scheme, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "1-good.toml").write_text(toml_unit("good1", data='"c.plan" = true'), encoding="utf-8")
    (folder / "2-bad.toml").write_text('[unit]\nid = "bad"\nname = \n', encoding="utf-8")
    (folder / "3-bad.json").write_text('{"unit": {"id": "j", "name": "n"},\n "data": {"c.plan": true,}}',
                                       encoding="utf-8")
    (folder / "4-rows.csv").write_text("unit.id,unit.name,c.plan\ngood2,乙,是\n,没有编号,是\ngood3,丙,否\n",
                                       encoding="utf-8")
    (folder / "5-noid.toml").write_text('[unit]\nname = "无编号"\n', encoding="utf-8")
    got, subs, ev = results(scheme, [folder])
    assert set(got) == {"good1", "good2", "good3"}
    where = {e.source.rsplit("/", 1)[-1]: e.where for e in subs.errors}
    assert where["2-bad.toml"] == "line 3, column 8"
    assert where["3-bad.json"].startswith("line 2, column ")
    assert where["4-rows.csv"] == "row 3"
    assert "5-noid.toml" in where
    assert len(subs.errors) == 4
    # on the command line: one stderr line each, the report of the others, exit 1
    assert main(["evaluate", str(tmp_path / "crit.toml"), str(folder), "--format", "json"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert {r["unit"]["id"] for r in doc["results"]} == {"good1", "good2", "good3"}
    assert len(doc["errors"]) == 4
    assert all(set(e) >= {"source", "message"} for e in doc["errors"])
    err_lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(err_lines) == 4 and "Traceback" not in captured.err
    assert any("2-bad.toml: line 3, column 8" in ln for ln in err_lines)
    assert any("4-rows.csv: row 3" in ln for ln in err_lines)


def test_duplicate_unit_ids(tmp_path, scheme):
    (tmp_path / "a.toml").write_text(toml_unit("same", "第一"), encoding="utf-8")
    (tmp_path / "b.csv").write_text("unit.id,unit.name\nother,乙\nsame,第二\n", encoding="utf-8")
    subs = read_all([tmp_path / "a.toml", tmp_path / "b.csv"])
    assert [(u.id, u.name) for u in subs.units] == [("same", "第一"), ("other", "乙")]
    assert len(subs.errors) == 1
    e = subs.errors[0]
    assert e.source == str(tmp_path / "b.csv") and e.where == "row 3"
    assert "same" in e.message and "duplicate" in e.message


def test_duplicate_ids_within_one_table(tmp_path):
    (tmp_path / "b.csv").write_text("unit.id,unit.name\nx,甲\ny,乙\nx,丙\n", encoding="utf-8")
    subs = read_all([tmp_path / "b.csv"])
    assert [u.id for u in subs.units] == ["x", "y"]
    assert [e.where for e in subs.errors] == ["row 4"]


def test_missing_file_is_an_error(tmp_path):
    subs = read_all([tmp_path / "nope.toml"])
    assert subs.units == [] and len(subs.errors) == 1
    assert subs.errors[0].source == str(tmp_path / "nope.toml")


def test_unit_needs_an_id_and_a_name(tmp_path):
    (tmp_path / "a.toml").write_text('[unit]\nid = "x"\n', encoding="utf-8")
    (tmp_path / "b.csv").write_text("unit.id,c.plan\nx,是\n", encoding="utf-8")
    subs = read_all([tmp_path / "a.toml", tmp_path / "b.csv"])
    assert subs.units == []
    assert [e.source for e in subs.errors] == [str(tmp_path / "a.toml"), str(tmp_path / "b.csv")]


def test_lists_in_tables_and_empty_cells(tmp_path, scheme):
    (tmp_path / "t.csv").write_text("unit.id,unit.name,c.docs,c.plan,c.rate\n"
                                    "u1,甲, 计划 ; 记录 ;;考勤 ,  ,\n", encoding="utf-8")
    got, _, _ = results(scheme, [tmp_path / "t.csv"])
    items = got["u1"]["items"]
    assert items["c.docs"]["points"] == 3.0            # 计划, 记录, 考勤: 3 of 4
    assert items["c.plan"]["status"] == "missing"      # a blank cell
    assert items["c.rate"]["status"] == "missing"


def test_csv_row_with_too_many_cells(tmp_path):
    (tmp_path / "t.csv").write_text("unit.id,unit.name\nu1,甲\nu2,乙,多余\nu3,丙\n", encoding="utf-8")
    subs = read_all([tmp_path / "t.csv"])
    assert [u.id for u in subs.units] == ["u1", "u3"]
    assert [e.where for e in subs.errors] == ["row 3"]


def test_empty_and_binary_files(tmp_path):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02")
    (tmp_path / "header-only.csv").write_text("unit.id,unit.name\n", encoding="utf-8")
    subs = read_all([tmp_path / "empty.toml", tmp_path / "bin.csv", tmp_path / "header-only.csv"])
    assert subs.units == []
    assert {e.source for e in subs.errors} >= {str(tmp_path / "empty.toml"), str(tmp_path / "bin.csv")}
