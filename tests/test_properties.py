"""Property-based tests (hypothesis): whatever the input, civscore answers
with its own errors or a valid result; it never raises anything else, never
hangs, never returns nonsense (issue #6).

* the criteria loader on arbitrary text and on arbitrary TOML documents
  raises only :class:`civscore.errors.CivscoreError` subclasses;
* the submission readers on arbitrary bytes yield only units or
  :class:`SubmissionError`, and ``read_all`` never raises;
* every built-in scorer returns an :class:`Outcome` with a fraction in
  [0, 1] and a valid status on any value, through ``score`` and ``score_many``;
* the formula parser raises only :class:`FormulaError`, and evaluation
  finishes fast with :class:`FormulaValueError` or a finite number.

The example counts are modest (2 shared CPU cores); set
``HYPOTHESIS_PROFILE=thorough`` for a long run.
"""
from __future__ import annotations

import io
import json
import math
import os
import string
import sys
import time
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from civscore import api as criteria  # noqa: E402  (load/loads with the default registry)
from civscore.contracts.errors import CivscoreError, SubmissionError  # noqa: E402
from civscore.formula import Formula, FormulaError, FormulaValueError  # noqa: E402
from civscore.builtin.scorers import BUILTIN_SCORERS  # noqa: E402
from civscore.contracts.scoring import STATUSES, Outcome  # noqa: E402
from civscore.builtin.readers import CsvReader, JsonReader, TomlReader, XlsxReader  # noqa: E402
from civscore.contracts.units import Unit  # noqa: E402
from civscore.api import read as read_all  # noqa: E402

pytestmark = pytest.mark.slow   # hypothesis searches: `-m "not slow"` skips them while you work

settings.register_profile("ci", max_examples=60, deadline=None, database=None,  # no .hypothesis/ in the tree

                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# -- strategies --------------------------------------------------------------------
ID = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=8)
KEY = st.one_of(ID, st.sampled_from(["format", "scheme", "rating", "criteria", "veto", "bonus", "penalty",
                                     "title", "points", "scorer", "params", "input", "levels", "stars",
                                     "min_score", "full_marks", "id", "version", "cap", "expr", "items"]))
NUMBER = st.one_of(st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                   st.floats(allow_nan=True, allow_infinity=True))
SCALAR = st.one_of(st.booleans(), NUMBER, st.text(max_size=20),
                   st.sampled_from(["civscore/1", "boolean", "checklist", "linear", "bands", "deduct", "grade",
                                    "manual", "ratio", "formula", "thresholds", "quota", "hours * 2",
                                    "__import__('os')", "9**9**9"]))
TOMLISH = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(KEY, inner, max_size=5)),
                       max_leaves=25)

# values a unit can submit, hostile ones included
HUGE_INTS = st.sampled_from([10 ** 20, -(10 ** 20), 10 ** 300, 10 ** 400, -(10 ** 400), 2 ** 1023, 2 ** 1024])
VALUE_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), HUGE_INTS,
                         st.floats(allow_nan=True, allow_infinity=True),
                         st.text(max_size=30),
                         st.sampled_from(["nan", "inf", "-inf", "1e400", "-3", "3.5", "1,000", "是", "否", "yes",
                                          "A", "b", " ", "", "a;b;c", "plan;record", "9" * 150, "Z" * 500]))
VALUE = st.recursive(VALUE_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                     max_leaves=10)


