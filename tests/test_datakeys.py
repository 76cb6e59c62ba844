"""Data keys the scheme does not read are named, with the key probably meant
(issue: a misspelt key was silently ignored), and --strict makes them errors."""
from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "civilized-unit-v1"
SCHEME = FIXTURE / "civilized-unit.toml"


def misspelt(tmp_path: Path, wrong: str = "volunteer_registerd") -> Path:
    text = (FIXTURE / "units" / "city-tax.toml").read_text(encoding="utf-8")
    assert "\nvolunteer_registered = " in text
    path = tmp_path / "city-tax.toml"
    path.write_text(text.replace("\nvolunteer_registered = ", f"\n{wrong} = "), encoding="utf-8")
    return path


def test_a_misspelt_key_is_named_with_the_key_meant(tmp_path, cli):
    misspelt(tmp_path)
    code, out, err = cli("evaluate", SCHEME, tmp_path)
    assert code == 0
    assert err == ("civscore: warning: data key 'volunteer_registerd' (1 unit) is not read by the scheme; "
                   "did you mean 'volunteer_registered'?\n")


def test_check_warns_too_and_strict_makes_it_an_error(tmp_path, cli):
    unit = misspelt(tmp_path)
    code, _, err = cli("check", SCHEME, unit)
    assert code == 0 and "warning: data key 'volunteer_registerd'" in err
    code, _, err = cli("check", SCHEME, unit, "--strict")
    assert code == 1 and "error: data key 'volunteer_registerd'" in err


def test_strict_evaluate_exits_1_but_still_reports(tmp_path, cli):
    misspelt(tmp_path)
    code, out, err = cli("evaluate", SCHEME, tmp_path, "--strict", "-f", "json")
    assert code == 1
    assert '"city-tax"' in out
    assert "error: data key 'volunteer_registerd' (1 unit)" in err


def test_keys_are_counted_per_unit_once_each_in_tables(tmp_path, cli):
    (tmp_path / "units.csv").write_text("unit.id,unit.name,colour,size\na,A,red,\nb,B,blue,3\nc,C,,\n", encoding="utf-8")
    code, _, err = cli("evaluate", SCHEME, tmp_path / "units.csv")
    assert code == 0
    lines = err.splitlines()
    assert lines[0] == "civscore: warning: data key 'colour' (2 units) is not read by the scheme"
    assert lines[1] == "civscore: warning: data key 'size' (1 unit) is not read by the scheme"


def test_the_wrong_scheme_is_said_plainly(tmp_path, cli):
    (tmp_path / "units.csv").write_text("unit.id,unit.name,noise.day\na,A,55\nb,B,60\n", encoding="utf-8")
    code, _, err = cli("evaluate", SCHEME, tmp_path / "units.csv")
    assert code == 0
    assert err.splitlines()[-1] == ("civscore: warning: none of the 2 units supplies any input of scheme 'civilized-unit': "
                                    "are these submissions for another scheme?")


def test_the_fixture_units_give_no_warning(cli):
    code, _, err = cli("evaluate", SCHEME, FIXTURE / "units")
    assert code == 0 and err == ""


def test_units_that_supply_few_inputs_are_asked_about(tmp_path, cli):
    (tmp_path / "units.csv").write_text("unit.id,unit.name,staff_count\na,A,100\nb,B,80\n", encoding="utf-8")
    code, _, err = cli("evaluate", SCHEME, tmp_path / "units.csv")
    assert code == 0
    assert "civscore: warning: the units supply on average " in err and "check that they are for this scheme" in err
