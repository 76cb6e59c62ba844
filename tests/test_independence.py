"""Property tests of SPEC §2's first "Precisely" rule (issue 10): each unit's
result depends on its own values only, never on the other units of a run nor
on their order; and the batch paths (a distinct value scored once, the NumPy
columns of ``ratio`` and ``formula``) answer exactly as scoring unit by unit.

Schemes are random (every built-in scorer, with varied params, a veto, bonus
and penalty items) and so are units, drawn from values chosen to be nasty:
``1`` / ``1.0`` / ``True``, ``"1,234"``, ``"3,5"``, blanks, ``错``,
full-width digits, ``"96%"``. Units come as TOML/JSON-like dicts and as rows
of a CSV table, mixed in one run.
"""
from __future__ import annotations

import io
import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from civscore import api  # noqa: E402
from civscore.builtin.readers import CsvReader  # noqa: E402
from civscore.builtin.scorers import BUILTIN_SCORERS  # noqa: E402
from civscore.contracts.scoring import STATUSES, Batch  # noqa: E402
from civscore.contracts.units import Unit, flatten  # noqa: E402
from civscore.plugins import PluginManager  # noqa: E402

NASTY = [None, True, False, 0, 1, 1.0, 0.0, -0.0, 2, 2.0, 2.5, -1, 3, 5, 10 ** 20, 1e20, float("nan"), float("inf"),
         "1", "1.0", " 1 ", "1,234", "3,5", "1,2,3", "0,500", "1234,567", "1_000", " ", "\u3000", "", "错", "对",
         "是", "否", "yes", "Y", "ON", "１２", "９６％", "96%", "96 %", "0.5%", "A", "a", " b ", "B", "2.5", "x;y",
         "a;b;", ";", "迟到", "迟到;早退", "nan", "inf", "1e5", ".5", "5.", "1.2E+05", "-3", "0", "0.0", "100%",
         "学习记录", "学习记录；a", [], ["a", "b"], ["a", 1.0], [1, 1.0], [True], ["学习记录", " a "],
         "人民路:3.2;解放路:6.1", "人民路：3,2；解放路：6", "3.2;6.1", [3.2, "6.1"], [True, "否"], "是;否;1.0",
         "满意:820;基本满意:120;不满意:60", "满意:1.0;不满意:0", "满意:８;不满意:2.5", {"满意": 3, "不满意": 1},
         {"人民路": 3.2, "解放路": "6"}]
VALUE = st.sampled_from(NASTY)

GRADE_SCALES = ['{ "1" = 1.0, "2" = 0.5 }', '{ "A" = 1.0, "b" = 0.6, "1" = 0.8, "2.5" = 0.3, "是" = 0.1 }', ""]
FORMULAS = ["a + b", "a * 2 if b > 1 else a / b", "round(a * 1.15, 2) + (a and b)", "min(a, b) ** 2 - max(a, 10)",
            "(1 < a <= 5) * b", "a // b + a % 3", "not a or b", "round(a / 3, 1) - -b", "abs(a - b) + (a == b)"]


@st.composite
def schemes(draw):
    """A scheme using every built-in scorer, with drawn params."""
    leaves = {
        "boolean": f"expect = {draw(st.sampled_from(['true', 'false']))}",
        "checklist": draw(st.sampled_from(['items = ["a", "b", "学习记录", "1"]',
                                           'items = ["a", "b", "学习记录（含考勤）"], required = ["a"]'])),
        "linear": draw(st.sampled_from(["zero_at = 0, full_at = 2000", "zero_at = 10, full_at = 0",
                                        "zero_at = 0, full_at = 1"])),
        "bands": draw(st.sampled_from(['bands = [[0, 0.2], [1, 0.5], [1000, 1.0]]',
                                       'bands = [[0, 1.0], [2, 0.5], [5, 0.0]], better = "lower"'])),
        "deduct": draw(st.sampled_from(["per = 1", "per = 2.5"])),
        "grade": draw(st.sampled_from([f"scale = {s}" if s else "" for s in GRADE_SCALES])),
        "manual": "",
        "ratio": draw(st.sampled_from(['numerator = "n", denominator = "d", full_at = 1.0',
                                       'numerator = "n", denominator = "d", full_at = 0.5, zero_at = 2'])),
        "formula": f'expr = "{draw(st.sampled_from(FORMULAS))}"',
        "sample": draw(st.sampled_from(["max = 5", "min = 1, per_fail = 2", "", "max = 5, min_points = 2"])),
        "survey": draw(st.sampled_from(['weights = { "满意" = 1.0, "基本满意" = 0.8, "不满意" = 0 }',
                                        'weights = { "满意" = 1.0, "不满意" = 0 }, bands = [[0.9, 1.0], [0.5, 0.5]]'])),
    }
    parts = ['format = "civscore/1"\n[scheme]\nid = "p"\ntitle = "P"\nversion = "1"\nfull_marks = 110',
             "[rating]\nlevels = [{ stars = 2, min_score = 50, min_category_ratio = 0.5 }, { stars = 1, min_score = 0 }]",
             '[criteria.c]\ntitle = "C"']
    for name, params in leaves.items():
        parts.append(f'[criteria.c.{name}]\ntitle = "{name}"\npoints = 10\nscorer = "{name}"\nparams = {{ {params} }}')
    parts.append('[veto.v]\ntitle = "V"')
    parts.append('[bonus]\ncap = 2\n[bonus.b]\ntitle = "B"\npoints = 3\nscorer = "boolean"')
    parts.append('[penalty]\ncap = 4\n[penalty.p]\ntitle = "P"\npoints = 5\nscorer = "linear"\n'
                 "params = { zero_at = 0, full_at = 5 }")
    text = "\n".join(parts) + "\n"
    if text not in _LOADED:   # loading is the slow part: each scheme once
        _LOADED[text] = api.loads(text, source="prop.toml", registry=REGISTRY)
    return _LOADED[text]


