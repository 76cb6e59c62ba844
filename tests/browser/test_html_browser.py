"""The HTML reports in a real headless browser (Debian's Chromium via Playwright).

Each page is written to a file and opened by its file:// URL, as a user would
open a report. The tests read what the browser shows (the DOM after the
script ran), click and type like a user, and save full-page screenshots to
``$CIVSCORE_ARTIFACTS`` (default ``tests/artifacts``).

Without Chromium or Playwright these tests are skipped, except in CI
(``CI=true``), where they fail: ``.ci/install-browser`` installs both.
"""
from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from civscore.contracts.i18n import set_language
from civscore.reports import html as report

pytestmark = pytest.mark.slow   # drives a real browser


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    """These pages are read as a Chinese committee reads them (the zh_CN catalog),
    in this process and in the command lines the tests start."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    set_language("zh_CN")
    yield
    set_language("en")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CIVSCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI") == "true"
HOSTILE = "<script>alert(1)</script>"


def _artifacts() -> Path:
    path = Path(os.environ.get("CIVSCORE_ARTIFACTS") or ROOT / "tests" / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- sample documents

CATEGORIES = [
    {"id": "ideology", "title": "思想道德建设", "points": 30.0},
    {"id": "environment", "title": "环境卫生与秩序", "points": 40.0},
    {"id": "service", "title": "优质服务", "points": 30.0},
]
ITEMS = [
    ("ideology.study", "理论学习制度化", 15.0, "ideology", "制定年度学习计划并保留学习记录"),
    ("ideology.volunteer", "志愿服务常态化", 15.0, "ideology", "每季度至少组织一次志愿服务"),
    ("environment.clean", "办公场所整洁", 20.0, "environment", "落实卫生责任区制度"),
    ("environment.green", "绿化美化", 20.0, "environment", "提高绿化覆盖率"),
    ("service.satisfaction", "群众满意度", 20.0, "service", "开展满意度回访"),
    ("service.online", "网上办事", 10.0, "service", "推行一网通办"),
]


def _criteria() -> dict:
    items = [{"id": i, "title": t, "max": m, "kind": "criterion", "category": c, "scorer": "manual",
              "method": "on-site", "hint": h} for i, t, m, c, h in ITEMS]
    items.append({"id": "bonus.national_honor", "title": "获国家级表彰", "max": 3.0, "kind": "bonus",
                  "category": None, "scorer": "boolean", "method": None, "hint": "争取上级表彰"})
    items.append({"id": "penalty.complaints", "title": "被群众有效投诉", "max": 10.0, "kind": "penalty",
                  "category": None, "scorer": "linear", "method": None, "hint": "及时处理群众投诉"})
    return {
        "full_marks": 100, "rating_method": "thresholds", "categories": CATEGORIES, "items": items,
        "vetoes": [{"id": "veto.major_accident", "title": "发生重大安全责任事故"}],
        "levels": [{"stars": 5, "min_score": 90.0, "min_category_ratio": 0.8},
                   {"stars": 4, "min_score": 80.0, "min_category_ratio": None},
                   {"stars": 3, "min_score": 70.0, "min_category_ratio": None},
                   {"stars": 2, "min_score": 60.0, "min_category_ratio": None},
                   {"stars": 1, "min_score": 0.0, "min_category_ratio": None}],
        "bonus_cap": 5.0, "penalty_cap": 10.0,
    }


def _unit(uid, name, group, ratios, *, bonus=0.0, penalty=0.0, veto=False, error_item=None):
    """A result whose leaf i earns ratios[i] of its points; totals add up."""
    items, cats = {}, {c["id"]: 0.0 for c in CATEGORIES}
    for (iid, title, mx, cat, _), ratio in zip(ITEMS, ratios):
        pts = round(mx * ratio, 2)
        status, reasons = "ok", ([] if ratio >= 1 else [f"得分率 {ratio:.0%}：{title}未完全达标"])
        if iid == error_item:
            pts, status, reasons = 0.0, "error", ["scorer 'manual' failed: ValueError"]
        elif ratio == 0:
            status, reasons = "missing", ["no value given"]
        items[iid] = {"points": pts, "max": mx, "status": status, "reasons": reasons}
        cats[cat] = round(cats[cat] + pts, 2)
    items["bonus.national_honor"] = {"points": bonus, "max": 3.0, "status": "ok",
                                     "reasons": ["获全国文明单位称号"] if bonus else []}
    items["penalty.complaints"] = {"points": penalty, "max": 10.0, "status": "ok",
                                   "reasons": [f"{penalty / 2:g} 起有效投诉"] if penalty else []}
    base = round(sum(cats.values()), 2)
    return {"unit": {"id": uid, "name": name, "group": group, "region": "兰州市", "period": "2025"},
            "source": f"submissions/{uid}.toml", "rank": None, "stars": 0,
            "total": round(max(0.0, base + bonus - penalty), 2), "base": base, "bonus": bonus, "penalty": penalty,
            "vetoed": veto, "vetoes": ["veto.major_accident"] if veto else [], "complete": error_item is None,
            "categories": cats, "items": items}


def _stars(total):
    for stars, floor in ((5, 90), (4, 80), (3, 70), (2, 60), (1, 0)):
        if total >= floor:
            return stars
    return 0


def evaluation_doc() -> dict:
    results = [
        _unit("xigu-sanitation", "西固区环卫局", "机关", [1, 0.9, 0.95, 0.9, 1, 0.9], bonus=3.0, penalty=1.0),
        _unit("city-tax", "城关区税务局", "机关", [0.9, 0.8, 0.9, 0.85, 0.8, 0.9]),
        _unit("evil", HOSTILE, "企事业", [0.8, 0.7, 0.75, 0.8, 0.7, 0.8], penalty=2.0),
        _unit("people-hospital", "兰州市人民医院", "企事业", [0.9, 0.85, 0.9, 0.95, 0.85, 1], bonus=2.0),
        _unit("water-supply", "兰州供水集团", "企事业", [0.7, 0.6, 0.65, 0.0, 0.7, 0.6], error_item="service.online"),
        _unit("xigu-chemical", "西固化工厂", "机关", [0.9, 0.9, 0.9, 0.9, 0.9, 0.9], veto=True),
    ]
    ranked = sorted((r for r in results if not r["vetoed"]), key=lambda r: -r["total"])
    for i, r in enumerate(ranked, 1):
        r["rank"], r["stars"] = i, _stars(r["total"])
    results = ranked + [r for r in results if r["vetoed"]]
    return {
        "scheme": {"id": "civilized-unit", "version": "2025.1", "title": "文明单位测评体系（示例）",
                   "sha256": "3f1c0b2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"},
        "civscore": {"version": "1.0.0", "plugins": {"civscore-dust": "0.2.0"}},
        "criteria": _criteria(),
        "results": results,
        "errors": [{"source": "submissions/broken.toml", "message": "line 4, column 7: expected '=' after a key"}],
    }


def check_doc() -> dict:
    doc = evaluation_doc()
    result = next(r for r in doc["results"] if r["unit"]["id"] == "evil")
    crit = {i["id"]: i for i in doc["criteria"]["items"]}
    lost = []
    for iid, item in result["items"].items():
        kind = crit[iid]["kind"]
        amount = item["points"] if kind == "penalty" else item["max"] - item["points"]
        if amount > 0:
            lost.append({"id": iid, "title": crit[iid]["title"], "kind": kind, "lost": round(amount, 2),
                         "points": item["points"], "max": item["max"], "status": item["status"],
                         "reasons": item["reasons"], "hint": crit[iid]["hint"]})
    # given in the engine's order, not sorted: the page must sort by points recoverable
    return {
        "scheme": doc["scheme"], "civscore": doc["civscore"], "criteria": doc["criteria"], "result": result,
        "next_level": {"stars": 4, "min_score": 80.0, "points_needed": round(80.0 - result["total"], 2),
                       "categories_below": []},
        "lost": lost, "missing": ["bonus.national_honor", "veto.major_accident"], "target": 4, "target_met": False,
    }


# --------------------------------------------------------------------------- browser fixtures

@pytest.fixture(scope="module")
def browser():
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "the Python package playwright is not installed (run .ci/install-browser)"
    if problem is None and not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is absent (run .ci/install-browser)"
    if problem is not None:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {problem}")
        pytest.skip(problem)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Watched:
    """A page with everything that went wrong on it recorded."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign_requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: r.url.startswith(("file:", "data:", "about:"))
                or self.foreign_requests.append(r.url))

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self):
        assert self.console_errors == [], "console errors"
        assert self.page_errors == [], "uncaught page errors"
        assert self.dialogs == [], "a dialog fired: injected script ran"
        assert self.foreign_requests == [], "the page requested something outside itself"