def _toml_value(v):
    """A Python value as TOML text (enough for the strategies above)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"


def toml_dumps(doc: dict) -> str:
    """Top-level tables as ``[section]`` headers, everything else inline."""
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(k)}]")
            lines += [f"{json.dumps(k2)} = {_toml_value(v2)}" for k2, v2 in v.items()]
    return "\n".join(lines) + "\n"


VALID = (Path(__file__).parent / "bad" / "good-criteria.toml").read_text(encoding="utf-8")


def _load_only_own_errors(text: str) -> None:
    try:
        criteria.loads(text, source="prop.toml")
    except CivscoreError as exc:
        assert str(exc)                       # one line to print
        for line in getattr(exc, "lines", None) or [str(exc)]:
            assert "\n" not in line and "Traceback" not in line


# -- criteria loader -----------------------------------------------------------------
@given(st.text(max_size=400))
@example('format = "civscore/1"\n[scheme]\nfull_marks = inf\n')
@example("x = " + "9" * 5000)
@example("x = " + "[" * 5000)
def test_criteria_loads_arbitrary_text(text):
    _load_only_own_errors(text)


@given(st.dictionaries(KEY, TOMLISH, max_size=6))
def test_criteria_loads_arbitrary_toml_documents(doc):
    _load_only_own_errors(toml_dumps(doc))


@st.composite
def mutated_scheme(draw):
    """The corpus' valid scheme with one value replaced by something arbitrary."""
    doc = tomllib.loads(VALID)
    paths = []

    def walk(node, path):
        for k, v in node.items():
            paths.append(path + [k])
            if isinstance(v, dict):
                walk(v, path + [k])
    walk(doc, [])
    path = draw(st.sampled_from(paths))
    target = doc
    for k in path[:-1]:
        target = target[k]
    if draw(st.booleans()):
        target[path[-1]] = draw(TOMLISH)
    else:
        del target[path[-1]]
    return doc


def _dump_nested(doc: dict) -> str:
    """Any nesting of tables, as dotted table headers."""
    out = []

    def emit(node, path):
        scalars = {k: v for k, v in node.items() if not isinstance(v, dict)}
        if path:
            out.append("[" + ".".join(json.dumps(p) for p in path) + "]")
        out.extend(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in scalars.items())
        for k, v in node.items():
            if isinstance(v, dict):
                emit(v, path + [k])
    emit(doc, [])
    return "\n".join(out) + "\n"


@given(mutated_scheme())
def test_criteria_loads_mutated_valid_scheme(doc):
    _load_only_own_errors(_dump_nested(doc))


def test_valid_scheme_round_trips():
    """The dumper used above writes a scheme the loader accepts (so mutations are meaningful)."""
    criteria.loads(_dump_nested(tomllib.loads(VALID)), source="prop.toml")


# -- submission readers ----------------------------------------------------------------
def _read(reader, data: bytes, name: str):
    items = []
    try:
        for item in reader().read(Path(name), data):
            assert isinstance(item, (Unit, SubmissionError)), type(item)
            items.append(item)
    except SubmissionError:
        pass
    for item in items:
        if isinstance(item, Unit):
            assert isinstance(item.id, str) and item.id and isinstance(item.name, str) and item.name
            dict(item.data)            # readable as a mapping
    return items


@given(st.binary(max_size=600))
@example(b"\xff\xfe<\x00u\x00n\x00i\x00t\x00")
@example(b'{"unit": {"id": "x", "name": "y"}, "data": {"a": ' + b"9" * 5000 + b"}}")
def test_json_and_toml_readers_on_bytes(data):
    _read(JsonReader, data, "x.json")
    _read(TomlReader, data, "x.toml")


@given(st.text(max_size=400))
def test_json_and_toml_readers_on_text(text):
    _read(JsonReader, text.encode("utf-8"), "x.json")
    _read(TomlReader, text.encode("utf-8"), "x.toml")


@given(st.dictionaries(st.sampled_from(["unit", "data", "format", "assessors", "extra"]),
                       st.dictionaries(st.sampled_from(["id", "name", "group", "a.rate", "x", "owner"]),
                                       TOMLISH, max_size=4), max_size=3))
def test_toml_and_json_readers_on_submission_like_documents(doc):
    _read(TomlReader, toml_dumps(doc).encode("utf-8"), "x.toml")
    try:
        text = json.dumps(doc)
    except ValueError:
        return
    _read(JsonReader, text.encode("utf-8"), "x.json")


CSV_CELL = st.one_of(st.text(alphabet=' ,;"\n\r\tab1.-' + "是", max_size=6), st.sampled_from(["unit.id", "unit.name", ""]))