REGISTRY = PluginManager(autoload=False).registry
_LOADED: dict = {}


KEYS = ["c.boolean", "c.checklist", "c.linear", "c.bands", "c.deduct", "c.grade", "c.manual", "c.sample", "c.survey",
        "n", "d", "a", "b",
        "veto.v", "bonus.b", "penalty.p"]
#: values equal as Python dict keys but not the same value: a run holding several is where one unit's
#: value could decide another's
TWINS = [(1, 1.0, True, "1"), (0, 0.0, -0.0, False, "0"), (2, 2.0, "2"), (2.5, "2.5", "2.50"), ("a", "A", " a ")]


@st.composite
def runs(draw):
    """Units' data drawn from a small palette of values (twins among them),
    so that units of one run share and nearly share values; each unit a
    dict or a CSV row."""
    palette = draw(st.lists(VALUE, min_size=1, max_size=4))
    for group in draw(st.lists(st.sampled_from(TWINS), max_size=2)):
        palette += list(group)
    n = draw(st.integers(2, 6))
    absent = object()
    datas = [{k: v for k, v in draw(st.fixed_dictionaries({k: st.sampled_from(palette + [absent]) for k in KEYS})).items()
              if v is not absent} for _ in range(n)]
    return datas, [draw(st.booleans()) for _ in range(n)]


def _cell(value) -> str:
    """A value as a committee types it into a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}:{_cell(v)}" for k, v in value.items())
    return str(value)


def make_units(datas: list[dict], in_table: list[bool], first: int = 0) -> list[Unit]:
    """Units u<first>, u<first + 1>, …: dicts (as TOML/JSON give) or rows of one CSV table."""
    units: list = [None] * len(datas)
    rows = [i for i, t in enumerate(in_table) if t]
    if rows:
        out = io.StringIO()
        import csv
        w = csv.writer(out)
        w.writerow(["unit.id", "unit.name"] + KEYS)
        for i in rows:
            w.writerow([f"u{first + i}", f"U{i}"] + [_cell(datas[i].get(k)) for k in KEYS])
        for unit in CsvReader().read("t.csv", out.getvalue().encode("utf-8")):
            assert isinstance(unit, Unit), unit
            units[int(unit.id[1:]) - first] = unit
    for i, data in enumerate(datas):
        if not in_table[i]:
            units[i] = Unit(f"u{first + i}", f"U{i}", flatten(data), source=f"u{i}.toml")
    return units


def own_figures(ev, keep_reasons: bool) -> dict:
    """What SPEC §2 says depends on a unit's own values only, by unit id."""
    out = {}
    for i in range(ev.n):
        r = ev.result(i)
        items = {k: (v["points"], v["status"], tuple(v["reasons"]) if keep_reasons else ())
                 for k, v in r["items"].items()}
        veto_states = {v: states[i] for v, states in ev.veto_status.items()}
        out[r["unit"]["id"]] = (items, r["base"], r["bonus"], r["penalty"], r["total"], tuple(r["vetoes"]),
                                r["complete"], json.dumps(veto_states, sort_keys=True))
    return out


