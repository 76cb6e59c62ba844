"""``--format xlsx``: the committee's workbook for evaluate and check."""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from civscore.cli import main
from civscore.reports.xlsx import clean

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
SCHEME = V1 / "civilized-unit.toml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """evaluate the examples once as xlsx (in zh-CN, a committee's workbook) and as json."""
    out = tmp_path_factory.mktemp("xlsx")
    assert main(["--lang", "zh-CN", "evaluate", str(SCHEME), str(EXAMPLES), "--format", "xlsx", "--output", str(out / "r.xlsx")]) == 0
    assert main(["evaluate", str(SCHEME), str(EXAMPLES), "--format", "json", "--output", str(out / "r.json")]) == 0
    doc = json.loads((out / "r.json").read_text(encoding="utf-8"))
    return out / "r.xlsx", doc


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets(run):
    path, _ = run
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["排名", "分项得分", "问题项", "评审分歧", "提交错误", "来源"]


def test_ranking_sheet_matches_json(run):
    path, doc = run
    table = rows(openpyxl.load_workbook(path)["排名"])
    header = table[0]
    assert header[:11] == ["排名", "星级", "单位编号", "单位名称", "分组", "地区", "期间", "总分", "基本分", "加分", "扣分"]
    cats = doc["criteria"]["categories"]
    assert header[11:11 + len(cats)] == [f"{c['title']}（{c['points']:g}）" for c in cats]
    assert header[11:13] == ["领导班子建设（20）", "思想道德建设（20）"]
    assert header[11 + len(cats):] == ["一票否决", "否决事项", "数据完整", "备注", "来源"]
    assert len(table) == 1 + len(doc["results"])
    for row, r in zip(table[1:], doc["results"]):
        assert row[0] == r["rank"] and row[1] == r["stars"]
        assert row[2:5] == [r["unit"]["id"], r["unit"]["name"], r["unit"]["group"]]
        assert row[7:11] == [r["total"], r["base"], r["bonus"], r["penalty"]]
        assert row[11:11 + len(cats)] == [r["categories"][c["id"]] for c in cats]
        assert row[11 + len(cats)] == ("是" if r["vetoed"] else "否")
        assert row[13 + len(cats)] == ("是" if r["complete"] else "否")
    # the hand-worked golden figures: first and last
    assert table[1][2:4] == ["xigu-sanitation", "西固区环卫局"] and table[1][7] == 98.3
    vetoed = table[-1]
    assert vetoed[2] == "xigu-chemical" and vetoed[0] is None and vetoed[1] == 0
    assert vetoed[12 + len(cats)] == "发生重大安全生产或食品安全责任事故"


def test_item_sheet(run):
    path, doc = run
    ws = openpyxl.load_workbook(path)["分项得分"]
    table = rows(ws)
    items = doc["criteria"]["items"]
    assert table[0][:3] == ["排名", "单位编号", "单位名称"]
    assert table[0][3] == "创建工作责任制落实（4）"
    assert "获国家级表彰（加分3）" in table[0] and "被群众有效投诉（扣分5）" in table[0]
    assert table[1][3:] == [it["id"] for it in items]
    for row, r in zip(table[2:], doc["results"]):
        assert row[1] == r["unit"]["id"]
        assert row[3:] == [r["items"][it["id"]]["points"] for it in items]
    # cells of items whose status is not ok are shaded
    library = next(i for i, row in enumerate(table) if row[1] == "xigu-library") + 1
    col = table[1].index("leadership.party_building") + 1
    assert ws.cell(library, col).fill.fgColor.rgb.endswith("FCE4D6")       # invalid


def test_issue_sheet_lists_every_non_ok_item(run):
    path, doc = run
    table = rows(openpyxl.load_workbook(path)["问题项"])
    expected = [(r["unit"]["id"], k, v["status"]) for r in doc["results"] for k, v in r["items"].items() if v["status"] != "ok"]
    zh = {"missing": "缺数据", "invalid": "数据无效", "error": "评分出错"}
    assert [(row[0], row[2], row[4]) for row in table[1:]] == [(u, k, zh[s]) for u, k, s in expected]
    assert any("应为数值，填写的是 'abc'" in (row[7] or "") for row in table[1:])


def test_provenance_sheet(run):
    path, doc = run
    table = rows(openpyxl.load_workbook(path)["来源"])
    flat = {row[0]: row[1] for row in table if row and row[0]}
    assert flat["civscore 版本"] == doc["civscore"]["version"]
    assert flat["方案 sha256"] == hashlib.sha256(SCHEME.read_bytes()).hexdigest() == doc["scheme"]["sha256"]
    assert flat["方案文件（criteria）"] == str(SCHEME)
    assert flat["分组排名（by_group）"] == "否"
    for name, version in doc["civscore"]["plugins"].items():
        assert flat[f"插件 {name}"] == version
    files = {f.name: f for f in EXAMPLES.iterdir()}
    for sub in doc["provenance"]["submissions"]:
        assert flat[sub["path"]] == sub["sha256"] == hashlib.sha256(files[Path(sub["path"]).name].read_bytes()).hexdigest()
    assert len(doc["provenance"]["submissions"]) == len(files)


def test_formulas_never_run(tmp_path):
    """Text from submissions that starts like a formula is stored as text, never a formula."""
    sub = tmp_path / "evil.csv"
    sub.write_text("unit.id,unit.name,unit.group,unit.region,creation.pairing\n"
                   '+cmd,"=HYPERLINK(""http://x"",""y"")",-1,@SUM(A1),E\n'
                   "ok\x01id,名称\x02,,,A\n"
                   '"<b>&amp;",  spaced name  ,,,B\n', encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert main(["evaluate", str(SCHEME), str(sub), "--format", "xlsx", "--output", str(out), "--lang", "zh-CN"]) == 0
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    with zipfile.ZipFile(out) as z:     # every part is well-formed XML
        import xml.etree.ElementTree as ET
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))
    wb = openpyxl.load_workbook(out)
    cells = {c.value: c for row in wb["排名"].iter_rows() for c in row if isinstance(c.value, str)}
    for text in ('=HYPERLINK("http://x","y")', "+cmd", "-1", "@SUM(A1)"):
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix
    assert "ok\ufffdid" in cells and "名称\ufffd" in cells       # control characters replaced
    assert "<b>&amp;" in cells and "spaced name" in cells           # escaped; the reader strips spaces