@given(st.lists(st.lists(CSV_CELL, max_size=5), max_size=6), st.binary(max_size=40))
def test_csv_reader_on_rows_and_bytes(rows, noise):
    text = "unit.id,unit.name,a.rate\n" + "\n".join(",".join(r) for r in rows)
    _read(CsvReader, text.encode("utf-8"), "x.csv")
    _read(CsvReader, text.encode("gb18030", errors="replace"), "x.csv")
    _read(CsvReader, noise, "x.csv")
    _read(CsvReader, text.encode("utf-8") + noise, "x.csv")


XLSX_CELL = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 15), max_value=10 ** 15),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(alphabet=string.ascii_letters + string.digits + " .;-是", max_size=8),
                      st.sampled_from(["unit.id", "unit.name", "=1+1", "#DIV/0!"]))


@settings(max_examples=25)
@given(st.lists(st.lists(XLSX_CELL, max_size=5), min_size=0, max_size=5), st.booleans())
def test_xlsx_reader_on_workbooks(rows, merge):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge and len(rows) > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    _read(XlsxReader, data, "x.xlsx")
    _read(XlsxReader, data[: len(data) // 2], "x.xlsx")         # a truncated workbook


@settings(max_examples=30)
@given(st.lists(st.tuples(st.sampled_from([".toml", ".json", ".csv", ".xlsx", ".txt", ""]), st.binary(max_size=200)),
                max_size=5))
def test_read_all_never_raises(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("subs")
    for i, (suffix, data) in enumerate(files):
        (folder / f"f{i}{suffix}").write_bytes(data)
    subs = read_all([folder, folder / "missing.toml"])
    assert all(isinstance(u, Unit) for u in subs.units)
    assert all(isinstance(e, SubmissionError) and str(e) for e in subs.errors)
    assert len({u.id for u in subs.units}) == len(subs.units)   # unit ids unique


# -- built-in scorers -------------------------------------------------------------------------
EXAMPLE_PARAMS = {
    "boolean": {}, "manual": {}, "grade": {},
    "checklist": {"items": ["plan", "record", "是"], "required": ["plan"]},
    "linear": {"zero_at": 0, "full_at": 100},
    "bands": {"bands": [[90, 1.0], [60, 0.5]]},
    "deduct": {"per": 2},
    "ratio": {"numerator": "n", "denominator": "d", "full_at": 0.5},
    "formula": {"expr": "min(10, n / d * 3) if n > 0 else n ** 2 - abs(d)"},
    "sample": {"max": 5, "per_fail": 2},
    "survey": {"weights": {"满意": 1.0, "基本满意": 0.8, "不满意": 0}, "ignore": ["不了解"]},
}
SCORERS = {cls.name: cls for cls in BUILTIN_SCORERS}


def test_every_builtin_scorer_is_covered():
    assert set(SCORERS) == set(EXAMPLE_PARAMS)


@st.composite
def scorer_params(draw, name):
    """The example params, or for number-driven scorers arbitrary finite ones."""
    cls = SCORERS[name]
    extreme = st.one_of(st.sampled_from([1e15, -1e15, 0.0, 1e-308, -5e14, 1e308]),
                        st.floats(min_value=-1e308, max_value=1e308, allow_nan=False))
    if name == "linear" and draw(st.booleans()):
        raw = {"zero_at": draw(extreme), "full_at": draw(extreme)}
    elif name == "bands" and draw(st.booleans()):
        raw = {"bands": draw(st.lists(st.tuples(extreme, st.floats(0, 1)), min_size=1, max_size=3)),
               "better": draw(st.sampled_from(["higher", "lower"]))}
    elif name == "deduct" and draw(st.booleans()):
        raw = {"per": draw(st.floats(min_value=1e-300, max_value=1e308))}
    elif name == "ratio" and draw(st.booleans()):
        raw = {"numerator": "n", "denominator": "d", "full_at": draw(extreme), "zero_at": draw(extreme)}
    else:
        raw = EXAMPLE_PARAMS[name]
    try:
        return cls.Params.model_validate(raw)
    except Exception:
        return cls.Params.model_validate(EXAMPLE_PARAMS[name])


def _check(out):
    assert isinstance(out, Outcome), out
    assert out.status in STATUSES and out.status != "error", out
    assert isinstance(out.fraction, (int, float)) and not isinstance(out.fraction, bool)
    assert 0.0 <= out.fraction <= 1.0, out               # NaN fails this too
    assert isinstance(out.reasons, list) and all(isinstance(r, str) for r in out.reasons)
    assert all(len(r) < 2500 for r in out.reasons), "reasons are bounded"


@pytest.mark.parametrize("name", sorted(EXAMPLE_PARAMS))
@given(data=st.data())
def test_builtin_scorer_on_arbitrary_values(name, data):
    cls = SCORERS[name]
    params = data.draw(scorer_params(name))
    points = data.draw(st.sampled_from([1.0, 10.0, 0.5, 1e-9, 1e9]))
    scorer = cls(id="x", key="x", points=points, params=params)
    values = data.draw(st.lists(VALUE, min_size=1, max_size=4))
    datas = [{"x": v, "n": data.draw(VALUE), "d": data.draw(VALUE)} for v in values]
    for value, row in zip(values, datas):
        start = time.perf_counter()
        _check(scorer.score(value, params, row))
        assert time.perf_counter() - start < 1.0
    answer = scorer.score_many(values, params, datas)   # the batch path the engine uses
    if hasattr(answer, "fractions"):                      # a Batch of columns
        fractions = list(answer.fractions)
        assert len(fractions) == len(values)
        assert all(0.0 <= f <= 1.0 for f in fractions)
    else:
        outcomes = list(answer)
        assert len(outcomes) == len(values)
        for out in outcomes:
            _check(out)


@pytest.mark.parametrize("name, params, value, data", [
    # regression: (v - zero_at) / (full_at - zero_at) overflowed to inf / inf = NaN; such params are now refused
    ("linear", {"zero_at": 1e15, "full_at": -1e15}, -1.7e308, {}),
    ("ratio", {"numerator": "n", "denominator": "d", "zero_at": 1e15, "full_at": -1e15}, None, {"n": 1e308, "d": 1e-308}),
    ("deduct", {"per": 1e15}, 1.7e308, {}),
    ("checklist", {"items": ["a"]}, ["x" * 10_000] * 1000, {}),    # reasons stay short
    ("grade", {}, "Z" * 100_000, {}),
    ("manual", {}, 10 ** 400, {}),                                # regression: OverflowError in float()
    ("formula", {"expr": "n ** d"}, None, {"n": 10, "d": 10 ** 400}),
])
def test_builtin_scorer_extremes(name, params, value, data):
    cls = SCORERS[name]
    p = cls.Params.model_validate(params)
    _check(cls(id="x", key="x", points=10, params=p).score(value, p, data))


@pytest.mark.parametrize("name, params", [
    ("linear", {"zero_at": 1e308, "full_at": -1e308}),
    ("linear", {"zero_at": float("nan"), "full_at": 1}),
    ("ratio", {"numerator": "n", "denominator": "d", "full_at": float("inf")}),
    ("bands", {"bands": [[1e300, 1.0]]}),
    ("deduct", {"per": float("inf")}),
    ("grade", {"scale": {"A": float("nan")}}),
])
def test_builtin_scorer_params_refuse_extremes(name, params):
    from pydantic import ValidationError
    with pytest.raises(ValidationError):
        SCORERS[name].Params.model_validate(params)


# -- the formula grammar ---------------------------------------------------------------------------
FORMULA_ATOMS = st.sampled_from(["hours", "staff", "n", "1", "0", "2.5", "1e300", "9", "-1", "__import__", "os",
                                 "__class__", "x.y", "'s'", "[1]", "(1, 2)", "{1: 2}", "lambda: 1", "min", "max",
                                 "abs", "round", "True", "None", "...", "b'x'", "f'{1}'"])
FORMULA_OPS = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!=", " and ", " or ",
                               " if ", " else ", ", ", ".", "(", ")", "[", "]", " for x in ", ":=", "@", "not "])


@st.composite
def formula_text(draw):
    parts = draw(st.lists(st.one_of(FORMULA_ATOMS, FORMULA_OPS), max_size=15))
    return "".join(parts)


def _formula_property(source):
    try:
        f = Formula(source)
    except FormulaError as exc:
        assert str(exc)
        return
    assert all(isinstance(n, str) and not n.startswith("_") for n in f.names)
    for value in (0.0, 1.0, -1.0, 3.0, 1e300, -1e300, 1e-300):
        start = time.perf_counter()
        try:
            result = f({name: value for name in f.names})
        except FormulaValueError:
            pass
        else:
            assert isinstance(result, float) and math.isfinite(result)
        assert time.perf_counter() - start < 0.5, source


@pytest.mark.filterwarnings("error::SyntaxWarning")   # nothing but civscore's own errors
@given(st.text(max_size=80))
@example("9**9**9")
@example("(10**300)**(10**300)")
@example("hours ** hours ** hours")
@example("__import__('os').system('id')")
@example("-" * 1900 + "1")
@example("(" * 200 + "1" + ")" * 200)
@example("max(" * 30 + "1" + ", 2)" * 30)
@example("1e308 * 1e308 - 1e308 * 1e308")
@example("round(hours, 10**9)")
@example("round(hours > 0, -hours)")      # regression: int rounding to -1e300 digits computed 10 ** 10**300 (hang)
@example("round(1e300, -400)")
@example("hours % 0")
@example("abs(-hours) // 0.0")
def test_formula_on_arbitrary_text(source):
    _formula_property(source)


@pytest.mark.filterwarnings("error::SyntaxWarning")   # nothing but civscore's own errors
@given(formula_text())
def test_formula_on_formula_like_text(source):
    _formula_property(source)


VECTOR_VALUES = [0.0, 1.0, -1.0, 2.5, -3.0, 1e300, -1e300, 1e-300, 1000.0]


def _vector_agrees(source):
    """``Formula.vector`` (the batch path of the formula scorer) finishes, never
    raises, and agrees with the scalar evaluation unit by unit."""
    np = pytest.importorskip("numpy")
    try:
        f = Formula(source)
    except FormulaError:
        return
    if not hasattr(f, "vector"):
        return
    rows = [{name: VECTOR_VALUES[(i + j) % len(VECTOR_VALUES)] for j, name in enumerate(f.names)}
            for i in range(len(VECTOR_VALUES))]
    cols = {name: np.array([r[name] for r in rows]) for name in f.names}
    start = time.perf_counter()
    values, invalid = f.vector(cols) if cols else f.vector({"_": np.zeros(len(rows))})
    assert time.perf_counter() - start < 0.5
    values, invalid = np.broadcast_to(values, (len(rows),)), np.broadcast_to(invalid, (len(rows),))
    for i, row in enumerate(rows):
        try:
            scalar = f(row)
        except FormulaValueError:
            assert invalid[i], (source, row, values[i])
        else:
            assert not invalid[i], (source, row, scalar)
            assert math.isfinite(values[i])
            assert values[i] == pytest.approx(scalar, rel=1e-9, abs=1e-12), (source, row)


@pytest.mark.filterwarnings("error::SyntaxWarning")   # nothing but civscore's own errors
@given(formula_text())
@example("round(hours, hours * 1e300 * 1e300 * 0)")
@example("round(hours, hours * 1e300 * 1e300)")
@example("min(5, hours * 1e300 * 1e300 - hours * 1e300 * 1e300)")
@example("hours ** staff")
@example("(hours - staff) ** 0.5")
@example("hours // staff + hours % staff")
@example("1 if hours else 2")
@example("hours and staff or n")
@example("not hours < staff <= n")
def test_formula_vector_agrees_with_scalar(source):
    _vector_agrees(source)


VALID_ATOM = st.one_of(st.sampled_from(["hours", "staff", "n"]),
                       st.sampled_from(["0", "1", "2", "0.5", "3", "10", "1e300", "1e-300", "1000", "1001"]))


def _combine(inner):
    binop = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!=", ">", ">=",
                                              "and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    unary = st.tuples(st.sampled_from(["-", "+", "not "]), inner).map(lambda t: f"({t[0]}{t[1]})")
    call = st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=3)).map(
        lambda t: f"{t[0]}({', '.join(t[1])})")
    one = st.tuples(st.sampled_from(["abs", "round"]), inner).map(lambda t: f"{t[0]}({t[1]})")
    rnd = st.tuples(inner, inner).map(lambda t: f"round({t[0]}, {t[1]})")
    ifexp = st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    return st.one_of(binop, unary, call, one, rnd, ifexp)