@pytest.fixture
def open_html(browser, tmp_path):
    contexts = []

    def _open(page_html: str, name: str = "report.html") -> Watched:
        path = tmp_path / name
        path.write_text(page_html, encoding="utf-8")
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        contexts.append(context)
        watched = Watched(context.new_page())
        watched.page.goto(path.as_uri(), wait_until="load")
        return watched

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def evaluation(open_html):
    return open_html(report.render_evaluation(evaluation_doc()), "evaluation.html")


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "#ranking tbody tr.unit-row", "rows => rows.filter(r => !r.hidden && r.offsetParent !== null)"
        ".map(r => r.getAttribute('data-id'))")


def column_values(page, key: str) -> list[float]:
    return page.evaluate(
        """key => {
            const th = document.querySelector(`#ranking th[data-key="${key}"]`);
            return [...document.querySelectorAll('#ranking tbody tr.unit-row')]
                .filter(r => !r.hidden).map(r => parseFloat(r.cells[th.cellIndex].getAttribute('data-v')));
        }""", key)


# --------------------------------------------------------------------------- evaluation page

def test_evaluation_page_renders_cleanly(evaluation):
    page = evaluation.page
    doc = evaluation_doc()
    assert page.title().startswith("文明单位测评体系（示例）")
    assert visible_ids(page) == [r["unit"]["id"] for r in doc["results"]]
    assert page.inner_text("#f-count") == "6 / 6"
    # header facts
    header = page.inner_text("header")
    for text in ("civilized-unit", "2025.1", doc["scheme"]["sha256"], "1.0.0", "参评单位"):
        assert text in header
    # stars drawn against the scheme's maximum, charts drawn
    first = page.inner_text('tr.unit-row[data-id="xigu-sanitation"] .stars')
    assert first == "★★★★★"
    assert page.inner_text('tr.unit-row[data-id="city-tax"] .stars') == "★★★★☆"
    assert page.locator("#star-chart svg rect.bar").count() == 7  # 5..0 stars and vetoed
    assert page.locator("#category-charts svg").count() == 3
    # vetoed and errors sections
    assert "西固化工厂" in page.inner_text("#vetoed") and "发生重大安全责任事故" in page.inner_text("#vetoed")
    assert "submissions/broken.toml" in page.inner_text("#errors")
    assert "expected '='" in page.inner_text("#errors")
    # the incomplete unit is marked
    assert "不完整" in page.inner_text('tr.unit-row[data-id="water-supply"]')
    assert page.locator('tr.unit-row.incomplete').count() == 1
    page.screenshot(path=str(_artifacts() / "evaluation.png"), full_page=True)
    evaluation.assert_clean()