def test_check_xlsx(tmp_path):
    out = tmp_path / "c.xlsx"
    code = main(["check", str(SCHEME), str(EXAMPLES / "xigu-library.toml"), "--format", "xlsx", "--output", str(out),
                 "--lang", "zh-CN"])
    assert code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["自查", "分项", "整改清单", "评审分歧", "来源"]
    summary = {r[0]: r[1] for r in rows(wb["自查"]) if r and r[0]}
    assert summary["单位编号"] == "xigu-library" and summary["总分"] == 70 and summary["星级"] == 3
    items = rows(wb["分项"])
    assert len(items) == 1 + 30
    status = {r[0]: r[5] for r in items[1:]}
    assert status["leadership.party_building"] == "数据无效"
    lost = rows(wb["整改清单"])
    assert lost[1][0] == "leadership.integrity" and lost[1][2] == 6
    prov = {r[0]: r[1] for r in rows(wb["来源"]) if r and r[0]}
    sub = str(EXAMPLES / "xigu-library.toml")
    assert prov[sub] == hashlib.sha256(Path(sub).read_bytes()).hexdigest()


def test_xlsx_needs_output(capsys):
    assert main(["evaluate", str(SCHEME), str(EXAMPLES), "--format", "xlsx"]) == 2
    assert "give --output FILE" in capsys.readouterr().err


