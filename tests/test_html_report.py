"""The HTML reports as text: escaping, self-containment, completeness.

The browser tests (tests/browser/) check the same pages in a real Chromium.
"""
from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

from civscore.contracts.i18n import set_language
from civscore.reports import html as report

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def chinese():
    """These pages are read as a Chinese committee reads them (zh_CN catalog);
    tests/test_i18n.py checks the English ones."""
    set_language("zh_CN")


def _criteria():
    return {
        "full_marks": 100,
        "rating_method": "thresholds",
        "categories": [
            {"id": "ideology", "title": "思想道德建设", "points": 60.0},
            {"id": "env", "title": "环境<b>卫生</b>", "points": 40.0},
        ],
        "items": [
            {"id": "ideology.study", "title": "理论学习制度化", "max": 60.0, "kind": "criterion",
             "category": "ideology", "scorer": "checklist", "method": "document-review",
             "hint": "制定年度学习计划 <img src=x onerror=alert(2)>"},
            {"id": "env.clean", "title": "卫生 & \"整洁\"", "max": 40.0, "kind": "criterion",
             "category": "env", "scorer": "linear", "method": "on-site", "hint": "保持整洁"},
            {"id": "bonus.national_honor", "title": "获国家级表彰", "max": 3.0, "kind": "bonus",
             "category": None, "scorer": "boolean", "method": None, "hint": None},
            {"id": "penalty.complaints", "title": "被群众有效投诉", "max": 10.0, "kind": "penalty",
             "category": None, "scorer": "linear", "method": None, "hint": "减少投诉"},
        ],
        "vetoes": [{"id": "veto.major_accident", "title": "发生重大<安全>责任事故"}],
        "levels": [
            {"stars": 5, "min_score": 90.0, "min_category_ratio": 0.8},
            {"stars": 4, "min_score": 80.0, "min_category_ratio": None},
            {"stars": 3, "min_score": 70.0, "min_category_ratio": None},
            {"stars": 2, "min_score": 60.0, "min_category_ratio": None},
            {"stars": 1, "min_score": 0.0, "min_category_ratio": None},
        ],
        "bonus_cap": 5.0,
        "penalty_cap": 10.0,
    }


def _result(uid, name, group, total, *, rank=1, stars=4, vetoed=False, complete=True, reasons=None):
    study = total * 0.6
    clean = total * 0.4
    return {
        "unit": {"id": uid, "name": name, "group": group, "region": "兰州市", "period": "2025"},
        "source": f"examples/{uid}.toml", "rank": None if vetoed else rank, "stars": 0 if vetoed else stars,
        "total": total, "base": total, "bonus": 0.0, "penalty": 0.0,
        "vetoed": vetoed, "vetoes": ["veto.major_accident"] if vetoed else [], "complete": complete,
        "categories": {"ideology": study, "env": clean},
        "items": {
            "ideology.study": {"points": study, "max": 60.0, "status": "ok",
                               "reasons": reasons or ["有 2/3 项材料"]},
            "env.clean": {"points": clean, "max": 40.0, "status": "error" if not complete else "ok",
                          "reasons": ["scorer failed"] if not complete else []},
            "bonus.national_honor": {"points": 0.0, "max": 3.0, "status": "missing", "reasons": ["no value given"]},
            "penalty.complaints": {"points": 0.0, "max": 10.0, "status": "ok", "reasons": []},
        },
    }