def test_hostile_unit_name_is_literal_text(evaluation):
    page = evaluation.page
    assert page.inner_text('tr.unit-row[data-id="evil"] .uname') == HOSTILE
    # the only scripts are the report's own: a JSON block and the page script
    assert page.evaluate("document.scripts.length") == 2
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.click('tr.unit-row[data-id="evil"]')
    assert page.is_visible('tr.detail-row[data-for="evil"]')
    page.wait_for_timeout(200)
    evaluation.assert_clean()


def test_sort_by_total(evaluation):
    page = evaluation.page
    th = page.locator('#ranking th[data-key="total"]')
    th.click()
    assert th.get_attribute("aria-sort") == "ascending"
    values = column_values(page, "total")
    assert values == sorted(values) and len(values) == 6
    th.click()
    assert th.get_attribute("aria-sort") == "descending"
    values = column_values(page, "total")
    assert values == sorted(values, reverse=True)
    # each detail row still follows its unit
    pairs = page.eval_on_selector_all(
        "#ranking tbody tr.unit-row",
        "rows => rows.map(r => [r.getAttribute('data-id'), r.nextElementSibling.getAttribute('data-for')])")
    assert all(a == b for a, b in pairs)
    evaluation.assert_clean()


def test_sort_by_text_and_rank_keeps_unranked_last(evaluation):
    page = evaluation.page
    page.click('#ranking th[data-key="id"]')
    ids = visible_ids(page)
    assert ids == sorted(ids)
    rank = page.locator('#ranking th[data-key="rank"]')
    rank.click()
    rank.click()  # descending: the vetoed unit (no rank) stays last
    assert visible_ids(page)[-1] == "xigu-chemical"
    assert column_values(page, "rank")[:-1] == [5, 4, 3, 2, 1]
    page.click('#ranking th[data-key="cat:environment"]')
    values = column_values(page, "cat:environment")
    assert values == sorted(values)
    evaluation.assert_clean()


