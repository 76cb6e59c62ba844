"""Translation of user-facing text (gettext), the bottom of every layer.

Every message, heading and reason a person reads is written in English in the
code and marked with :func:`_` (or :func:`ngettext` where a number decides
the form); :func:`N_` marks text kept in a constant and translated where it is
shown. Catalogs live in ``civscore/locale/<lang>/LC_MESSAGES/civscore.mo``.

The language is chosen once per command by :func:`set_language`; ids, keys,
JSON field names and CSV column names are never translated.
"""
from __future__ import annotations

import _locale
import contextlib
import gettext
import locale
import os
from pathlib import Path
from typing import Iterator

DOMAIN = "civscore"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
#: The languages civscore ships catalogs for (English is the source text).
LANGUAGES = ("en", "zh_CN")

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalize(tag: str | None) -> str | None:
    """``zh-CN``, ``zh_CN.UTF-8``, ``zh_Hans`` → ``zh_CN``; ``en_US`` → ``en``;
    ``C``, ``POSIX``, empty or unknown → ``None``."""
    if not tag:
        return None
    tag = tag.split(".")[0].split("@")[0].replace("-", "_").strip()
    if tag in ("", "C", "POSIX"):
        return None
    lang = tag.split("_")[0].lower()
    if lang == "zh":
        return "zh_CN"
    if lang == "en":
        return "en"
    return None


def from_environment(env: dict[str, str] | None = None) -> str | None:
    """The language the usual locale variables ask for (LANGUAGE, LC_ALL,
    LC_MESSAGES, LANG, in gettext's order), or ``None``."""
    env = dict(os.environ) if env is None else env
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if not value:
            continue
        for part in value.split(":"):  # LANGUAGE may list several
            found = normalize(part)
            if found:
                return found
        if name != "LANGUAGE":
            return None  # a set LC_ALL/LC_MESSAGES/LANG decides, even as C
    return None


def from_windows() -> str | None:
    """The language of the Windows user's locale (``GetUserDefaultLocaleName``'s
    language, else :func:`locale.getlocale`, e.g. ``Chinese (Simplified)_China``)."""
    tags: list[str | None] = []
    default = getattr(_locale, "_getdefaultlocale", None)   # Windows only: ("zh_CN", "cp936") from the user's LCID
    if default is not None:
        try:
            tags.append(default()[0])
        except (OSError, ValueError):
            pass
    try:
        tags.append(locale.getlocale()[0])
    except ValueError:
        pass
    for tag in tags:
        low = (tag or "").lower()
        if low.startswith("chinese"):
            return "zh_CN"
        if low.startswith("english"):
            return "en"
        found = normalize(tag)
        if found:
            return found
    return None


def from_system(env: dict[str, str] | None = None, windows: bool | None = None) -> str | None:
    """The language the user's system asks for: :func:`from_environment`, else
    (on Windows) :func:`from_windows`; ``None`` when neither says."""
    found = from_environment(env)
    if found is None and (os.name == "nt" if windows is None else windows):
        found = from_windows()
    return found


def set_language(language: str | None) -> str:
    """Make ``language`` (a tag as :func:`normalize` reads it; ``None`` means
    English) the language of every message from now on; returns the tag used."""
    global _translations, _language
    lang = normalize(language) or "en"
    if lang == "en":
        _translations = gettext.NullTranslations()
    else:
        _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    _language = lang
    return lang


@contextlib.contextmanager
def language(tag: str | None) -> Iterator[str]:
    """Messages in ``tag`` inside the ``with`` block (``None``: the current
    language), then the language chosen before it again."""
    before = _language
    try:
        yield set_language(tag) if tag else before
    finally:
        set_language(before)


def current_language() -> str:
    """The tag :func:`set_language` chose last (``en`` by default)."""
    return _language


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that fits the number ``n``, in the current language."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for translation without translating it now (for
    constants translated where they are shown)."""
    return message