@pytest.fixture
def evaluation():
    return {
        "scheme": {"id": "civilized-unit", "version": "2025.1", "sha256": "ab" * 32, "title": "文明单位测评体系"},
        "civscore": {"version": "1.0.0", "plugins": {"dust<plugin>": "0.1"}},
        "criteria": _criteria(),
        "results": [
            _result("u1", "西固区环卫局", "机关", 92.0, rank=1, stars=5),
            _result("u2", HOSTILE, "机关", 85.0, rank=2, stars=4,
                    reasons=["缺少 </script><script>alert(3)</script>", "a & b"]),
            _result("u3\"><img src=x>", "七里河&街道", "企业", 70.0, rank=3, stars=3, complete=False),
            _result("u4", "安宁区医院", "企业", 88.0, vetoed=True),
        ],
        "errors": [{"source": "subs/bad<1>.toml", "message": "line 3, column 1: <expected> '='"}],
        "failures": ["subs/u9.toml: unit 'u9': env.clean: <plugin> raised"],
        "provenance": {"criteria": "x.toml", "by_group": True, "submissions": []},
    }


@pytest.fixture
def check_doc(evaluation):
    result = copy.deepcopy(evaluation["results"][1])
    return {
        "scheme": evaluation["scheme"], "civscore": evaluation["civscore"], "criteria": evaluation["criteria"],
        "result": result,
        "next_level": {"stars": 5, "min_score": 90.0, "points_needed": 5.0,
                       "categories_below": [{"id": "env", "title": "环境<b>卫生</b>", "ratio": 0.75,
                                             "min_ratio": 0.8, "points_needed": 2.0}]},
        "lost": [
            {"id": "env.clean", "title": "卫生 & \"整洁\"", "kind": "criterion", "lost": 6.0, "points": 34.0,
             "max": 40.0, "status": "ok", "reasons": ["<i>脏乱</i>"], "hint": "保持整洁"},
            {"id": "ideology.study", "title": "理论学习制度化", "kind": "criterion", "lost": 9.0, "points": 51.0,
             "max": 60.0, "status": "ok", "reasons": [HOSTILE], "hint": "制定年度学习计划 <img src=x onerror=alert(2)>"},
            {"id": "bonus.national_honor", "title": "获国家级表彰", "kind": "bonus", "lost": 3.0, "points": 0.0,
             "max": 3.0, "status": "missing", "reasons": ["no value given"], "hint": None},
        ],
        "missing": ["bonus.national_honor", "veto.major_accident"],
        "target": 5,
        "target_met": False,
        "invalid_vetoes": ["veto.major_accident"],
    }


def _tags(page: str) -> list[tuple[str, list]]:
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

        handle_startendtag = handle_starttag

    Collect().feed(page)
    return found


def _script_bodies(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)


def _assert_no_hostile_markup(page: str) -> None:
    # as a browser's tokenizer sees it: only the report's own elements
    tags = _tags(page)
    scripts = [attrs for name, attrs in tags if name == "script"]
    assert scripts in ([], [[("type", "application/json"), ("id", "civscore-data")], []])
    assert not [name for name, _ in tags if name in ("img", "iframe", "object", "embed")]
    # the only <script> elements are ours: the JSON data block and the page script
    assert page.count("<script") == len(_script_bodies(page))
    for body in _script_bodies(page):
        assert "alert(" not in body
    assert "<img" not in page
    assert "<b>卫生" not in page and "<i>脏乱" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")


def test_evaluation_escapes_every_text(evaluation):
    page = report.render_evaluation(evaluation)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page  # a reason
    assert "环境&lt;b&gt;卫生&lt;/b&gt;" in page  # a category title
    assert "卫生 &amp; &#34;整洁&#34;" in page  # an item title
    assert "七里河&amp;街道" in page
    assert "u3&#34;&gt;&lt;img src=x&gt;" in page  # an id, in attributes and text
    assert "发生重大&lt;安全&gt;责任事故" in page  # a veto title
    assert "subs/bad&lt;1&gt;.toml" in page and "&lt;expected&gt;" in page  # an error
    assert "dust&lt;plugin&gt;" in page
    assert "env.clean: &lt;plugin&gt; raised" in page  # a scorer failure
    assert "按分组分别排名" in page
    _assert_no_hostile_markup(page)