@settings(max_examples=40, deadline=None, database=None)
@given(schemes(), runs(), st.randoms(use_true_random=False))
def test_each_unit_depends_on_its_own_values_only(scheme, run, rnd):
    datas, in_table = run
    both = {}
    for keep in (True, False):       # False: the NumPy paths of ratio and formula (no reasons)
        together = own_figures(api.evaluate(scheme, make_units(datas, in_table), keep_reasons=keep), keep)
        order = list(range(len(datas)))
        rnd.shuffle(order)
        units = make_units(datas, in_table)
        shuffled = own_figures(api.evaluate(scheme, [units[i] for i in order], keep_reasons=keep), keep)
        assert shuffled == together
        for i in range(len(datas)):
            alone = own_figures(api.evaluate(scheme, [make_units([datas[i]], [in_table[i]], i)[0]], keep_reasons=keep),
                                keep)
            assert alone[f"u{i}"] == together[f"u{i}"], (datas[i], in_table[i])
        both[keep] = together
    for uid, figures in both[True].items():            # batch and per-unit paths: the same points and statuses
        items_r, *rest_r = figures
        items_n, *rest_n = both[False][uid]
        assert {k: v[:2] for k, v in items_r.items()} == {k: v[:2] for k, v in items_n.items()}
        assert rest_r == rest_n


# -- each scorer: batch path against the per-unit path -------------------------------------------------------
SCORERS = {cls.name: cls for cls in BUILTIN_SCORERS}
PARAMS = {
    "boolean": [{}, {"expect": False}],
    "checklist": [{"items": ["a", "b", "学习记录", "1"]}, {"items": ["a", "b"], "required": ["b"]}],
    "linear": [{"zero_at": 0, "full_at": 2000}, {"zero_at": 10, "full_at": 0}],
    "bands": [{"bands": [[0, 0.2], [1, 0.5], [1000, 1.0]]}, {"bands": [[0, 1.0], [2, 0.5]], "better": "lower"}],
    "deduct": [{"per": 1}, {"per": 2.5}],
    "grade": [{"scale": {"1": 1.0, "2": 0.5}}, {"scale": {"A": 1.0, "b": 0.6, "1": 0.8, "2.5": 0.3}}],
    "manual": [{}],
    "ratio": [{"numerator": "n", "denominator": "d", "full_at": 1.0}],
    "formula": [{"expr": e} for e in FORMULAS],
    "sample": [{"max": 5}, {"min": 1, "per_fail": 2}, {}],
    "survey": [{"weights": {"满意": 1.0, "基本满意": 0.8, "不满意": 0}}],
}


def test_every_builtin_scorer_is_covered():
    assert set(PARAMS) == set(SCORERS)


class Datas(list):
    """``datas`` as the engine gives it: rows, and a whole column by key."""

    def column(self, key):
        return [row.get(key) for row in self]


def _columns(answer, n):
    if isinstance(answer, Batch):
        statuses = [s if isinstance(s, str) else STATUSES[s] for s in list(answer.statuses)]
        reasons = None if answer.reasons is None else [list(r) for r in answer.reasons]
        return [float(f) for f in answer.fractions], statuses, reasons
    outs = list(answer)
    assert len(outs) == n
    return [o.fraction for o in outs], [o.status for o in outs], [o.reasons for o in outs]


@pytest.mark.parametrize("name", sorted(PARAMS))
@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_batch_path_agrees_with_per_unit_path(name, data):
    cls = SCORERS[name]
    params = cls.Params.model_validate(data.draw(st.sampled_from(PARAMS[name])))
    key = "x"
    rows = Datas({key: data.draw(VALUE), "n": data.draw(VALUE), "d": data.draw(VALUE), "a": data.draw(VALUE),
                  "b": data.draw(VALUE)} for _ in range(data.draw(st.integers(1, 8))))
    values = [r[key] for r in rows]
    one = cls(id="c.x", key=key, points=10.0, params=params)
    per_unit = [one.score(v if v is not None else None, params, r) for v, r in zip(values, rows)]
    fractions = [o.fraction if o.status == "ok" else 0.0 for o in per_unit]
    statuses = [o.status for o in per_unit]
    reasons = [o.reasons for o in per_unit]
    for want_reasons in (True, False):
        scorer = cls(id="c.x", key=key, points=10.0, params=params)
        scorer.want_reasons = want_reasons
        f, s, r = _columns(scorer.score_many(values, params, rows), len(rows))
        assert s == statuses, (values, rows)
        assert [x if st_ == "ok" else 0.0 for x, st_ in zip(f, s)] == fractions, (values, rows)
        if r is not None and want_reasons:
            assert r == reasons