def test_byte_identical(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    main(["evaluate", str(SCHEME), str(EXAMPLES), "-f", "xlsx", "-o", str(a)])
    main(["evaluate", str(SCHEME), str(EXAMPLES), "-f", "xlsx", "-o", str(b)])
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(io.BytesIO(a.read_bytes())) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_assessor_disagreements_in_workbook(tmp_path):
    scheme = tmp_path / "s.toml"
    scheme.write_text(SCHEME.read_text(encoding="utf-8").replace(
        'tie_break = ["volunteer", "ideology"]', 'tie_break = ["volunteer", "ideology"]\nmax_spread = 1'), encoding="utf-8")
    sub = tmp_path / "panel.csv"
    sub.write_text("unit.id,unit.name,assessor,leadership.integrity\n"
                   "u,单位,甲,6\nu,单位,乙,2\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    main(["evaluate", str(scheme), str(sub), "-f", "xlsx", "-o", str(out), "--lang", "zh-CN"])
    wb = openpyxl.load_workbook(out)
    ranking = rows(wb["排名"])
    assert "leadership.integrity" in ranking[1][ranking[0].index("备注")]
    assert "分歧 4 > max_spread 1" in ranking[1][ranking[0].index("备注")]
    panel = rows(wb["评审分歧"])
    assert panel[1] == ["u", "单位", "leadership.integrity", "乙 2；甲 6", "4", 4, "分歧 4 > max_spread 1"]


def test_clean():
    assert clean("a\x00b") == "a\ufffdb"
    assert len(clean("x" * 40000)) == 32767
    assert clean(3.5) == 3.5 and clean(None) is None


def test_check_xlsx_of_a_panel(tmp_path):
    scheme = tmp_path / "s.toml"
    scheme.write_text(SCHEME.read_text(encoding="utf-8").replace(
        'tie_break = ["volunteer", "ideology"]', 'tie_break = ["volunteer", "ideology"]\nmax_spread = 1'), encoding="utf-8")
    sub = tmp_path / "panel.toml"
    sub.write_text('[unit]\nid = "u"\nname = "单位"\n'
                   '[[assessors]]\nname = "甲"\ndata = { "leadership.integrity" = 6 }\n'
                   '[[assessors]]\nname = "乙"\ndata = { "leadership.integrity" = 3 }\n', encoding="utf-8")
    out = tmp_path / "c.xlsx"
    assert main(["check", str(scheme), str(sub), "-f", "xlsx", "-o", str(out), "--lang", "zh-CN"]) == 0
    wb = openpyxl.load_workbook(out)
    summary = {r[0]: r[1] for r in rows(wb["自查"]) if r and r[0]}
    assert summary["评审员"] == "乙、甲" and summary["合并方式（aggregate）"] == "mean"
    assert rows(wb["评审分歧"])[1] == ["leadership.integrity", "乙 3；甲 6", "4.5", 3, "分歧 3 > max_spread 1"]


def test_byte_identical_across_seconds(tmp_path):
    """openpyxl's save stamps the current time into docProps; two runs in
    different seconds must still give the same bytes (and so must init)."""
    import time
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.xlsx"
        main(["evaluate", str(SCHEME), str(EXAMPLES), "-f", "xlsx", "-o", str(out)])
        tpl = tmp_path / f"{name}-template.xlsx"
        main(["init", str(SCHEME), "-f", "xlsx", "-o", str(tpl)])
        outs.append((out.read_bytes(), tpl.read_bytes()))
        time.sleep(1.1)
    assert outs[0] == outs[1]
    assert openpyxl.load_workbook(io.BytesIO(outs[0][0])).properties.modified.year == 1980


def test_english_workbooks_have_english_headings(tmp_path):
    """The workbook follows the chosen language like the HTML page: sheet names,
    headings and yes/no cells in English with --lang en (the Chinese titles of
    the scheme's categories and items are the scheme's text and stay)."""
    out = tmp_path / "r.xlsx"
    assert main(["evaluate", str(SCHEME), str(EXAMPLES), "-f", "xlsx", "-o", str(out), "--lang", "en"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Ranking", "Item scores", "Problem items", "Disagreements", "Submission errors", "Provenance"]
    header = rows(wb["Ranking"])[0]
    assert header[:11] == ["Rank", "Stars", "Unit id", "Unit name", "Group", "Region", "Period", "Total", "Base score",
                           "Bonus", "Penalty"]
    assert header[11:13] == ["领导班子建设 (20)", "思想道德建设 (20)"]
    assert header[-5:] == ["Vetoed", "Vetoed by", "Complete", "Remarks", "Source"]
    assert {row[-5] for row in rows(wb["Ranking"])[1:]} == {"Yes", "No"}
    assert "获国家级表彰 (bonus 3)" in rows(wb["Item scores"])[0]
    issues = rows(wb["Problem items"])
    assert issues[0] == ["Unit id", "Unit name", "Item id", "Item title", "Status", "Score", "Max", "Reasons"]
    assert {row[4] for row in issues[1:]} <= {"missing", "invalid", "scorer error"}
    prov = {r[0]: r[1] for r in rows(wb["Provenance"]) if r and r[0]}
    assert prov["Ranked by group (by_group)"] == "No" and "civscore version" in prov
    check = tmp_path / "c.xlsx"
    main(["check", str(SCHEME), str(EXAMPLES / "xigu-library.toml"), "-f", "xlsx", "-o", str(check), "--lang", "en"])
    wb = openpyxl.load_workbook(check)
    assert wb.sheetnames == ["Self-check", "Items", "Rectification list", "Disagreements", "Provenance"]
    summary = {r[0]: r[1] for r in rows(wb["Self-check"]) if r and r[0]}
    assert summary["Unit id"] == "xigu-library" and summary["Total"] == 70 and summary["Vetoed"] == "No"
    headings = [c for sheet in wb for c in rows(sheet)[0] if isinstance(c, str)]
    assert not [c for c in headings if re.search(r"[\u4e00-\u9fff]", c)]