def test_check_escapes_every_text(check_doc):
    page = report.render_check(check_doc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "制定年度学习计划 &lt;img src=x onerror=alert(2)&gt;" in page  # a hint
    assert "&lt;i&gt;脏乱&lt;/i&gt;" in page
    assert 'id="invalid-vetoes"' in page and "发生重大&lt;安全&gt;责任事故" in page
    _assert_no_hostile_markup(page)


def test_json_for_script_cannot_break_out():
    text = report.json_for_script({"name": "</script><script>alert(1)</script>", "x": "a & b <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script>", "x": "a & b <!--"}


@pytest.mark.parametrize("render,fixture", [(report.render_evaluation, "evaluation"), (report.render_check, "check_doc")])
def test_pages_load_nothing_from_outside(render, fixture, request):
    page = render(request.getfixturevalue(fixture))
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", page), "no http(s):// reference at all"
    tags = _tags(page)
    names = {name for name, _ in tags}
    assert not names & {"link", "img", "iframe", "object", "embed", "image", "use", "base", "form", "audio", "video"}
    for name, attrs in tags:
        for key, value in attrs:
            assert key not in ("src", "srcset", "action", "xlink:href", "background", "poster"), (name, key)
            assert not key.startswith("on"), (name, key)  # no inline handlers
            if key == "href":
                assert (value or "").startswith("#"), (name, value)
    assert "@import" not in page and "url(" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in html.unescape(csp.group(1))
    assert "Noto Sans CJK SC" in page and "WenQuanYi Micro Hei" in page


def test_script_hash_in_csp_matches_the_script(evaluation):
    import base64
    import hashlib
    page = report.render_evaluation(evaluation)
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"sha256-{digest}" in page


def test_every_unit_and_error_appears(evaluation):
    page = report.render_evaluation(evaluation)
    for result in evaluation["results"]:
        uid = escape(result["unit"]["id"])
        assert page.count(f'data-id="{uid}"') >= 1
        assert escape(result["unit"]["name"]) in page
        assert f'data-for="{uid}"' in page  # its detail view
    assert page.count('class="unit-row') == 4
    # every item of every unit in the detail views
    assert page.count('data-item="ideology.study"') == 4
    assert page.count('data-item="penalty.complaints"') == 4
    # each category column and chart
    assert 'data-key="cat:ideology"' in page and 'data-category="env"' in page
    # the vetoed unit is listed with its veto, the error with its source
    vetoed = page.split('id="vetoed"')[1].split("</section>")[0]
    assert "安宁区医院" in vetoed and "veto.major_accident" in vetoed
    errors = page.split('id="errors"')[1].split("</section>")[0]
    assert "subs/bad&lt;1&gt;.toml" in errors
    # incomplete unit marked
    assert "⚠ 不完整" in page and "unit-row incomplete" in page


def test_stars_use_the_schemes_maximum(evaluation):
    page = report.render_evaluation(evaluation)
    assert "★★★★★" in page and "★★★★☆" in page and "★★★☆☆" in page
    evaluation["criteria"]["levels"] = [{"stars": 3, "min_score": 80.0}, {"stars": 1, "min_score": 0.0}]
    for r in evaluation["results"]:
        r["stars"] = min(r["stars"], 3)
    page = report.render_evaluation(evaluation)
    assert "★★★☆☆" not in page and "★★★" in page and "★☆☆" in page


def test_check_lists_lost_items_by_points_recoverable(check_doc):
    page = report.render_check(check_doc)
    section = page.split('id="rectification"')[1].split("</section>")[0]
    order = re.findall(r'<tr class="st-\w+" data-item="([^"]+)"', section)
    assert order == ["ideology.study", "env.clean", "bonus.national_honor"]
    assert "整改清单" in page
    assert "还需提高" in page and "环境&lt;b&gt;卫生&lt;/b&gt;" in page
    missing = page.split('id="missing"')[1].split("</section>")[0]
    assert "bonus.national_honor" in missing and "veto.major_accident" in missing
    assert "未达成" in page


def test_check_top_level_and_vetoed(check_doc):
    check_doc["next_level"] = None
    check_doc["target"] = None
    page = report.render_check(check_doc)
    assert "已达到最高星级" in page
    check_doc["result"]["vetoed"] = True
    check_doc["result"]["vetoes"] = ["veto.major_accident"]
    page = report.render_check(check_doc)
    assert "已触发一票否决" in page and "发生重大&lt;安全&gt;责任事故" in page


def test_minimal_documents_render():
    """Without the criteria extension, or with nothing in it, a page still renders."""
    doc = {"scheme": {"id": "s", "version": "1", "sha256": "x"}, "civscore": {"version": "1"},
           "results": [{"unit": {"id": "a", "name": "甲", "group": None}, "source": "a.toml", "rank": 1,
                        "stars": 2, "total": 50, "base": 50, "bonus": 0, "penalty": 0, "vetoed": False,
                        "vetoes": [], "complete": True, "categories": {"c": 50},
                        "items": {"c.x": {"points": 50, "max": 100, "status": "ok", "reasons": []}}}],
           "errors": []}
    page = report.render_evaluation(doc)
    assert "甲" in page and 'data-key="cat:c"' in page
    assert "<html" in report.render_evaluation({})
    assert "整改清单" in report.render_check({"result": doc["results"][0], "lost": [], "missing": []})
    assert "整改清单" in report.render_check({})


def test_rendering_is_deterministic(evaluation):
    assert report.render_evaluation(evaluation) == report.render_evaluation(copy.deepcopy(evaluation))


def test_number_format():
    assert report.fmt(93.5) == "93.5"
    assert report.fmt(90.0) == "90"
    assert report.fmt(1 / 3) == "0.33"
    assert report.fmt(-0.0001) == "0"
    assert report.fmt(None) == "—"


def test_ranking_figures_have_two_decimals(evaluation):
    """A column of figures reads like the text and CSV reports: 92.00 above 85.00, not 92 above 85.5."""
    assert report.fixed2(5) == "5.00" and report.fixed2(-0.0001) == "0.00" and report.fixed2(None) == "—"
    page = report.render_evaluation(evaluation)
    ranking = page[page.index('class="unit-row'):]
    rows = [row.split('class="detail-row')[0] for row in ranking.split('<tr id="unit-')]   # each unit's row
    figures = [text for row in rows for text in re.findall(r'<td class="n" data-v="[^"]*"[^>]*>(?:<b>)?([^<]*)', row)[1:]]
    assert len(figures) >= 12 and all(re.fullmatch(r"-?\d+\.\d\d", text) for text in figures), figures   # after the rank
    assert "92.00" in ranking


def test_assessor_disagreements_show_escaped_in_both_pages(tmp_path):
    """A panel's disagreement (docs/assessors.md) is flagged in the evaluation
    page and in the check page, with hostile assessor names as text."""
    import subprocess
    import sys
    crit = tmp_path / "c.toml"
    crit.write_text('''format = "civscore/1"
[scheme]
id = "panel"
title = "评审"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 5 }]
max_spread = 2
[criteria.a]
title = "类别"
[criteria.a.score]
title = "现场评分"
points = 10
scorer = "manual"
''', encoding="utf-8")
    unit = tmp_path / "u.toml"
    unit.write_text('''[unit]
id = "u1"
name = "单位"
[[assessors]]
name = "<script>alert(1)</script>"
[assessors.data]
"a.score" = 9
[[assessors]]
name = "李四"
[assessors.data]
"a.score" = 3
''', encoding="utf-8")
    pages = []
    for cmd in (["evaluate", str(crit), str(unit), "--lang", "zh-CN"], ["check", str(crit), str(unit), "--lang", "zh-CN"]):
        out = tmp_path / f"{cmd[0]}.html"
        proc = subprocess.run([sys.executable, "-m", "civscore", *cmd, "-f", "html", "-o", str(out)],
                              capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
        pages.append(out.read_text(encoding="utf-8"))
    for page in pages:
        assert "评审分歧" in page and "a.score" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; 9" in page and "李四 3" in page
        assert "<script>alert(1)</script>" not in page
        assert "取 6" in page          # the mean of 9 and 3 is what was scored


def test_texts_inside_translated_messages_are_escaped(check_doc):
    """Values put into a translated message (分组：…, 下一星级…, 单项下限…) are
    escaped like every other value: the message is markup, its values are not."""
    check_doc["result"]["unit"].update(group=HOSTILE, region="<b>r</b>", period="<i>p</i>")
    check_doc["next_level"]["categories_below"][0]["id"] = "<img src=x>"
    page = report.render_check(check_doc)
    assert "分组：&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "地区：&lt;b&gt;r&lt;/b&gt;" in page and "期间：&lt;i&gt;p&lt;/i&gt;" in page
    assert "（<code>&lt;img src=x&gt;</code>）：得分率 75%" in page
    assert "<b>r</b>" not in page and "<i>p</i>" not in page
    _assert_no_hostile_markup(page)


def _ascii(value):
    """``value`` with every CJK character of its texts replaced by ``x``."""
    if isinstance(value, dict):
        return {_ascii(k): _ascii(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ascii(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", "x", value)
    return value


class _Marking:
    """A translation that wraps every message in ⟦ ⟧ (placeholders kept)."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.mark.parametrize("render,fixture", [(report.render_evaluation, "evaluation"), (report.render_check, "check_doc")])
def test_every_text_of_the_page_goes_through_gettext(render, fixture, request, monkeypatch):
    """With data free of Chinese, every Chinese word left on the page comes
    from a message; each must reach the page through the translation."""
    from civscore.contracts import i18n
    doc = _ascii(request.getfixturevalue(fixture))
    monkeypatch.setattr(i18n, "_translations", _Marking())
    page = render(doc)
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S)
    assert "⟦" in page
    left = re.sub(r"⟦.*?⟧", "", page, flags=re.S)
    assert not re.findall(r"[\u4e00-\u9fff]+", left)


def test_jinja2_is_loaded_only_for_html():
    """Importing civscore (and writing any other format) does not import Jinja2."""
    import subprocess
    import sys
    code = ("import sys, civscore.cli, civscore.builtin.writers, civscore.reports.html; "
            "assert 'jinja2' not in sys.modules, 'jinja2 imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_check_page_tables_have_two_decimals(cli, tmp_path):
    """The check page's tables (the rectification list and every item) read like the text
    report and the ranking: 3.00 above 1.70 and 0.37, 2.63 / 3.00, not 3 above 1.7."""
    out = tmp_path / "check.html"
    code, _out, _err = cli("check", "civilized-unit", REPO / "examples" / "civilized-unit" / "xigu-library.toml",
                           "-f", "html", "-o", out)
    assert code == 0
    page = out.read_text(encoding="utf-8")
    figure = r"−?\d+\.\d\d"
    lost = page[page.index('id="lost"'):]
    lost = lost[:lost.index("</table>")]
    cells = re.findall(r'<td class="n lost"><b>([^<]*)</b></td><td class="n">([^<]*)</td>', lost)
    assert len(cells) >= 5 and "1.70" in lost
    assert all(re.fullmatch(figure, a) and re.fullmatch(f"{figure} / {figure}", b) for a, b in cells), cells
    items = page[page.index('<table class="items">'):]
    items = items[:items.index("</table>")]
    figures = re.findall(r'<td class="n">([^<]*)</td><td class="n">([^<]*)</td>', items)
    assert len(figures) >= 20 and all(re.fullmatch(figure, a) and re.fullmatch(figure, b) for a, b in figures), figures
