"""The interface in zh-CN and English (issue 14.1): every message has a
Chinese translation, the compiled catalog is the one the .po gives, and the
language is chosen by --lang, else the locale variables, else the scheme's
``locale``, else English — through the real command line."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from civscore.contracts import i18n

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "civscore" / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "civscore.po"
MO = LOCALE / "zh_CN" / "LC_MESSAGES" / "civscore.mo"
POT = LOCALE / "civscore.pot"
V1 = REPO / "tests" / "fixtures" / "civilized-unit-v1"     # locale = "zh-CN"
V1_SCHEME = V1 / "civilized-unit.toml"
HOW = "see docs/translating.md: pybabel extract, update, translate, compile"

babel = pytest.importorskip("babel", reason="babel is in the test and lint extras")
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.frontend import parse_mapping_cfg  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
FIELDS = re.compile(r"\{[A-Za-z_0-9]*(?:![rsa])?(?::[^}]*)?\}|%\([A-Za-z_]+\)[sdr]")


def _extracted() -> set[str]:
    """Every msgid the code and the templates mark, as pybabel extract finds them."""
    with open(REPO / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(REPO), method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    found.discard("")
    return found


def _catalog(path: Path):
    with open(path, "rb") as fh:
        return read_po(fh)


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_message_has_a_chinese_translation():
    po = {_key(m): m for m in _catalog(PO) if m.id}
    untranslated = []
    for msgid in sorted(_extracted()):
        m = po.get(msgid)
        strings = [] if m is None else ([m.string] if isinstance(m.string, str) else list(m.string))
        if m is None or not strings or not all(s.strip() for s in strings) or m.fuzzy:
            untranslated.append(msgid)
    assert not untranslated, f"{len(untranslated)} message(s) without a zh-CN translation ({HOW}):\n" + \
        "\n".join(repr(u) for u in untranslated)


def test_the_template_and_the_catalog_list_what_the_code_marks():
    extracted = _extracted()
    pot = {_key(m) for m in _catalog(POT) if m.id}
    assert pot == extracted, f"civscore.pot is stale ({HOW}): missing {sorted(extracted - pot)}, gone {sorted(pot - extracted)}"
    stale = sorted({_key(m) for m in _catalog(PO) if m.id} - extracted)
    assert not stale, f"zh_CN.po translates messages the code no longer has ({HOW}): {stale}"


def test_the_compiled_catalog_is_the_po_compiled():
    buf = io.BytesIO()
    write_mo(buf, _catalog(PO))
    assert MO.read_bytes() == buf.getvalue(), f"civscore.mo is older than civscore.po: pybabel compile ({HOW})"


def test_translations_keep_every_placeholder_and_are_not_the_english_copied():
    for m in _catalog(PO):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for s in strings:
            if not s:
                continue
            assert sorted(FIELDS.findall(s)) == sorted(FIELDS.findall(ids[-1])), (m.id, s)
            words = re.sub(r"<[^>]*>", "", re.sub(FIELDS, "", ids[0]))
            if re.search(r"[A-Za-z]{3}", words):   # English words: the translation is not the English copied
                assert s != ids[0] and HAN.search(s), (m.id, s)


def test_the_catalog_compiles_without_errors():
    """What ``pybabel compile`` checks: placeholders of python-format messages agree."""
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalog(PO).check()]
    assert not problems, problems


def test_plural_forms_of_the_chinese_catalog():
    cat = _catalog(PO)
    assert cat.num_plurals == 1 and str(cat.locale).startswith("zh")


# -- choosing the language -------------------------------------------------------------------------
@pytest.mark.parametrize("env,expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "C.UTF-8"}, None),
    ({"LANG": "POSIX"}, None),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, None),          # LC_ALL decides, and C chooses nothing
    ({"LANGUAGE": "fr:zh_TW", "LANG": "C"}, "zh_CN"),
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({}, None),
])
def test_the_locale_variables(env, expected):
    assert i18n.from_environment(env) == expected


def test_windows_locale_names(monkeypatch):
    monkeypatch.setattr(i18n.locale, "getlocale", lambda: ("Chinese (Simplified)_China", "936"))
    monkeypatch.setattr(i18n._locale, "_getdefaultlocale", lambda: (None, None), raising=False)
    assert i18n.from_system({}, windows=True) == "zh_CN"
    monkeypatch.setattr(i18n._locale, "_getdefaultlocale", lambda: ("en_US", "cp1252"), raising=False)
    assert i18n.from_system({}, windows=True) == "en"
    assert i18n.from_system({"LANG": "zh_CN.UTF-8"}, windows=True) == "zh_CN"
    assert i18n.from_system({}, windows=False) is None


def _set_env(monkeypatch, **env):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _scheme_without_locale(tmp_path: Path) -> Path:
    text = V1_SCHEME.read_text(encoding="utf-8").replace('locale = "zh-CN"\n', "")
    path = tmp_path / "no-locale.toml"
    path.write_text(text, encoding="utf-8")
    return path


UNIT = V1 / "units" / "bus-group.toml"


def test_check_in_chinese_and_english(cli, monkeypatch):
    _set_env(monkeypatch, LANG="zh_CN.UTF-8")
    code, zh, _err = cli("check", V1_SCHEME, UNIT)
    assert "总分" in zh and "基础分" in zh and "失分项（整改清单）" in zh
    assert "total" not in zh and "Lost points" not in zh
    _set_env(monkeypatch, LANG="zh_CN.UTF-8")
    code_en, en, _err = cli("check", V1_SCHEME, UNIT, "--lang", "en")      # --lang beats LANG
    assert code_en == code
    assert "total" in en and "Lost points (rectification list)" in en and "总分 " not in en
    code_en2, en2, _err = cli("--lang", "en", "check", V1_SCHEME, UNIT)    # before the command too
    assert en2 == en


def test_a_chinese_scheme_stays_chinese_on_a_server(cli, monkeypatch, tmp_path):
    """LANG=C.UTF-8 chooses nothing: the scheme's locale (zh-CN) does; a scheme
    without one is English; --lang and a real locale beat the scheme."""
    _set_env(monkeypatch, LANG="C.UTF-8")
    _code, out, _err = cli("evaluate", V1_SCHEME, V1 / "units")
    assert "排名" in out and "星级" in out and "个单位" in out
    _code, out, _err = cli("evaluate", _scheme_without_locale(tmp_path), V1 / "units")
    assert "rank" in out and "排名" not in out
    _code, out, _err = cli("evaluate", V1_SCHEME, V1 / "units", "--lang", "en")
    assert "rank" in out and "排名" not in out
    _set_env(monkeypatch, LANG="en_US.UTF-8")
    _code, out, _err = cli("evaluate", V1_SCHEME, V1 / "units")
    assert "rank" in out and "排名" not in out


def test_evaluate_summary_plurals(cli, monkeypatch, tmp_path):
    _code, out, _err = cli("evaluate", V1_SCHEME, UNIT, "--lang", "en")
    assert "1 unit:" in out and "0 submission errors" in out and "1 units" not in out


def test_an_error_in_chinese_and_english(cli, monkeypatch, tmp_path):
    _set_env(monkeypatch, LANG="zh_CN.UTF-8")
    code, _out, err = cli("check", V1_SCHEME, UNIT, "--unit", "nope")
    assert code == 2 and "中没有这个单位" in err
    code, _out, err_en = cli("check", V1_SCHEME, UNIT, "--unit", "nope", "--lang", "en")
    assert code == 2 and "no such unit" in err_en


def test_bad_lang_is_a_usage_error(cli):
    code, _out, err = cli("validate", V1_SCHEME, "--lang", "fr")
    assert code == 2 and "--lang" in err and "zh-CN" in err


def test_json_reasons_follow_the_language_and_the_provenance_records_it(cli, monkeypatch, tmp_path):
    out_zh, out_en = tmp_path / "zh.json", tmp_path / "en.json"
    _set_env(monkeypatch, LANG="C.UTF-8")
    assert cli("evaluate", V1_SCHEME, V1 / "units", "-f", "json", "-o", out_zh)[0] in (0, 1)
    assert cli("evaluate", V1_SCHEME, V1 / "units", "-f", "json", "-o", out_en, "--lang", "en")[0] in (0, 1)
    zh, en = (json.loads(p.read_text(encoding="utf-8")) for p in (out_zh, out_en))
    assert zh["provenance"]["language"] == "zh_CN" and en["provenance"]["language"] == "en"
    assert [r["total"] for r in zh["results"]] == [r["total"] for r in en["results"]]
    assert set(zh["results"][0]) == set(en["results"][0])            # keys never change
    reasons_zh = [x for r in zh["results"] for it in r["items"].values() for x in it["reasons"]]
    reasons_en = [x for r in en["results"] for it in r["items"].values() for x in it["reasons"]]
    assert sum(bool(HAN.search(x)) for x in reasons_zh) > sum(bool(HAN.search(x)) for x in reasons_en)
    # verify re-runs in the recorded language, whatever the environment says now
    import civscore.verify
    spoken = []
    real = civscore.verify.api.evaluate
    monkeypatch.setattr(civscore.verify.api, "evaluate", lambda *a, **k: spoken.append(i18n.current_language()) or real(*a, **k))
    _set_env(monkeypatch, LANG="en_US.UTF-8")
    for path in (out_zh, out_en):
        code, out, err = cli("verify", path)
        assert code == 0, out + err
    assert spoken == ["zh_CN", "en"]


def test_plugins_without_a_scheme_use_the_environment(cli, monkeypatch):
    _set_env(monkeypatch, LANG="zh_CN.UTF-8")
    code, _out, err = cli("plugins", "-f", "yaml")
    assert code == 2
    _set_env(monkeypatch, LANG="C.UTF-8")
    code, _out, err_c = cli("plugins", "-f", "yaml")
    assert code == 2 and not HAN.search(err_c)
