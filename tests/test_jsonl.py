"""``--format jsonl`` and the results of ``json`` rendered column by column (issue 15).

Every result line the column renderer makes is compared, byte for byte, with
``json.dumps(result_doc(ev, i), ensure_ascii=False, allow_nan=False)`` (the
per-unit rendering the ``json`` report had before): on every bundled scheme's
examples, the bad-input corpus, history runs, labelled levels, na items,
panels of assessors and ``--by-group``, through the real command line; and on
hand-made columns holding the strings and floats JSON is touchy about.
"""
from __future__ import annotations

import dataclasses
import errno
import json
import math
from pathlib import Path

import numpy as np
import pytest

from civscore import api
from civscore.reports import data as data_reports
from civscore.reports import evaluation_doc, json_columns, result_doc

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "bad"
V1 = REPO / "tests" / "fixtures" / "civilized-unit-v1"


def per_unit_lines(ev) -> list[str]:
    return [json.dumps(result_doc(ev, i), ensure_ascii=False, allow_nan=False) for i in ev.order]


@pytest.fixture
def compared(monkeypatch):
    """While a test runs, every report's result lines are rendered by columns in chunks of
    3 units and compared with the per-unit rendering; the list says how many units
    each evaluation had and how many the columns rendered (the rest fell back to result_doc)."""
    real = json_columns.result_lines
    seen: list[tuple[int, bool]] = []

    def checked(ev, doc, units_per_chunk=0):
        got = [line for chunk in real(ev, doc, 3) for line in chunk]
        assert got == per_unit_lines(ev)
        seen.append((ev.n, json_columns.columnar(ev)))
        for start in range(0, len(got), 3):
            yield got[start:start + 3]
    monkeypatch.setattr(json_columns, "result_lines", checked)
    return seen


def both_formats(cli, tmp_path: Path, *args) -> tuple[str, str]:
    """The json and the jsonl report of one run, as written to files."""
    out = {}
    for fmt in ("json", "jsonl"):
        target = tmp_path / f"report.{fmt}"
        code, _out, err = cli("evaluate", *args, "-f", fmt, "-o", target, "--no-progress")
        assert code in (0, 1), err
        out[fmt] = target.read_text(encoding="utf-8")
    return out["json"], out["jsonl"]


def assert_lines_are_the_documents(json_text: str, jsonl_text: str) -> list[dict]:
    """Each jsonl line is the json document's line for that unit, byte for byte, and parses to its result."""
    doc = json.loads(json_text)
    lines = jsonl_text.split("\n")
    assert lines[-1] == ""                 # a newline after every line, nothing after the last
    lines = lines[:-1]
    assert [json.loads(line) for line in lines] == doc["results"]
    in_document = [line[4:].rstrip(",") for line in json_text.splitlines() if line.startswith('    {"unit": ')]
    assert lines == in_document
    return doc["results"]


def _examples(scheme: Path) -> Path:
    return REPO / "examples" / scheme.stem.removesuffix("-quota")


CASES = [pytest.param([scheme, _examples(scheme)], id=scheme.stem) for scheme in sorted((REPO / "criteria").glob("*.toml"))] + [
    pytest.param([BAD / "good-criteria.toml", BAD / "submissions"], id="bad-corpus"),
    pytest.param([BAD / "good-criteria-spread.toml", BAD / "submissions"], id="bad-corpus-spread"),
    pytest.param([V1 / "civilized-unit.toml", V1 / "units"], id="civilized-unit-v1"),
    pytest.param([REPO / "criteria" / "civilized-unit.toml", REPO / "examples" / "civilized-unit", "--by-group"], id="by-group"),
]


@pytest.mark.parametrize("args", CASES)
def test_jsonl_lines_are_the_json_documents_results(args, cli, tmp_path, compared):
    json_text, jsonl_text = both_formats(cli, tmp_path, *args)
    results = assert_lines_are_the_documents(json_text, jsonl_text)
    assert results and compared and all(columnar for _n, columnar in compared)


def test_what_the_bundled_examples_show_is_covered(cli, tmp_path, compared):
    """The cases above hold labels, na items, vetoed units and rows from table files."""
    seen = {"label": False, "na": False, "vetoed": False, "row": False, "na_points": False}
    for scheme in sorted((REPO / "criteria").glob("*.toml")):
        json_text, jsonl_text = both_formats(cli, tmp_path, scheme, _examples(scheme))
        for r in assert_lines_are_the_documents(json_text, jsonl_text):
            seen["label"] |= r.get("label") is not None
            seen["na"] |= any(item["status"] == "na" and "reasons" not in item for item in r["items"].values())
            seen["vetoed"] |= r["vetoed"] and r["rank"] is None
            seen["row"] |= "row" in r
            seen["na_points"] |= r.get("na_points", 0) > 0
    assert all(seen.values()), seen