def test_group_filter_hides_rows(evaluation):
    page = evaluation.page
    value = page.eval_on_selector("#f-group", "s => [...s.options].find(o => o.text === '企事业').value")
    page.select_option("#f-group", value)
    assert sorted(visible_ids(page)) == ["evil", "people-hospital", "water-supply"]
    assert page.inner_text("#f-count") == "3 / 6"
    assert page.is_hidden('tr.unit-row[data-id="xigu-sanitation"]')
    page.select_option("#f-group", "")
    assert len(visible_ids(page)) == 6
    evaluation.assert_clean()


def test_stars_filter_hides_rows(evaluation):
    page = evaluation.page
    page.select_option("#f-stars", "4")
    ids = visible_ids(page)
    assert ids and all(page.get_attribute(f'tr.unit-row[data-id="{i}"]', "data-stars") == "4" for i in ids)
    assert "xigu-sanitation" not in ids
    page.select_option("#f-stars", "veto")
    assert visible_ids(page) == ["xigu-chemical"]
    # filters combine
    page.select_option("#f-stars", "5")
    value = page.eval_on_selector("#f-group", "s => [...s.options].find(o => o.text === '企事业').value")
    page.select_option("#f-group", value)
    assert visible_ids(page) == ["people-hospital"]
    assert page.inner_text("#f-count") == "1 / 6"
    page.select_option("#f-stars", "2")  # nobody has 2 stars
    assert visible_ids(page) == []
    evaluation.assert_clean()


def test_search_filters_by_name_and_id(evaluation):
    page = evaluation.page
    page.fill("#f-search", "环卫")
    assert visible_ids(page) == ["xigu-sanitation"]
    page.fill("#f-search", "XIGU")  # ids, case-insensitively
    assert visible_ids(page) == ["xigu-sanitation", "xigu-chemical"]
    page.fill("#f-search", "<script>")
    assert visible_ids(page) == ["evil"]
    page.fill("#f-search", "没有这个单位")
    assert visible_ids(page) == []
    page.fill("#f-search", "")
    assert len(visible_ids(page)) == 6
    evaluation.assert_clean()


def test_unit_detail_view_shows_items(evaluation):
    page = evaluation.page
    detail = page.locator('tr.detail-row[data-for="city-tax"]')
    assert detail.is_hidden()
    page.click('tr.unit-row[data-id="city-tax"] td:nth-child(5)')
    assert detail.is_visible()
    assert page.get_attribute('tr.unit-row[data-id="city-tax"] button.toggle', "aria-expanded") == "true"
    text = detail.inner_text()
    for iid, title, *_ in ITEMS:
        assert iid in text and title in text
    assert "bonus.national_honor" in text and "penalty.complaints" in text
    assert detail.locator("table.items tbody tr").count() == len(ITEMS) + 2
    assert detail.locator("svg rect.fill").count() == 3  # one bar per category
    assert "思想道德建设" in detail.locator("svg").text_content()
    detail.screenshot(path=str(_artifacts() / "evaluation-detail.png"))
    # the detail of the incomplete unit says so and shows the failed item
    page.click('tr.unit-row[data-id="water-supply"] button.toggle')
    other = page.locator('tr.detail-row[data-for="water-supply"]')
    assert "评分不完整" in other.inner_text() and "评分出错" in other.inner_text()
    # a second click closes it; filtering keeps closed details closed
    page.click('tr.unit-row[data-id="city-tax"] td:nth-child(5)')
    assert detail.is_hidden()
    page.fill("#f-search", "城关")
    assert detail.is_hidden()
    evaluation.assert_clean()


def test_hash_link_opens_a_unit(open_html, tmp_path):
    watched = open_html(report.render_evaluation(evaluation_doc()), "hash.html")
    watched.page.goto((tmp_path / "hash.html").as_uri() + "#unit-0")
    assert watched.page.is_visible("#d-0")
    watched.assert_clean()


# --------------------------------------------------------------------------- check page