VALID_FORMULA = st.recursive(VALID_ATOM, _combine, max_leaves=12)


@pytest.mark.filterwarnings("error::SyntaxWarning")   # nothing but civscore's own errors
@given(VALID_FORMULA)
@example("min(hours, (1e-300 ** hours))")   # regression: a tiny base to a negative power overflowed the vector path
@example("round(1 < 2, -hours)")
def test_valid_formulas_evaluate_cleanly(source):
    _formula_property(source)
    _vector_agrees(source)


# -- end to end: read_all (assessor panels included) and the engine ------------------------------------------
SCHEME_KEYS = ["a.flag", "a.docs", "a.rate", "b.level", "b.faults", "b.grade", "c.assessor", "part", "whole",
               "hours", "staff", "accident", "bonus.honor", "penalty.complaints"]
JSON_VALUE = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 400), max_value=10 ** 400),
                       st.floats(allow_nan=True, allow_infinity=True),
                       st.sampled_from([1.7e308, -1.7e308, 5e-324, "是", "A", "plan;record", "", "nan", "-1"]),
                       st.text(max_size=6), st.lists(st.sampled_from(["plan", "record", "x", 1, None]), max_size=3))
SHEET = st.fixed_dictionaries({"name": st.one_of(st.sampled_from(["A", "B", "C"]), st.text(max_size=3), st.integers()),
                               "data": st.dictionaries(st.sampled_from(SCHEME_KEYS), JSON_VALUE, max_size=5)})
