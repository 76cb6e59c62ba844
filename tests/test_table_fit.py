"""The evaluate table fits the terminal it is shown on (issue 14, point 5);
piped it stays whole; --columns picks columns anywhere."""
from __future__ import annotations

import json
from collections import Counter
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcswidth

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "civilized-unit-v1"
SCHEME = FIXTURE / "civilized-unit.toml"
UNITS = FIXTURE / "units"


def on_a_terminal(columns: int, *args: str) -> str:
    """civscore run with its stdout on a pseudo-terminal ``columns`` wide."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS=str(columns), PYTHONPATH=str(REPO), CIVSCORE_DISABLE_PLUGIN_AUTOLOAD="1")
    proc = subprocess.Popen([sys.executable, "-m", "civscore", *args], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120])
def test_the_table_fits_the_terminal(columns):
    out = on_a_terminal(columns, "evaluate", str(SCHEME), str(UNITS))
    lines = out.splitlines()
    assert max(wcswidth(line) for line in lines) <= columns
    assert "xigu-sanitation" in out and "98.30" in out            # every unit, with its total
    assert any("not shown to fit" in line for line in lines)        # and it says what it left out


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120])
def test_labels_and_long_names_wrap_to_fit_in_chinese(columns):
    """Level labels (★★★ 推荐申报省级文明单位) and long unit names wrap when even the fewest columns
    are too wide; the footer wraps by display width, never inside a word."""
    out = on_a_terminal(columns, "--lang", "zh-CN", "evaluate", "civilized-unit", str(REPO / "examples" / "civilized-unit"))
    lines = out.splitlines()
    assert max(wcswidth(line) for line in lines) <= columns
    for unit in ("chengguan-tax", "xigu-chemical", "anning-market-regulation"):
        assert unit in out
    assert "104.25" in out and "一票否决" in out
    footer = "".join(lines[lines.index(next(line for line in lines if line.startswith("为适应"))):])
    left_out = footer.split("：")[1].split("；")[0].replace(" ", "").split(",")
    assert {"group", "penalty", "visits"} <= set(left_out) and ("note" in left_out) == (columns == 80)


def test_piped_the_table_stays_whole(cli):
    code, out, _ = cli("evaluate", SCHEME, UNITS)
    assert code == 0
    header = out.splitlines()[2]
    for word in ("rank", "base", "bonus", "penalty", "领导班子建设(20)", "业务工作与环境(20)"):
        assert word in header
    assert "not shown" not in out


def test_the_table_shows_the_reported_figures(cli):
    """Base, bonus, penalty and category points are the report's figures, rounded half up like the total
    (anning-market-regulation's base is 56.965 before rounding: 56.97, as its total, not 56.96)."""
    code, out, _ = cli("evaluate", "civilized-unit", REPO / "examples" / "civilized-unit")
    assert code == 0
    _, doc, _ = cli("evaluate", "civilized-unit", REPO / "examples" / "civilized-unit", "-f", "json")
    for r in json.loads(doc)["results"]:
        figures = [r["total"], r["base"], r["bonus"], r["penalty"], *r["categories"].values()]
        line = next(line for line in out.splitlines() if f" {r['unit']['id']} " in line)
        assert re.search(r"\s+".join(re.escape(f"{x:.2f}") for x in figures), line), (r["unit"]["id"], line)


def test_columns_picks_the_columns(cli):
    code, out, _ = cli("evaluate", SCHEME, UNITS, "--columns", "rank,name,total,leadership")
    assert code == 0
    header = out.splitlines()[2].split()
    assert header == ["rank", "name", "total", "领导班子建设(20)"]


def test_an_unknown_column_is_a_usage_error(cli):
    code, _, err = cli("evaluate", SCHEME, UNITS, "--columns", "rank,totl")
    assert code == 2
    assert "--columns: no column 'totl' (did you mean 'total'?)" in err


def _text(out: str) -> Counter:
    """What a report says, whatever its layout: every character but blanks and the rules' dashes."""
    return Counter(ch for ch in out if not ch.isspace() and ch != "-")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("columns", [80, 120])
def test_a_check_fits_the_terminal_and_says_everything_it_says_piped(columns, lang, cli):
    """check's tables (categories, items with their reasons, the lost points with why and
    hints) wrap their text columns to the terminal's width, and the sentences wrap too;
    piped, every row stays on one line. Both say the same words."""
    args = ("--lang", lang, "check", "civilized-unit", str(REPO / "examples" / "civilized-unit" / "xigu-library.toml"))
    out = on_a_terminal(columns, *args)
    lines = out.splitlines()
    assert max(wcswidth(line) for line in lines) <= columns
    code, piped, _err = cli(*args)
    assert code == 0
    assert max(wcswidth(line) for line in piped.splitlines()) > columns      # there was something to fit
    assert _text(out) == _text(piped)
    for line in piped.splitlines():                                           # every item keeps its row
        if line.startswith("national.") or line.startswith("bonus."):
            item = line.split()[0]
            assert any(row.startswith(item + " ") for row in lines), item


def test_fit_widths_share_what_is_left_and_keep_narrow_columns_whole():
    from civscore.reports.text import LEAST_WRAP, fit_widths
    headers = ["item", "title", "points", "reasons"]
    rows = [["national.volunteer.hours", "志愿者年服务时长达标率（≥48 小时）", "5.00", "30 / 30 = 100.0%; full at 100%"],
            ["tasks.practice", "实践", "6.00", "3 of 3 present"]]
    assert fit_widths(headers, rows, (1, 3), 200) == [None] * 4                # it fits: nothing wraps
    limits = fit_widths(headers, rows, (1, 3), 70)
    fixed = len("national.volunteer.hours") + len("points") + 2 + 2 * 3
    assert limits[0] is None and limits[2] is None
    assert limits[1] + limits[3] == 70 - fixed and abs(limits[1] - limits[3]) <= 1
    short = [[r[0], "实践", r[2], r[3]] for r in rows]                          # a narrow title keeps its width
    limits = fit_widths(headers, short, (1, 3), 60)
    assert limits[1] == len("title") + 2 and limits[3] == 60 - fixed - limits[1]
    assert min(fit_widths(headers, rows, (1, 3), 10)[i] for i in (1, 3)) >= LEAST_WRAP   # too narrow: the least