def test_check_page_lists_rectification_by_lost_points(open_html):
    doc = check_doc()
    watched = open_html(report.render_check(doc), "check.html")
    page = watched.page
    assert "整改清单" in page.inner_text("#rectification h2")
    rows = page.eval_on_selector_all(
        "#lost tbody tr", "rows => rows.map(r => [r.getAttribute('data-item'), parseFloat(r.getAttribute('data-lost'))])")
    assert len(rows) == len(doc["lost"])
    lost = [x for _, x in rows]
    assert lost == sorted(lost, reverse=True) and lost[0] > lost[-1]
    assert rows[0][0] == max(doc["lost"], key=lambda x: x["lost"])["id"]
    # status, reasons and hints are shown
    table = page.inner_text("#lost")
    assert "办公场所整洁" in table and "落实卫生责任区制度" in table and "未完全达标" in table
    # summary: the hostile name as text, what the next star needs, the target
    summary = page.inner_text("#summary")
    assert HOSTILE in summary and "还需提高" in summary and "4 星" in summary
    assert "未达成" in page.inner_text("#target")
    assert "veto.major_accident" in page.inner_text("#missing")
    assert "未触发" in page.inner_text("#vetoes")
    assert page.evaluate("document.scripts.length") == 0
    page.screenshot(path=str(_artifacts() / "check.png"), full_page=True)
    watched.assert_clean()


def test_check_page_of_a_vetoed_unit(open_html):
    doc = check_doc()
    doc["result"] = copy.deepcopy(evaluation_doc()["results"][-1])
    doc["next_level"], doc["target"], doc["target_met"] = None, None, None
    watched = open_html(report.render_check(doc), "check-vetoed.html")
    assert "发生重大安全责任事故" in watched.page.inner_text("#vetoes")
    assert watched.page.is_visible("#veto-note")
    watched.assert_clean()


# --------------------------------------------------------------------------- through the command line

def _cli_ready() -> bool:
    return (ROOT / "civscore" / "cli.py").exists() and (ROOT / "civscore" / "__main__.py").exists() \
        and (ROOT / "tests" / "fixtures" / "civilized-unit-v1").is_dir()


def _civscore(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "civscore", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not _cli_ready(), reason="the civscore command line is not there yet")
def test_bundled_example_through_the_cli(open_html, tmp_path):
    out = tmp_path / "example.html"
    proc = _civscore("evaluate", "tests/fixtures/civilized-unit-v1/civilized-unit.toml", "tests/fixtures/civilized-unit-v1/units", "--format", "html",
                     "--output", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert out.exists(), proc.stderr
    html_text = out.read_text(encoding="utf-8")
    watched = open_html(html_text, "example.html")
    page = watched.page
    units = page.locator("#ranking tbody tr.unit-row").count()
    assert units >= 5
    assert page.inner_text("#f-count") == f"{units} / {units}"
    # the rendered total column is in rank order for ranked units
    page.click('#ranking th[data-key="total"]')
    values = column_values(page, "total")
    assert values == sorted(values)
    page.click('#ranking th[data-key="total"]')
    page.click("#ranking tbody tr.unit-row >> nth=0")
    assert page.locator("#ranking tbody tr.detail-row:not([hidden]) table.items tbody tr").count() > 0
    page.screenshot(path=str(_artifacts() / "example-evaluation.png"), full_page=True)
    watched.assert_clean()


@pytest.mark.skipif(not _cli_ready(), reason="the civscore command line is not there yet")
def test_bundled_example_check_through_the_cli(open_html, tmp_path):
    out = tmp_path / "example-check.html"
    # a unit with points to win back, so the list has something to order
    submission = ROOT / "tests" / "fixtures" / "civilized-unit-v1" / "units" / "qilihe-logistics.toml"
    if not submission.exists():
        submission = sorted((ROOT / "tests" / "fixtures" / "civilized-unit-v1" / "units").glob("*.toml"))[0]
    proc = _civscore("check", "tests/fixtures/civilized-unit-v1/civilized-unit.toml", str(submission.relative_to(ROOT)), "--format", "html",
                     "--output", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert out.exists(), proc.stderr
    watched = open_html(out.read_text(encoding="utf-8"), "example-check.html")
    page = watched.page
    assert "整改清单" in page.inner_text("#rectification")
    lost = page.eval_on_selector_all("#lost tbody tr", "rows => rows.map(r => parseFloat(r.getAttribute('data-lost')))")
    assert lost and lost == sorted(lost, reverse=True)
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    name = tomllib.loads(submission.read_text(encoding="utf-8"))["unit"]["name"]
    assert name in page.inner_text("#summary")
    page.screenshot(path=str(_artifacts() / "example-check.png"), full_page=True)
    watched.assert_clean()
