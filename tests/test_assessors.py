"""Several assessors (docs/assessors.md): combining score sheets, flags, errors.

Every expected number is worked out by hand in the comments.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from civscore import api
from civscore.assessors import combine_booleans, combine_grades, combine_lists, combine_numbers
from civscore.cli import main
from civscore.api import loads

# -- the rules, by hand ----------------------------------------------------------------------


def test_numbers_hand_worked():
    v = [6, 5, 2, 5.5, 4]                       # sorted: 2 4 5 5.5 6
    assert combine_numbers(v, "mean") == pytest.approx(4.5)          # 22.5 / 5
    assert combine_numbers(v, "median") == 5                          # the middle one
    assert combine_numbers(v, "trimmed-mean") == pytest.approx(14.5 / 3)   # drop 2 and 6: (4+5+5.5)/3
    w = [1, 2, 3, 10]
    assert combine_numbers(w, "mean") == 4                            # 16 / 4
    assert combine_numbers(w, "median") == 2.5                        # (2+3)/2
    assert combine_numbers(w, "trimmed-mean") == 2.5                  # drop 1 and 10: (2+3)/2
    assert combine_numbers([1, 5, 9], "trimmed-mean") == 5            # drop 1 and 9
    # fewer than 3 values: trimmed-mean is the mean
    assert combine_numbers([2, 6], "trimmed-mean") == 4
    assert combine_numbers([7], "trimmed-mean") == 7
    assert combine_numbers([2, 6], "median") == 4


def test_numbers_ignore_order():
    a = [0.1, 0.2, 0.3, 0.4, 0.7]
    for agg in ("mean", "median", "trimmed-mean"):
        assert combine_numbers(a, agg) == combine_numbers(list(reversed(a)), agg) == combine_numbers(a[2:] + a[:2], agg)


def test_booleans_need_a_majority():
    assert combine_booleans([True, True, False]) is True
    assert combine_booleans([True, False]) is False          # a tie is false
    assert combine_booleans([True]) is True
    assert combine_booleans([False, False, True]) is False


def test_grades_median_in_scale_order():
    scale = ["A", "B", "C", "D"]
    assert combine_grades(["A", "B", "C"], scale) == "B"
    assert combine_grades(["C", "A", "B"], scale) == "B"
    assert combine_grades(["A", "B"], scale) == "B"          # even: the worse middle grade
    assert combine_grades(["A", "A", "C", "D"], scale) == "C"  # middle two A, C → C
    assert combine_grades(["D", "A", "A"], scale) == "A"


def test_lists_keep_majority_entries():
    items = ["x", "y", "z"]
    assert combine_lists([["x", "y"], ["x", "z"], ["x", "y", "z"]], items) == ["x", "y", "z"]  # x 3/3, y 2/3, z 2/3
    assert combine_lists([["x", "y"], ["x"]], items) == ["x"]                                # y 1/2 is not a majority
    assert combine_lists([["z", "x"], ["x", "z", "w"], ["w"]], items) == ["x", "z", "w"]       # each 2 of 3; w not an item: last


def test_lists_unknown_entries_sorted_after_items():
    assert combine_lists([["q", "x"], ["q", "x"]], ["x", "y"]) == ["x", "q"]


# -- end to end ----------------------------------------------------------------------------------
SCHEME = """
format = "civscore/1"
[scheme]
id = "panel"
title = "评审组示例"
version = "1"
full_marks = 20
[rating]
aggregate = "{aggregate}"
{spread}
levels = [{{ stars = 2, min_score = 15 }}, {{ stars = 1, min_score = 0 }}]
[criteria.a]
title = "甲类"
[criteria.a.integrity]
title = "廉政"
points = 6
scorer = "manual"
[criteria.a.grade]
title = "等次"
points = 5
scorer = "grade"
params = {{ scale = {{ A = 1.0, B = 0.6, C = 0.2 }} }}
[criteria.a.plan]
title = "方案"
points = 2
scorer = "boolean"
[criteria.a.docs]
title = "资料"
points = 3
scorer = "checklist"
params = {{ items = ["x", "y", "z"] }}
[criteria.a.rate]
title = "注册率"
points = 4
scorer = "ratio"
params = {{ numerator = "reg", denominator = "staff", full_at = 0.5 }}
[veto.accident]
title = "事故"
input = "accident"
"""

PANEL_TOML = """
[unit]
id = "u1"
name = "单位一"
[data]
staff = 100
[[assessors]]
name = "张三"
data = { "a.integrity" = 6, "a.grade" = "A", "a.plan" = true, "a.docs" = ["x", "y"], reg = 50, accident = false }
[[assessors]]
name = "李四"
data = { "a.integrity" = 5, "a.grade" = "B", "a.plan" = false, "a.docs" = ["x", "z"], reg = 30, accident = true }
[[assessors]]
name = "王五"
data = { "a.integrity" = 2, "a.grade" = "c", "a.plan" = true, "a.docs" = ["x", "y", "z"], reg = 40, accident = false }
[[assessors]]
name = "赵六"
data = { "a.integrity" = 5.5, "a.grade" = "A", "a.plan" = false, "a.docs" = "x;y", reg = 20 }
[[assessors]]
name = "钱七"
note = "只看了资料"
data = { "a.integrity" = 4, "a.grade" = "B", "a.docs" = ["y"] }
"""


def write_scheme(tmp_path: Path, aggregate: str = "mean", max_spread: float | None = None) -> Path:
    path = tmp_path / "scheme.toml"
    spread = f"max_spread = {max_spread}" if max_spread is not None else ""
    path.write_text(SCHEME.format(aggregate=aggregate, spread=spread), encoding="utf-8")
    return path


def evaluate_json(capsys, *args) -> tuple[int, dict]:
    code = main(["evaluate", *map(str, args), "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


# Inputs of u1, by hand (abstentions left out):
#   a.integrity 6, 5, 2, 5.5, 4 → mean 4.5, median 5, trimmed (4+5+5.5)/3 = 4.8333 → 4.83 points (of 6)
#   a.grade A, B, C, A, B → in scale order A A B B C → median B → 0.6 × 5 = 3
#   a.plan true, false, true, false (钱七 abstains) → 2 of 4 is not a majority → false → 0 of 2
#   a.docs x: 5 of 5... x listed by 张三 李四 王五 赵六 (4/5), y by 张三 王五 赵六 钱七 (4/5), z by 李四 王五 (2/5)
#          → [x, y] → 2/3 × 3 = 2
#   reg 50, 30, 40, 20 (4 values) → mean 35, median 35, trimmed (30+40)/2 = 35; staff 100 (shared [data])
#          → ratio 0.35 / 0.5 = 0.7 × 4 = 2.8
#   accident false, true, false (赵六 钱七 abstain) → 1 of 3 → false, not vetoed
@pytest.mark.parametrize("aggregate, integrity", [("mean", 4.5), ("median", 5.0), ("trimmed-mean", 4.83)])
def test_panel_toml_hand_worked(tmp_path, capsys, aggregate, integrity):
    scheme = write_scheme(tmp_path, aggregate)
    sub = tmp_path / "u1.toml"
    sub.write_text(PANEL_TOML, encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, sub)
    assert code == 0
    (r,) = doc["results"]
    items = r["items"]
    assert items["a.integrity"]["points"] == integrity
    assert items["a.grade"]["points"] == 3.0
    assert items["a.plan"]["points"] == 0.0
    assert items["a.docs"]["points"] == 2.0
    assert items["a.rate"]["points"] == 2.8
    assert r["vetoed"] is False
    assert r["total"] == round(integrity + 3 + 0 + 2 + 2.8, 2)
    assert r["assessors"] == sorted(["张三", "李四", "王五", "赵六", "钱七"])
    assert r["aggregate"] == aggregate
    assert r["disagreements"] == {}          # no max_spread: nothing flagged


def test_spread_flags(tmp_path, capsys):
    scheme = write_scheme(tmp_path, "trimmed-mean", max_spread=3)
    sub = tmp_path / "u1.toml"
    sub.write_text(PANEL_TOML, encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, sub)
    flags = doc["results"][0]["disagreements"]
    # a.integrity spread 6 − 2 = 4 > 3: flagged; reg spread 50 − 20 = 30 > 3: flagged
    assert flags["a.integrity"]["spread"] == 4
    assert flags["a.integrity"]["values"] == {"张三": 6, "李四": 5, "王五": 2, "赵六": 5.5, "钱七": 4}
    assert flags["a.integrity"]["combined"] == pytest.approx(14.5 / 3)
    assert "max_spread 3" in flags["a.integrity"]["reason"]
    assert flags["reg"]["spread"] == 30
    # non-numeric keys are flagged when the assessors do not all agree
    assert {"a.grade", "a.plan", "a.docs", "accident"} <= set(flags)
    assert flags["a.grade"]["spread"] is None and flags["a.grade"]["combined"] == "B"


def test_spread_within_limit_is_not_flagged(tmp_path, capsys):
    scheme = write_scheme(tmp_path, "mean", max_spread=4)
    sub = tmp_path / "u.toml"
    sub.write_text(textwrap.dedent("""
        [unit]
        id = "u"
        name = "单位"
        [[assessors]]
        name = "甲"
        data = { "a.integrity" = 6, "a.grade" = "A" }
        [[assessors]]
        name = "乙"
        data = { "a.integrity" = 2, "a.grade" = "a" }
    """), encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, sub)
    r = doc["results"][0]
    assert r["disagreements"] == {}                   # spread 4 is not more than 4; A and a are one grade
    assert r["items"]["a.integrity"]["points"] == 4.0  # mean of 6 and 2


def test_csv_rows_across_files(tmp_path, capsys):
    """Rows with an assessor column and one unit.id combine, in one file and across files."""
    scheme = write_scheme(tmp_path, "median", max_spread=1)
    (tmp_path / "one.csv").write_text(
        "unit.id,unit.name,unit.group,assessor,a.integrity,a.grade,a.plan,a.docs,reg,staff,accident\n"
        "u2,单位二,机关,甲,6,A,是,x;y;z,10,20,否\n"
        "u2,单位二,,乙,3,B,否,x;y,,,\n"
        "u3,单位三,机关,甲,1,C,否,x,5,10,否\n", encoding="utf-8")
    (tmp_path / "two.csv").write_text(
        "unit.id,unit.name,assessor,a.integrity\n"
        "u2,单位二,丙,5\n", encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, tmp_path / "one.csv", tmp_path / "two.csv")
    assert code == 0, doc["errors"]
    res = {r["unit"]["id"]: r for r in doc["results"]}
    u2 = res["u2"]
    # integrity 6, 3, 5 → median 5; grade A, B → worse middle B = 0.6 × 5 = 3; plan 是, 否 → tie → false;
    # docs x;y;z and x;y → x, y kept (z 1 of 2) → 2 of 3 × 3 = 2; reg 10 / staff 20 = 0.5 → full 4
    assert u2["items"]["a.integrity"]["points"] == 5.0
    assert u2["items"]["a.grade"]["points"] == 3.0
    assert u2["items"]["a.plan"]["points"] == 0.0
    assert u2["items"]["a.docs"]["points"] == 2.0
    assert u2["items"]["a.rate"]["points"] == 4.0
    assert u2["total"] == 14.0
    assert u2["unit"]["group"] == "机关"                # from the row that gives it
    assert u2["assessors"] == sorted(["甲", "乙", "丙"])
    assert u2["disagreements"]["a.integrity"]["spread"] == 3   # 6 − 3 > 1
    # a unit with one assessor row is an ordinary unit with a panel of one
    assert res["u3"]["assessors"] == ["甲"] and res["u3"]["disagreements"] == {}


def test_table_and_check_show_disagreements(tmp_path, capsys):
    scheme = write_scheme(tmp_path, "mean", max_spread=1)
    sub = tmp_path / "u1.toml"
    sub.write_text(PANEL_TOML, encoding="utf-8")
    assert main(["evaluate", str(scheme), str(sub)]) == 0
    out = capsys.readouterr().out
    assert "assessors disagree: a.docs" in out
    main(["check", str(scheme), str(sub)])
    out = capsys.readouterr().out
    assert "Assessors (5, combined by mean)" in out
    assert "assessors disagree on a.integrity: 张三 6, 李四 5, 王五 2, 赵六 5.5, 钱七 4 → 4.5 (spread 4 > max_spread 1)" in out
    main(["check", str(scheme), str(sub), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["result"]["disagreements"]["a.integrity"]["spread"] == 4
    assert doc["provenance"]["submissions"][0]["path"] == str(sub)


def test_unreadable_value_is_invalid_and_flagged(tmp_path, capsys):
    scheme = write_scheme(tmp_path)            # no max_spread: unreadable values are flagged anyway
    sub = tmp_path / "u.toml"
    sub.write_text(textwrap.dedent("""
        [unit]
        id = "u"
        name = "单位"
        [[assessors]]
        name = "甲"
        data = { "a.integrity" = 5, "a.grade" = "A" }
        [[assessors]]
        name = "乙"
        data = { "a.integrity" = "abc", "a.grade" = "E" }
    """), encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, sub)
    r = doc["results"][0]
    assert r["items"]["a.integrity"]["status"] == "invalid"
    assert r["items"]["a.grade"]["status"] == "invalid"
    assert r["disagreements"]["a.integrity"]["reason"] == "unreadable value from 乙"
    assert r["disagreements"]["a.grade"]["values"] == {"乙": "E", "甲": "A"}


@pytest.mark.parametrize("body, message", [
    ('[[assessors]]\nname = "甲"\ndata = { x = 1 }\n[[assessors]]\nname = "甲"\n', "appears twice"),
    ('[[assessors]]\ndata = { x = 1 }\n', "name is missing"),
    ('[[assessors]]\nname = "甲"\nscore = 3\n', "unknown key 'score'"),
    ('[data]\n"a.integrity" = 3\n[[assessors]]\nname = "甲"\ndata = { "a.integrity" = 4 }\n', "both in [data] and by an assessor"),
    ('assessors = []\n', "non-empty list"),
])
def test_malformed_assessors_are_unit_errors(tmp_path, capsys, body, message):
    scheme = write_scheme(tmp_path)
    unit = '[unit]\nid = "bad"\nname = "坏"\n'
    top_level = body.startswith("assessors =")       # a plain key must come before the first table
    (tmp_path / "bad.toml").write_text(body + unit if top_level else unit + body, encoding="utf-8")
    (tmp_path / "good.toml").write_text('[unit]\nid = "good"\nname = "好"\n[data]\n"a.integrity" = 3\n', encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, tmp_path / "bad.toml", tmp_path / "good.toml")
    assert code == 1
    assert [r["unit"]["id"] for r in doc["results"]] == ["good"]
    assert message in doc["errors"][0]["message"]
    assert doc["errors"][0]["source"].endswith("bad.toml")


def test_row_errors(tmp_path, capsys):
    scheme = write_scheme(tmp_path)
    (tmp_path / "rows.csv").write_text(
        "unit.id,unit.name,unit.region,assessor,a.integrity\n"
        "u,单位,兰州,甲,5\n"
        "u,单位,兰州,甲,4\n"           # 甲 twice
        "u,别的单位,兰州,乙,4\n"        # another name
        "u,单位,天水,丙,4\n"            # another region
        "u,单位,,丁,3\n"                # empty region is fine
        "u,单位,兰州,,2\n", encoding="utf-8")   # no assessor: an ordinary row, a duplicate id
    code, doc = evaluate_json(capsys, scheme, tmp_path / "rows.csv")
    assert code == 1
    messages = [(e["where"], e["message"]) for e in doc["errors"]]
    assert messages[0][0] == "row 3" and "scored unit 'u' twice" in messages[0][1]
    assert messages[1][0] == "row 4" and "named '别的单位'" in messages[1][1]
    assert messages[2][0] == "row 5" and "unit.region '天水'" in messages[2][1]
    assert messages[3][0] == "row 7" and "duplicate unit id 'u'" in messages[3][1]
    (r,) = doc["results"]
    assert r["assessors"] == ["丁", "甲"]
    assert r["items"]["a.integrity"]["points"] == 4.0      # mean of 5 and 3


def test_tables_without_assessor_column_keep_v1_duplicates(tmp_path, capsys):
    scheme = write_scheme(tmp_path)
    (tmp_path / "t.csv").write_text("unit.id,unit.name,a.integrity\nu,单位,5\nu,单位,4\n", encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, tmp_path / "t.csv")
    assert code == 1
    assert "duplicate unit id 'u'" in doc["errors"][0]["message"]
    r = doc["results"][0]
    assert r["items"]["a.integrity"]["points"] == 5.0
    assert "assessors" not in r and "disagreements" not in r


def test_scheme_reading_an_assessor_key_keeps_the_column_as_data(tmp_path, capsys):
    text = SCHEME.format(aggregate="mean", spread="") + textwrap.dedent("""
        [bonus.assessor]
        title = "评审员加分"
        points = 1
        scorer = "boolean"
        input = "assessor"
    """)
    scheme = tmp_path / "s.toml"
    scheme.write_text(text, encoding="utf-8")
    (tmp_path / "t.csv").write_text("unit.id,unit.name,assessor\nu,单位,是\nu,单位,否\n", encoding="utf-8")
    code, doc = evaluate_json(capsys, scheme, tmp_path / "t.csv")
    assert code == 1 and "duplicate unit id" in doc["errors"][0]["message"]
    assert doc["results"][0]["items"]["bonus.assessor"]["points"] == 1.0


def test_read_order_does_not_matter(tmp_path):
    scheme_path = write_scheme(tmp_path, "trimmed-mean", max_spread=0.5)
    files = []
    for i, (who, vals) in enumerate([("甲", "0.1,A"), ("乙", "0.7,B"), ("丙", "0.2,A"), ("丁", "0.4,C")]):
        f = tmp_path / f"s{i}.csv"
        f.write_text(f"unit.id,unit.name,assessor,a.integrity,a.grade\nu,单位,{who},{vals}\n", encoding="utf-8")
        files.append(f)
    scheme = api.load(scheme_path)
    docs = []
    for order in (files, files[::-1], files[1:] + files[:1]):
        ev = api.evaluate(scheme, api.read(order, scheme=scheme))
        r = api.evaluation_doc(ev)["results"][0]
        r.pop("source")
        r.pop("row", None)
        docs.append(json.dumps(r, sort_keys=False, ensure_ascii=False))
    assert docs[0] == docs[1] == docs[2]


def test_read_without_scheme_infers_kinds():
    scheme = loads(SCHEME.format(aggregate="median", spread=""))
    from civscore.contracts.units import Unit
    from civscore.assessors import Aggregator
    unit = Unit("u", "单位", {}, extra={"assessors": [{"name": "甲", "data": {"k": "3", "b": "是", "t": "红"}},
                                                      {"name": "乙", "data": {"k": 5, "b": "否", "t": "红"}},
                                                      {"name": "丙", "data": {"k": 10, "b": "是", "t": "蓝"}}]})
    errors: list = []
    (got,) = Aggregator(None).combine([unit], errors)
    assert errors == []
    assert got.data == {"k": 6.0, "b": True, "t": "红"}     # mean 18/3; 2 of 3 yes; 红 twice
    assert scheme.rating.aggregate == "median"


def test_v1_examples_unchanged(capsys):
    """The bundled examples have no assessors: no extension keys appear."""
    root = Path(__file__).resolve().parents[1]
    code, doc = evaluate_json(capsys, str(root / "tests" / "fixtures" / "civilized-unit-v1" / "civilized-unit.toml"),
                              root / "tests" / "fixtures" / "civilized-unit-v1" / "units")
    assert code == 0
    assert all("assessors" not in r and "disagreements" not in r for r in doc["results"])