UNIT_DOC = st.fixed_dictionaries({
    "unit": st.fixed_dictionaries({"id": st.sampled_from(["u1", "u2", "u3"]), "name": st.just("Unit")}),
    "data": st.dictionaries(st.sampled_from(SCHEME_KEYS), JSON_VALUE, max_size=6)},
    optional={"assessors": st.lists(SHEET, max_size=4)})


@settings(max_examples=40)
@given(st.lists(UNIT_DOC, min_size=1, max_size=4), st.sampled_from(["mean", "median", "trimmed-mean"]))
def test_read_and_evaluate_arbitrary_units(tmp_path_factory, docs, aggregate):
    """Any JSON units, with or without assessor panels, are read and evaluated:
    errors are SubmissionErrors, every unit read gets a result, no item of a
    built-in scorer ends in status ``error``."""
    from civscore import api
    folder = tmp_path_factory.mktemp("units")
    for i, doc in enumerate(docs):
        (folder / f"u{i}.json").write_text(json.dumps(doc), encoding="utf-8")
    text = VALID.replace("[rating]\n", f'[rating]\naggregate = "{aggregate}"\nmax_spread = 1\n', 1)
    scheme = criteria.loads(text, source="prop.toml")
    subs = read_all([folder], scheme=scheme)
    assert all(isinstance(e, SubmissionError) for e in subs.errors)
    ev = api.evaluate(scheme, subs)
    results = list(ev.results())
    assert len(results) == len(subs.units)
    for r in results:
        assert r["complete"], r
        assert all(item["status"] != "error" for item in r["items"].values())
        assert math.isfinite(r["total"]) and 0 <= r["total"]
