"""Criteria files (SPEC §1): every validation rule, and how errors are reported.

A criteria author sees one line per problem, naming the file and the dotted
key path (or, for a TOML syntax error, the line and column), and sees every
problem of the file at once.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civscore import api
from civscore.cli import main
from civscore.api import load, loads
from civscore.criteria import CriteriaErrors, bundled_schemes
from civscore.contracts.errors import CriteriaError

HEAD = '''\
format = "civscore/1"

[scheme]
id = "test-scheme"
title = "测试方案"
version = "2025.1"
full_marks = 10

[rating]
levels = [{ stars = 2, min_score = 8 }, { stars = 1, min_score = 0 }]
'''

LEAF = '''
[criteria.c]
title = "类别"
points = 10
scorer = "boolean"
'''

GOOD = HEAD + LEAF


def errors_of(text: str, source: str = "crit.toml") -> list[str]:
    """Every error line of a criteria text (it must fail)."""
    with pytest.raises(CriteriaError) as info:
        loads(text, source=source)
    return list(getattr(info.value, "lines", [str(info.value)]))


def one_error(text: str) -> str:
    errs = errors_of(text)
    assert len(errs) == 1, errs
    return errs[0]


def test_good_minimal_file_loads():
    scheme = loads(GOOD, source="crit.toml")
    assert (scheme.id, scheme.title, scheme.version, scheme.full_marks) == ("test-scheme", "测试方案", "2025.1", 10)
    assert [leaf.id for leaf in scheme.leaves] == ["c"]
    assert scheme.rating.method == "thresholds"      # the default


# -- format and [scheme] ------------------------------------------------------------------------
def test_format_is_required():
    err = one_error(GOOD.replace('format = "civscore/1"\n', ""))
    assert err.startswith("crit.toml: format:")


@pytest.mark.parametrize("value", ['"civscore/2"', '"civscore/1 "', '"CIVSCORE/1"', "1"])
def test_format_must_be_exactly_civscore_1(value):
    err = one_error(GOOD.replace('"civscore/1"', value))
    assert err.startswith("crit.toml: format:") and "civscore/1" in err


@pytest.mark.parametrize("value", ['"has space"', '"点"', '"a.b"', '"a/b"', '""'])
def test_scheme_id_pattern(value):
    err = one_error(GOOD.replace('id = "test-scheme"', f"id = {value}"))
    assert err.startswith("crit.toml: scheme.id:")


@pytest.mark.parametrize("value", ['"a-b_C9"', '"2025"', '"x"'])
def test_scheme_id_letters_digits_dash_underscore_are_fine(value):
    assert loads(GOOD.replace('id = "test-scheme"', f"id = {value}")).id == value.strip('"')


@pytest.mark.parametrize("value", ["2025.1", "2025", "true"])
def test_version_must_be_a_string(value):
    err = one_error(GOOD.replace('version = "2025.1"', f"version = {value}"))
    assert err.startswith("crit.toml: scheme.version:") and "string" in err


@pytest.mark.parametrize("key", ["id", "title", "version", "full_marks"])
def test_scheme_required_keys(key):
    lines = [ln for ln in GOOD.splitlines() if not ln.startswith(f"{key} =")]
    errs = errors_of("\n".join(lines) + "\n")
    assert any(e.startswith(f"crit.toml: scheme.{key}:") for e in errs), errs


def test_scheme_optional_keys_and_unknown_keys():
    text = GOOD.replace('full_marks = 10', 'full_marks = 10\nlocale = "zh-CN"\ndescription = "说明"')
    scheme = loads(text)
    assert (scheme.locale, scheme.description) == ("zh-CN", "说明")
    err = one_error(GOOD.replace('full_marks = 10', 'full_marks = 10\nlocal = "zh-CN"'))
    assert err.startswith("crit.toml: scheme.local:")


def test_full_marks_must_equal_the_points():
    err = one_error(GOOD.replace("full_marks = 10", "full_marks = 100"))
    assert err.startswith("crit.toml: scheme.full_marks:")
    assert "100" in err and "10" in err


def test_full_marks_counts_groups_without_points():
    text = HEAD.replace("full_marks = 10", "full_marks = 7") + '''
[criteria.g]
title = "组"
[criteria.g.a]
title = "A"
points = 3
scorer = "boolean"
[criteria.g.b]
title = "B"
points = 4
scorer = "boolean"
'''
    scheme = loads(text)
    assert scheme.categories[0].points == 7           # a group without points: its children's sum


def test_missing_tables():
    assert any(e.startswith("crit.toml: scheme:") for e in errors_of(GOOD.replace("[scheme]", "[schema]")))
    no_rating = GOOD.replace("[rating]\n", "").replace(
        "levels = [{ stars = 2, min_score = 8 }, { stars = 1, min_score = 0 }]\n", "")
    assert any(e.startswith("crit.toml: rating:") for e in errors_of(no_rating))
    assert any(e.startswith("crit.toml: criteria:") for e in errors_of(HEAD))


def test_unknown_top_level_key():
    errs = errors_of('extras = 1\n' + GOOD)
    assert any(e.startswith("crit.toml: extras:") for e in errs)


# -- the criteria tree --------------------------------------------------------------------------------
def group(points_line: str = "points = 10") -> str:
    return HEAD + f'''
[criteria.g]
title = "组"
{points_line}
[criteria.g.a]
title = "A"
points = 4
scorer = "boolean"
[criteria.g.b]
title = "B"
points = 6
scorer = "boolean"
'''


def test_group_points_must_equal_children_sum():
    assert loads(group("points = 10")).categories[0].points == 10
    err = one_error(group("points = 9"))
    assert err.startswith("crit.toml: criteria.g.points:")
    assert "9" in err and "10" in err


def test_groups_nest_and_ids_are_dotted_paths():
    text = HEAD + '''
[criteria.a]
title = "一级"
[criteria.a.b]
title = "二级"
[criteria.a.b.c]
title = "三级"
points = 10
scorer = "boolean"
'''
    scheme = loads(text)
    assert [leaf.id for leaf in scheme.leaves] == ["a.b.c"]
    assert scheme.leaves[0].category == "a"
    assert scheme.leaves[0].input == "a.b.c"


@pytest.mark.parametrize("points", ["0", "-1", "nan", "inf"])
def test_leaf_points_must_be_positive(points):
    err = one_error(GOOD.replace("points = 10", f"points = {points}").replace("full_marks = 10", "full_marks = 1"))
    assert "criteria.c.points:" in err


def test_leaf_needs_points():
    errs = errors_of(GOOD.replace("points = 10\n", ""))
    assert any(e.startswith("crit.toml: criteria.c.points:") for e in errs)


def test_leaf_needs_a_scorer():
    err = one_error(GOOD.replace('scorer = "boolean"\n', ""))
    assert err.startswith("crit.toml: criteria.c:") and "scorer" in err


def test_unknown_scorer_with_did_you_mean():
    err = one_error(GOOD.replace('"boolean"', '"boolen"'))
    assert err.startswith("crit.toml: criteria.c.scorer:")
    assert "'boolen'" in err and "did you mean 'boolean'" in err


def test_unknown_scorer_param():
    err = one_error(GOOD + "params = { expcet = false }\n")
    assert err.startswith("crit.toml: criteria.c.params.expcet:")


@pytest.mark.parametrize("scorer,params,path", [
    ("boolean", '{ expect = "sometimes" }', "criteria.c.params.expect"),
    ("linear", '{ zero_at = "low", full_at = 1 }', "criteria.c.params.zero_at"),
    ("linear", "{ zero_at = 0 }", "criteria.c.params.full_at"),
    ("checklist", '{ items = "a;b" }', "criteria.c.params.items"),
    ("checklist", "{ items = [] }", "criteria.c.params.items"),
    ("bands", "{ bands = [[90]] }", "criteria.c.params.bands"),
    ("deduct", "{ per = -1 }", "criteria.c.params.per"),
    ("grade", '{ scale = ["A", "B"] }', "criteria.c.params.scale"),
    ("ratio", "{ numerator = \"n\", full_at = 1 }", "criteria.c.params.denominator"),
    ("formula", "{ expr = 3 }", "criteria.c.params.expr"),
    ("formula", "{ }", "criteria.c.params.expr"),
])
def test_ill_typed_params(scorer, params, path):
    err = one_error(GOOD.replace('"boolean"', f'"{scorer}"') + f"params = {params}\n")
    assert err.startswith(f"crit.toml: {path}"), err     # the key path, down to the bad entry


def test_params_must_be_a_table():
    err = one_error(GOOD + "params = 3\n")
    assert err.startswith("crit.toml: criteria.c.params")


def test_reserved_keys_are_not_children():
    # `method`, `hint` ... are reserved; a table by that name is not a child criterion
    text = HEAD + '''
[criteria.g]
title = "组"
[criteria.g.hint]
title = "提示?"
points = 10
scorer = "boolean"
'''
    err = one_error(text)
    assert err.startswith("crit.toml: criteria.g.hint:") and "reserved" in err


def test_every_other_table_is_a_child():
    text = HEAD + '''
[criteria.g]
title = "组"
[criteria.g.points_table]
title = "子项"
points = 10
scorer = "boolean"
'''
    assert [leaf.id for leaf in loads(text).leaves] == ["g.points_table"]


def test_unknown_non_table_key_with_did_you_mean():
    err = one_error(GOOD + 'hnit = "先做计划"\n')
    assert err.startswith("crit.toml: criteria.c.hnit:")
    assert "'hint'" in err


def test_optional_leaf_keys_are_kept():
    scheme = loads(GOOD + 'method = "on-site"\nhint = "做计划"\ndescription = "说明"\ninput = "has_plan"\n')
    leaf = scheme.leaves[0]
    assert (leaf.method, leaf.hint, leaf.description, leaf.input) == ("on-site", "做计划", "说明", "has_plan")


def test_group_cannot_have_a_scorer():
    text = group().replace('points = 10\n[criteria.g.a]', 'points = 10\nscorer = "boolean"\n[criteria.g.a]')
    err = one_error(text)
    assert err.startswith("crit.toml: criteria.g.scorer:")


@pytest.mark.parametrize("segment", ['"has space"', '"a/b"', '"等级"', '""'])
def test_malformed_id_segment(segment):
    text = HEAD + f'''
[criteria.g]
title = "组"
[criteria.g.{segment}]
title = "A"
points = 10
scorer = "boolean"
'''
    err = one_error(text)
    assert err.startswith("crit.toml: criteria.g.") and "malformed" in err


def test_malformed_category_bonus_and_veto_ids():
    assert "malformed" in one_error(HEAD + LEAF.replace("[criteria.c]", '[criteria."c c"]'))
    assert one_error(GOOD + '[bonus."a b"]\ntitle = "X"\npoints = 1\nscorer = "boolean"\n').startswith('crit.toml: bonus.a b:')
    assert one_error(GOOD + '[veto."a b"]\ntitle = "X"\n').startswith('crit.toml: veto.a b:')


def test_duplicate_ids_are_errors():
    # a category named `bonus` with a child `x` has the id bonus.x, like the bonus item x
    text = HEAD.replace("full_marks = 10", "full_marks = 10") + '''
[criteria.bonus]
title = "组"
[criteria.bonus.x]
title = "A"
points = 10
scorer = "boolean"

[bonus.x]
title = "加分"
points = 1
scorer = "boolean"
'''
    err = one_error(text)
    assert err.startswith("crit.toml: bonus.x:") and "duplicate" in err


# -- [rating] ---------------------------------------------------------------------------------------------
def with_rating(body: str) -> str:
    head = HEAD.split("[rating]")[0]
    return head + "[rating]\n" + body + "\n" + LEAF


def test_tie_break_ids_must_be_categories():
    text = HEAD.split("[rating]")[0] + '''[rating]
tie_break = ["a", "b.x", "bb"]
levels = [{ stars = 1, min_score = 0 }]

[criteria.a]
title = "A"
points = 5
scorer = "boolean"
[criteria.b]
title = "B"
[criteria.b.x]
title = "X"
points = 5
scorer = "boolean"
'''
    errs = errors_of(text)
    assert len(errs) == 2, errs
    assert errs[0].startswith("crit.toml: rating.tie_break.1:") and "'b.x'" in errs[0]
    assert errs[1].startswith("crit.toml: rating.tie_break.2:") and "did you mean 'b'" in errs[1]


def test_levels_in_descending_order_of_stars():
    err = errors_of(with_rating("levels = [{ stars = 1, min_score = 0 }, { stars = 2, min_score = 0 }]"))
    assert any(e.startswith("crit.toml: rating.levels.1:") and "descending" in e for e in err)
    err = errors_of(with_rating("levels = [{ stars = 2, min_score = 5 }, { stars = 2, min_score = 0 }]"))
    assert any(e.startswith("crit.toml: rating.levels.1:") for e in err)


def test_level_keys_are_checked_by_the_method():
    assert one_error(with_rating("levels = [{ stars = 1, min_score = 0, top = 0.5 }]")).startswith(
        "crit.toml: rating.levels.0.top:")
    assert one_error(with_rating("levels = [{ stars = 1 }]")).startswith("crit.toml: rating.levels.0.min_score:")
    assert one_error(with_rating("levels = [{ stars = 1, min_score = 0, min_category_ratio = 1.5 }]")).startswith(
        "crit.toml: rating.levels.0.min_category_ratio:")
    assert one_error(with_rating('method = "quota"\nlevels = [{ stars = 1, top = 0 }]')).startswith(
        "crit.toml: rating.levels.0.top:")


def test_unknown_rating_method_with_did_you_mean():
    err = one_error(with_rating('method = "quotas"\nlevels = [{ stars = 1, top = 0.5 }]'))
    assert err.startswith("crit.toml: rating.method:") and "did you mean 'quota'" in err


def test_levels_required():
    assert one_error(with_rating("levels = []")).startswith("crit.toml: rating.levels:")


# -- bonus, penalty, veto -------------------------------------------------------------------------------------
EXTRAS = GOOD + '''
[bonus]
cap = 5
[bonus.honor]
title = "表彰"
points = 3
scorer = "boolean"

[penalty]
cap = 4
[penalty.complaints]
title = "投诉"
points = 10
scorer = "linear"
params = { zero_at = 0, full_at = 5 }
input = "complaint_count"

[veto.accident]
title = "重大事故"

[veto.blacklist]
title = "失信"
input = "blacklisted"
'''


def test_bonus_penalty_and_veto_items():
    scheme = loads(EXTRAS)
    assert [(b.id, b.input, b.kind) for b in scheme.bonus] == [("bonus.honor", "bonus.honor", "bonus")]
    assert [(p.id, p.input) for p in scheme.penalty] == [("penalty.complaints", "complaint_count")]
    assert (scheme.bonus_cap, scheme.penalty_cap) == (5, 4)
    # veto input defaults to "veto.<id>"
    assert [(v.id, v.input) for v in scheme.vetoes] == [("veto.accident", "veto.accident"),
                                                        ("veto.blacklist", "blacklisted")]
    assert [i.id for i in scheme.items] == ["c", "bonus.honor", "penalty.complaints"]


def test_bonus_and_penalty_do_not_count_towards_full_marks():
    assert loads(EXTRAS).full_marks == 10


@pytest.mark.parametrize("cap", ["-1", '"5"', "true", "nan"])
def test_caps_must_be_numbers_not_below_zero(cap):
    for section in ("bonus", "penalty"):
        err = errors_of(EXTRAS.replace(f"[{section}]\ncap = {5 if section == 'bonus' else 4}", f"[{section}]\ncap = {cap}"))
        assert any(e.startswith(f"crit.toml: {section}.cap:") for e in err), err


@pytest.mark.parametrize("section", ["bonus", "penalty"])
def test_bonus_and_penalty_items_do_not_nest(section):
    text = GOOD + f'''
[{section}.outer]
title = "外"
[{section}.outer.inner]
title = "内"
points = 1
scorer = "boolean"
'''
    err = one_error(text)
    assert err.startswith(f"crit.toml: {section}.outer.inner:") and "nest" in err


def test_bonus_item_needs_points_and_scorer():
    errs = errors_of(GOOD + '[bonus.honor]\ntitle = "表彰"\n')
    assert any(e.startswith("crit.toml: bonus.honor.points:") for e in errs)
    assert any(e.startswith("crit.toml: bonus.honor.scorer:") for e in errs)


def test_bonus_item_params_are_checked():
    err = one_error(GOOD + '[bonus.honor]\ntitle = "表彰"\npoints = 1\nscorer = "boolean"\nparams = { expct = true }\n')
    assert err.startswith("crit.toml: bonus.honor.params.expct:")


def test_veto_keys_are_checked():
    err = one_error(GOOD + '[veto.accident]\ntitle = "事故"\nscorer = "boolean"\n')
    assert err.startswith("crit.toml: veto.accident.scorer:")
    errs = errors_of(GOOD + '[veto.accident]\ninput = "x"\n')
    assert any(e.startswith("crit.toml: veto.accident.title:") for e in errs)


def test_non_table_entries_in_sections():
    errs = errors_of(GOOD + '[veto]\nx = 1\n[bonus]\ny = "z"\n')
    assert any(e.startswith("crit.toml: veto.x:") for e in errs)
    assert any(e.startswith("crit.toml: bonus.y:") for e in errs)


# -- error reporting ------------------------------------------------------------------------------------------
def test_toml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace('title = "类别"', 'title = "类别'), encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load(path)
    message = str(info.value)
    # the unterminated string is on line 16 (1-based) of the file
    line = GOOD.splitlines().index('title = "类别"') + 1
    assert message.startswith(f"{path}: line {line}, column ")
    assert "TOML" in message


def test_every_error_of_a_file_is_listed(tmp_path, capsys):
    text = GOOD.replace('id = "test-scheme"', 'id = "bad id"') \
               .replace('version = "2025.1"', "version = 2025.1") \
               .replace('"boolean"', '"boolen"') + '''
[bonus.honor]
title = "表彰"
points = 1
scorer = "linear"
params = { zero_at = 1, full_at = 1 }

[veto.accident]
titel = "事故"
'''
    path = tmp_path / "many.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaErrors) as info:
        load(path)
    lines = info.value.lines
    wanted = ["scheme.id", "scheme.version", "criteria.c.scorer", "bonus.honor.params", "veto.accident.titel",
              "veto.accident.title"]
    for key in wanted:
        assert any(ln.startswith(f"{path}: {key}:") for ln in lines), (key, lines)
    assert len(lines) == len(wanted)
    # the command line prints them all, one line each, and exits 2
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == len(wanted)
    assert all(ln.startswith(f"civscore: {path}: ") for ln in err)


def test_rating_errors_are_all_listed_together():
    # a tie_break of the wrong type does not hide a bad level or an unknown method
    text = with_rating('tie_break = "c"\nlevels = [{ stars = 1, min_score = 0, extra = 1 }]')
    errs = errors_of(text)
    assert any(e.startswith("crit.toml: rating.tie_break:") for e in errs), errs
    assert any(e.startswith("crit.toml: rating.levels.0.extra:") for e in errs), errs
    errs = errors_of(with_rating('tie_break = "c"\nmethod = "quotas"\nlevels = [{ stars = 1, top = 1 }]'))
    assert any(e.startswith("crit.toml: rating.method:") for e in errs), errs
    assert len(errs) == 2


def test_error_messages_have_no_pydantic_noise():
    err = one_error(GOOD.replace('version = "2025.1"', "version = 1"))
    assert "Value error," not in err and "pydantic" not in err and "https://" not in err


def test_not_utf8_and_directory(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(CriteriaError) as info:
        load(path)
    assert "UTF-8" in str(info.value)
    with pytest.raises(CriteriaError):
        load(tmp_path)


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert load(path).id == "test-scheme"


def test_sha256_is_of_the_file_bytes(tmp_path):
    import hashlib
    path = tmp_path / "c.toml"
    path.write_bytes(GOOD.encode("utf-8"))
    assert load(path).sha256 == hashlib.sha256(GOOD.encode("utf-8")).hexdigest()


# -- bundled schemes ----------------------------------------------------------------------------------------------
def test_bundled_scheme_by_name():
    scheme = api.load("civilized-unit")
    assert scheme.id == "civilized-unit"
    assert scheme.full_marks == 100
    # the 合肥 shape: national 测评项目 75, the year's tasks 20, unannounced visits 5
    assert [(c.id, c.points) for c in scheme.categories] == [("national", 75), ("tasks", 20), ("visits", 5)]


BUNDLED = ["city-field-inspection", "civilized-household", "civilized-unit", "party-branch", "party-branch-quota"]


def test_bundled_schemes_are_the_criteria_folder():
    assert sorted(bundled_schemes()) == BUNDLED
    for name, path in bundled_schemes().items():
        assert path.name == f"{name}.toml"


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scheme_validates_and_evaluates_its_examples(name, tmp_path):
    """Each bundled scheme loads by name, its id is its name, and its examples evaluate
    without a read error (exit 0), with at least three star levels among them."""
    scheme = api.load(name)
    assert scheme.id == name and scheme.locale == "zh-CN"
    examples = Path(__file__).resolve().parents[1] / "examples" / name.removesuffix("-quota")
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "civscore", "evaluate", name, str(examples), "-f", "json",
                           "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert 8 <= len(results) <= 16
    assert len({r["stars"] for r in results if not r["vetoed"]}) >= 3
    assert any(r["vetoed"] for r in results)


def test_unknown_bundled_name_suggests_one():
    with pytest.raises(CriteriaError) as info:
        api.load("civilised-unit")
    assert "did you mean 'civilized-unit'" in str(info.value)


def test_a_path_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("civilized-unit").write_text(GOOD, encoding="utf-8")
    assert api.load("civilized-unit").id == "test-scheme"


def test_validate_bundled_scheme_on_the_command_line():
    proc = subprocess.run([sys.executable, "-m", "civscore", "validate", "civilized-unit"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "civilized-unit" in proc.stdout


def test_deduct_on_a_penalty_item_loads_with_a_warning(tmp_path):
    """SPEC §2: a penalty item subtracts what it earns, and deduct earns full
    points for 0 instances: valid, but a trap; validate (the criteria author's
    command) says so on stderr and still exits 0."""
    import subprocess
    import sys
    crit = tmp_path / "dp.toml"
    crit.write_text('''format = "civscore/1"
[scheme]
id = "dp"
title = "t"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 5 }]
[criteria.a]
title = "a"
points = 10
scorer = "boolean"
[penalty.faults]
title = "违规"
points = 4
scorer = "deduct"
params = { per = 2 }
''', encoding="utf-8")
    unit = tmp_path / "u.toml"
    unit.write_text('[unit]\nid = "u"\nname = "n"\n[data]\na = true\n"penalty.faults" = 0\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "civscore", "validate", str(crit)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "warning" in lines[0] and "penalty.faults" in lines[0]
    assert 'scorer = "linear" with zero_at = 0 and full_at = 2' in lines[0]   # 4 points / 2 per instance
    proc = subprocess.run([sys.executable, "-m", "civscore", "evaluate", str(crit), str(unit), "-f", "json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == ""
    import json
    result = json.loads(proc.stdout)["results"][0]
    assert result["penalty"] == 4.0 and result["total"] == 6.0   # the trap, as the warning says: 10 − 4


def test_every_error_at_once_even_across_stages(tmp_path, capsys):
    """A wrong full_marks beside an unknown scorer and bad params: all three are
    listed in one run (the sums are checked from the points the file declares)."""
    path = tmp_path / "staged.toml"
    path.write_text(GOOD_HEADER_FOR_STAGES + '''
[criteria.a]
title = "A"
[criteria.a.x]
title = "X"
points = 10
scorer = "bolean"
[criteria.a.y]
title = "Y"
points = 10
scorer = "linear"
params = { zero_at = 0, full_at = "x" }
[criteria.b]
title = "B"
points = 20
scorer = "boolean"
''', encoding="utf-8")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert [line.split(": ")[2] for line in err] == ["criteria.a.x.scorer", "criteria.a.y.params.full_at", "scheme.full_marks"]
    assert err[-1].endswith("scheme.full_marks: is 50 but the categories add up to 40")


GOOD_HEADER_FOR_STAGES = '''format = "civscore/1"
[scheme]
id = "staged"
title = "S"
version = "1"
full_marks = 50
[rating]
levels = [{ stars = 1, min_score = 0 }]
'''