PANEL_SCHEME = """
format = "civscore/1"
[scheme]
id = "panel"
title = "Panel"
version = "1"
full_marks = 10
[rating]
aggregate = "median"
max_spread = 1
levels = [{ stars = 1, min_score = 5, label = "一星" }]
[criteria.a]
title = "A"
points = 10
[criteria.a.integrity]
title = "Integrity"
points = 6
scorer = "manual"
[criteria.a.plan]
title = "Plan"
points = 4
scorer = "boolean"
na = true
"""


def test_panels_of_assessors_keep_their_extension_keys(cli, tmp_path, compared):
    """A unit scored by several assessors has assessors, aggregate and disagreements after its items;
    units scored by one keep the plain shape, in the same report."""
    (tmp_path / "s.toml").write_text(PANEL_SCHEME, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(
        "unit.id,unit.name,assessor,a.integrity,a.plan\n"
        "u1,单位一,甲,6,是\n"
        "u1,单位一,乙,3,免评\n"
        "u2,单位二,甲,5,否\n", encoding="utf-8")
    (tmp_path / "u3.toml").write_text('[unit]\nid = "u3"\nname = "三"\n[data]\n"a.integrity" = 4\n"a.plan" = "免评"\n',
                                      encoding="utf-8")
    json_text, jsonl_text = both_formats(cli, tmp_path, tmp_path / "s.toml", tmp_path / "rows.csv", tmp_path / "u3.toml")
    results = {r["unit"]["id"]: r for r in assert_lines_are_the_documents(json_text, jsonl_text)}
    assert list(results["u1"])[-3:] == ["assessors", "aggregate", "disagreements"]
    assert "a.integrity" in results["u1"]["disagreements"]
    assert "assessors" not in results["u3"] and results["u3"]["items"]["a.plan"] == {"points": 0.0, "max": 4.0, "status": "na"}


HISTORY_SCHEME = """
format = "civscore/1"
[scheme]
id = "tiny"
title = "Tiny"
version = "1"
full_marks = 100
[rating]
levels = [
  { stars = 3, min_score = 80, label = "三星" },
  { stars = 2, min_score = 60 },
  { stars = 1, min_score = 50 },
]
[criteria.work]
title = "Work"
points = 100
scorer = "manual"
input = "score"
[veto.accident]
title = "Accident"
input = "accident"
[history]
max_rise = 1
weights = [0.3, 0.7]
"""


@pytest.mark.parametrize("weights", [True, False])
def test_history_runs(cli, tmp_path, compared, weights):
    """earned_stars, cycle_total (with weights) and history (a rule's reason) on both formats, over two periods."""
    crit = tmp_path / "s.toml"
    crit.write_text(HISTORY_SCHEME if weights else HISTORY_SCHEME.replace("weights = [0.3, 0.7]\n", ""), encoding="utf-8")
    periods = {"2024": {"a": 55, "b": 90, "c": 70}, "2025": {"a": 99, "b": (95, "veto"), "c": 71.335, "d": 88}}
    for period, rows in periods.items():
        lines = ["unit.id,unit.name,score,accident"] + [
            f"{uid},Unit {uid},{v[0] if isinstance(v, tuple) else v},{'yes' if isinstance(v, tuple) else ''}"
            for uid, v in rows.items()]
        units = tmp_path / f"{period}.csv"
        units.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for fmt in ("json", "jsonl"):   # the same period recorded twice: --replace
            code, _out, err = cli("evaluate", crit, units, "--history", tmp_path / "h.db", "--period", period, "--replace",
                                  "-f", fmt, "-o", tmp_path / f"{period}.{fmt}", "--no-progress")
            assert code == 0, err
    results = assert_lines_are_the_documents((tmp_path / "2025.json").read_text(encoding="utf-8"),
                                             (tmp_path / "2025.jsonl").read_text(encoding="utf-8"))
    a = {r["unit"]["id"]: r for r in results}["a"]
    assert (a["earned_stars"], a["stars"], a["history"]) == (3, 2, ["max_rise: 1 → at most 2"])
    if weights:
        assert a["cycle_total"] == 85.8   # 0.3 × 55 + 0.7 × 99
    else:
        assert "cycle_total" not in a
    assert all(columnar for _n, columnar in compared)


# -- hand-made columns: what JSON is touchy about -------------------------------------------------
AWKWARD_TEXT = ['say "hi"', "back\\slash", "new\nline", "tab\there", "\x00\x01\x1f\x7f", "𝄞 non-BMP 🙂",
                "中文（全角）与“引号”", "", " ", "\u2028\u2029", "'='", "=1+2"]
AWKWARD_FLOATS = [0.1 + 0.2, -0.0, 0.0, 1e-7, 1e16, 123456789.123, 5e-324, 1e200, 1e22, -1.5, 2.675]


def _awkward_evaluation(registry, tmp_path: Path, n: int = 12):
    scheme = api.load(REPO / "criteria" / "civilized-unit.toml", registry=registry)
    units = tmp_path / "u.csv"
    units.write_text("unit.id,unit.name\n" + "".join(f"u{k},n{k}\n" for k in range(n)), encoding="utf-8")
    ev = api.evaluate(scheme, api.read([units], registry=registry, scheme=scheme), registry=registry)
    ev.units = [dataclasses.replace(u, id=AWKWARD_TEXT[k % len(AWKWARD_TEXT)] + str(k), name=AWKWARD_TEXT[-k % len(AWKWARD_TEXT)],
                                    group=None if k % 3 else AWKWARD_TEXT[k % 5], region=AWKWARD_TEXT[(k + 4) % len(AWKWARD_TEXT)],
                                    period="2025" if k % 2 else None, source=AWKWARD_TEXT[k % 4], row=None if k % 4 == 1 else 10 ** 20 + k)
                for k, u in enumerate(ev.units)]
    floats = np.array([AWKWARD_FLOATS[k % len(AWKWARD_FLOATS)] for k in range(n)])
    ev.total = floats[::-1].copy()
    ev.base = floats
    ev.rank = [None if k == 3 else 10 ** 30 + k for k in range(n)]
    leaves = list(scheme.items)
    shared = ["同一个理由", 'a "quoted" reason']
    for j, leaf in enumerate(leaves):
        ev.points[leaf.id] = np.roll(floats, j)
        ev.reasons[leaf.id] = [shared if (k + j) % 3 == 0 else [AWKWARD_TEXT[(k * j) % len(AWKWARD_TEXT)], "x"] if k % 2
                               else list(shared) if k % 5 == 0 else [] for k in range(n)]
    return ev


def test_awkward_strings_and_floats_render_as_json_dumps_does(registry, tmp_path):
    ev = _awkward_evaluation(registry, tmp_path)
    assert json_columns.columnar(ev)
    for size in (1, 5, 100):
        got = [line for chunk in json_columns.result_lines(ev, result_doc, size) for line in chunk]
        assert got == per_unit_lines(ev)
    assert any('-0.0' in line for line in got) and any("5e-324" in line for line in got)


def test_strings_and_floats_from_hypothesis(registry, tmp_path):
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    ev = _awkward_evaluation(registry, tmp_path, n=6)
    text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
    finite = st.floats(allow_nan=False, allow_infinity=False)

    @hypothesis.settings(max_examples=60, deadline=None)
    @hypothesis.given(ids=st.lists(text, min_size=6, max_size=6), reasons=st.lists(st.lists(text, max_size=3), min_size=6, max_size=6),
                      totals=st.lists(finite, min_size=6, max_size=6), ranks=st.lists(st.none() | st.integers(), min_size=6, max_size=6))
    def check(ids, reasons, totals, ranks):
        ev.units = [dataclasses.replace(u, id=i, name=i[::-1]) for u, i in zip(ev.units, ids)]
        ev.total = np.array(totals, dtype=np.float64)
        ev.rank = ranks
        ev.reasons[next(iter(ev.reasons))] = reasons
        got = [line for chunk in json_columns.result_lines(ev, result_doc, 4) for line in chunk]
        assert got == per_unit_lines(ev)
    check()


def test_what_json_cannot_write_fails_as_it_did(registry, tmp_path):
    """A NaN figure is refused by json.dumps in either rendering (allow_nan=False)."""
    ev = _awkward_evaluation(registry, tmp_path)
    ev.total = np.full(ev.n, math.nan)
    with pytest.raises(ValueError):
        per_unit_lines(ev)
    with pytest.raises(ValueError):
        list(json_columns.result_lines(ev, result_doc))


def test_a_plugins_evaluation_falls_back_to_result_doc(registry, tmp_path):
    """Figures that are not NumPy columns (pure-Python arrays) render unit by unit: the same lines."""
    ev = _awkward_evaluation(registry, tmp_path)
    ev.base = list(ev.base)
    assert not json_columns.columnar(ev)
    assert [line for chunk in json_columns.result_lines(ev, result_doc) for line in chunk] == per_unit_lines(ev)


# -- the writer on the command line ------------------------------------------------------------------
SCHEME = REPO / "criteria" / "civilized-unit.toml"
EXAMPLES = REPO / "examples" / "civilized-unit"


def test_jsonl_on_stdout_and_errors_on_stderr(cli, tmp_path):
    (tmp_path / "units").mkdir()
    for f in EXAMPLES.iterdir():
        (tmp_path / "units" / f.name).write_bytes(f.read_bytes())
    (tmp_path / "units" / "zz-broken.toml").write_text("[unit\n", encoding="utf-8")
    code, out, err = cli("evaluate", SCHEME, tmp_path / "units", "-f", "jsonl")
    assert code == 1 and "zz-broken.toml" in err
    lines = out.splitlines()
    assert out.endswith("}\n") and len(lines) == len({line for line in lines})
    shapes = {tuple(k for k in json.loads(line) if k != "row") for line in lines}
    assert len(shapes) == 1 and "errors" not in out      # one shape a line; submission errors only on stderr
    code, json_out, _err = cli("evaluate", SCHEME, tmp_path / "units", "-f", "json")
    assert [json.loads(line) for line in lines] == json.loads(json_out)["results"]


def test_jsonl_to_a_file_is_plain_utf8_and_replaced_atomically(cli, tmp_path, monkeypatch):
    target = tmp_path / "r.jsonl"
    target.write_text("old report\n", encoding="utf-8")
    code, _out, err = cli("evaluate", SCHEME, EXAMPLES, "-f", "jsonl", "-o", target, "--encoding", "gb18030")
    assert code == 0, err
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and "单位".encode("utf-8") in raw   # UTF-8 whatever --encoding says (CSV only)
    _code, json_out, _err = cli("evaluate", SCHEME, EXAMPLES, "-f", "json")
    assert [json.loads(line) for line in raw.decode("utf-8").splitlines()] == json.loads(json_out)["results"]

    def full_disk(ev, doc, units_per_chunk=0):   # the disk fills after the first line
        yield [json_columns.dumps(doc(ev, ev.order[0]))]
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(json_columns, "result_lines", full_disk)
    code, _out, err = cli("evaluate", SCHEME, EXAMPLES, "-f", "jsonl", "-o", target)
    assert code == 2 and "No space left on device" in err and "nothing was written" in err
    assert target.read_bytes() == raw and sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl"]


def test_check_writes_the_units_result_as_one_line(cli):
    unit = EXAMPLES / "xigu-library.toml"
    code, out, err = cli("check", SCHEME, unit, "-f", "jsonl")
    _code, json_out, _err = cli("check", SCHEME, unit, "-f", "json")
    assert out.count("\n") == 1 and out.endswith("\n")
    assert json.loads(out) == json.loads(json_out)["result"]
    _code, evaluated, _err = cli("evaluate", SCHEME, unit, "-f", "jsonl")
    assert set(json.loads(out)) == set(json.loads(evaluated))   # the shape of evaluate's lines


def test_no_unit_no_line(cli, tmp_path):
    (tmp_path / "broken.toml").write_text("[unit\n", encoding="utf-8")
    code, out, err = cli("evaluate", SCHEME, tmp_path / "broken.toml", "-f", "jsonl")
    assert code == 1 and out == "" and "broken.toml" in err


def test_the_writer_is_listed_and_described(cli):
    code, out, _err = cli("evaluate", "--help")
    assert code == 0 and "jsonl" in out
    assert data_reports.JsonlWriter.description


def per_unit_document(ev) -> str:
    """The json document as it was written unit by unit before the column renderer."""
    marker = "\x00results\x00"
    head, tail = data_reports.dumps(evaluation_doc(ev, ev.by_group, results=[marker])).split(
        "    " + json.dumps(marker) + "\n", 1)
    lines = per_unit_lines(ev)
    return head + "".join("    " + line + (",\n" if k < len(lines) - 1 else "\n") for k, line in enumerate(lines)) + tail


@pytest.mark.parametrize("pieces", [1, 2, 250])
def test_the_json_document_is_the_per_unit_document(registry, monkeypatch, pieces):
    """Chunks of units and pieces of lines put together: the same bytes, the commas and newlines between them too."""
    monkeypatch.setattr(json_columns, "UNITS_PER_CHUNK", 3)
    monkeypatch.setattr(data_reports, "LINES_PER_PIECE", pieces)
    for scheme in sorted((REPO / "criteria").glob("*.toml")):
        loaded = api.load(scheme, registry=registry)
        ev = api.evaluate(loaded, api.read([_examples(scheme)], registry=registry, scheme=loaded), registry=registry)
        assert ev.n > 3
        assert "".join(data_reports.JsonWriter().evaluation_chunks(ev)) == per_unit_document(ev)
        assert "".join(data_reports.JsonlWriter().evaluation_chunks(ev)) == "".join(line + "\n" for line in per_unit_lines(ev))
