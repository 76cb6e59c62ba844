"""``civscore init``: a blank submission template for a scheme.

Every input key the scheme reads (``scheme.input_keys()``, vetoes included)
gets one slot, explained by the indicator's title, points and the value its
scorer expects:

- ``toml``: ``[unit]`` and ``[data]``, each key set to ``""`` (an empty
  string is a missing value, so an unfilled template is still a valid
  submission) under comments that explain it;
- ``csv``: one header row (``unit.id unit.name unit.group unit.region
  unit.period`` and every key), UTF-8 with a BOM so Excel opens it right;
  CSV has no room for explanations (a second row would be read as a unit);
- ``xlsx``: the same header row on the first sheet 填报 (with a comment on
  each header cell and drop-down lists for yes/no and grade columns) and a
  second sheet 说明 explaining every column.

The template round-trips: fill it in and ``civscore evaluate`` reads it.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from .criteria import Leaf, Scheme
from .contracts.i18n import N_, _, language
from .contracts.values import fmt
from .reports.xlsx import clean, workbook_bytes

FORMATS = ("toml", "csv", "xlsx")
UNIT_COLUMNS = ("unit.id", "unit.name", "unit.group", "unit.region", "unit.period")
#: the TOML template's heading of an item, by kind, without and with a method
USE = {"criterion": N_("{title} ({id}, {points} points)"), "bonus": N_("bonus item {title} ({id}, {points} points)"),
       "penalty": N_("penalty item {title} ({id}, {points} points)")}
USE_WITH_METHOD = {"criterion": N_("{title} ({id}, {points} points, {method})"),
                   "bonus": N_("bonus item {title} ({id}, {points} points, {method})"),
                   "penalty": N_("penalty item {title} ({id}, {points} points, {method})")}
KIND_TITLES = {"bonus": N_("bonus items"), "penalty": N_("penalty items")}
FILL_SHEET = N_("fill in")
UNIT_HELP = {
    "unit.id": N_("the unit's id (required, unique within one batch)"),
    "unit.name": N_("the unit's name (required)"),
    "unit.group": N_("its category or group (optional; --by-group ranks by it)"),
    "unit.region": N_("its region (optional)"),
    "unit.period": N_("the assessment year (optional)"),
}


@dataclass
class Slot:
    """One input key and everything a unit needs to know to fill it."""

    key: str
    uses: list[str] = field(default_factory=list)       # "标题（id，N 分）" per item reading it
    expect: list[str] = field(default_factory=list)     # what value to give, per use
    choices: list[str] = field(default_factory=list)    # a closed list (yes/no, grades), for drop-downs
    category: str = ""



def expectation(leaf: Leaf, key: str) -> tuple[str, list[str]]:
    """What value ``leaf``'s scorer expects under ``key``, and its closed list
    of choices (if any): the scorer's own :meth:`~civscore.Scorer.input_help`
    and :meth:`~civscore.Scorer.input_choices`, built-in or plugin alike."""
    cls, params = leaf.scorer_cls, leaf.params
    try:  # a plugin's bug must not stop a template
        said, choices = cls.input_help(key, params, leaf.points), list(cls.input_choices(key, params))
        if leaf.kind == "penalty":   # described from the penalty side: what costs the unit points
            said = cls.penalty_help(key, params, leaf.points) or (
                _("{help}; a penalty item: the points this earns are deducted").format(help=said) if said else "")
    except Exception:
        said, choices = "", []
    if said:
        return str(said), [str(c) for c in choices]
    desc = getattr(cls, "description", "") or ""
    text = _("the value scorer {scorer} reads: {description}") if desc else _("the value scorer {scorer} reads")
    return text.format(scorer=leaf.scorer, description=desc), [str(c) for c in choices]


def slots(scheme: Scheme, lang: str | None = None) -> list[Slot]:
    """One :class:`Slot` per input key, in ``scheme.input_keys()`` order."""
    with language(lang or scheme.locale):
        return _slots(scheme)


def _slots(scheme: Scheme) -> list[Slot]:
    by_key: dict[str, Slot] = {k: Slot(k) for k in scheme.input_keys()}
    cat_titles = {c.id: c.title for c in scheme.categories}
    for leaf in scheme.items:
        use = (USE_WITH_METHOD if leaf.method else USE)[leaf.kind if leaf.kind in USE else "criterion"]
        use = _(use).format(title=leaf.title, id=leaf.id, points=fmt(leaf.points), method=leaf.method)
        reads = leaf.input_keys
        for key in reads + ([leaf.input] if leaf.na and leaf.input not in reads else []):
            slot = by_key.setdefault(key, Slot(key))
            text, choices = expectation(leaf, key) if key in reads else (_("only marks the item not applicable"), [])
            if leaf.unit == "%" and key == leaf.input:
                text += _(" (a percentage: 96 and 96% both count as 96%)")
            if leaf.na:   # SPEC §7.1: the unit may mark it not applicable, under the leaf's own input key
                text += _("; this item may be marked not applicable: write 免评 (or 不适用, 合理缺项, n/a) when it does not apply; "
                          "it is not scored and the total is scaled from the other indicators")
                if choices and "免评" not in choices:
                    choices = [*choices, "免评"]
            slot.uses.append(use)
            slot.expect.append(text)
            if choices and not slot.choices:
                slot.choices = choices
            if not slot.category:
                slot.category = cat_titles.get(leaf.category or "", _(KIND_TITLES.get(leaf.kind, "")) if leaf.kind in KIND_TITLES else "")
    for veto in scheme.vetoes:
        slot = by_key.setdefault(veto.input, Slot(veto.input))
        slot.uses.append(_("veto: {title} ({id})").format(title=veto.title, id=veto.id))
        slot.expect.append(_("是/否 (true/false); 是 vetoes the unit: no stars, no rank"))
        slot.choices = slot.choices or ["是", "否"]
        slot.category = slot.category or _("veto")
    return list(by_key.values())


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _toml_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def toml_template(scheme: Scheme, lang: str | None = None) -> str:
    with language(lang or scheme.locale):
        return _toml_template(scheme)


def _toml_template(scheme: Scheme) -> str:
    out = ["# " + _("{title} ({id} {version}) submission template, made by civscore init.").format(
               title=_one_line(scheme.title), id=scheme.id, version=scheme.version),
           "# " + _('Fill in every item, then run: civscore evaluate <scheme> <this file>. An item left empty ("") '
                    "counts as missing and earns 0 points."),
           "# " + _("Write numbers as numbers (96), yes/no as true/false, lists as arrays or as text separated by ;."),
           "# " + _("When several assessors score separately, see [[assessors]] in docs/assessors.md."),
           "",
           "[unit]",
           'id = ""        # ' + _("the unit's id (required, unique within one batch)"),
           'name = ""      # ' + _("the unit's name (required)"),
           'group = ""     # ' + _("its category or group (optional)"),
           'region = ""    # ' + _("its region (optional)"),
           'period = ""    # ' + _("the assessment year (optional)"),
           "",
           "[data]"]
    category = None
    for slot in _slots(scheme):
        if slot.category != category:
            category = slot.category
            out += ["", f"# —— {_one_line(category)} ——"]
        for use, expect in zip(slot.uses, slot.expect):
            out.append(f"# {_one_line(use)}")
            out.append("#   " + _("fill in: {what}").format(what=_one_line(expect)))
        out.append(f"{_toml_key(slot.key)} = \"\"")
    return "\n".join(out) + "\n"


def csv_template(scheme: Scheme) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(list(UNIT_COLUMNS) + scheme.input_keys())
    return "\ufeff" + buf.getvalue()


def xlsx_template(scheme: Scheme, lang: str | None = None) -> bytes:
    with language(lang or scheme.locale):
        return _xlsx_template(scheme)


def _xlsx_template(scheme: Scheme) -> bytes:
    import openpyxl  # lazily: heavy, and only this format needs it
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    all_slots = _slots(scheme)
    wb = openpyxl.Workbook()
    wb.properties.creator = "civscore"
    wb.properties.title = clean(_("{title} {version} submission template").format(title=scheme.title, version=scheme.version))
    ws = wb.active
    ws.title = _(FILL_SHEET)
    bold = Font(bold=True)
    header = list(UNIT_COLUMNS) + [s.key for s in all_slots]
    helps = [_(UNIT_HELP[c]) for c in UNIT_COLUMNS] + [
        clean("\n".join(u + "\n" + _("fill in: {what}").format(what=e) for u, e in zip(s.uses, s.expect))) for s in all_slots]
    for col, (name, help_text) in enumerate(zip(header, helps), start=1):
        cell = ws.cell(row=1, column=col, value=clean(name))
        cell.data_type = "s"
        cell.font = bold
        cell.comment = Comment(help_text, "civscore", width=320, height=160)
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(name) + 4))
    ws.column_dimensions["A"].number_format = "@"
    ws.freeze_panes = "C2"
    for col, slot in enumerate(all_slots, start=len(UNIT_COLUMNS) + 1):
        if slot.choices and all("," not in c and '"' not in c for c in slot.choices) \
                and len(",".join(slot.choices)) <= 250:
            dv = DataValidation(type="list", formula1='"' + ",".join(slot.choices) + '"', allow_blank=True,
                                showErrorMessage=False)
            letter = get_column_letter(col)
            dv.add(f"{letter}2:{letter}10000")
            ws.add_data_validation(dv)
    notes = wb.create_sheet(_("notes"))
    notes.append([_("column"), _("indicator"), _("what to fill in"), _("category")])
    for c in notes[1]:
        c.font = bold
    for column in UNIT_COLUMNS:
        notes.append([column, _("unit information"), _(UNIT_HELP[column]), _("unit")])
    for slot in all_slots:
        notes.append([clean(slot.key), clean("\n".join(slot.uses)), clean("\n".join(slot.expect)), clean(slot.category)])
    for row in notes.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@"):
                c.data_type = "s"
    for letter, width in zip("ABCD", (30, 50, 70, 16)):
        notes.column_dimensions[letter].width = width
    notes.append([])
    notes.append(["", "", _("Fill in one row per unit on the sheet {sheet}; do not change the first row (the column names). "
                            "When several assessors score, add an assessor column and one row per assessor "
                            "(see docs/assessors.md).").format(sheet=_(FILL_SHEET)), ""])
    return workbook_bytes(wb)


def template(scheme: Scheme, fmt_name: str = "toml", lang: str | None = None) -> str | bytes:
    """The blank submission template of ``scheme`` in ``fmt_name`` (toml, csv or xlsx), its text in
    ``lang`` (a language tag), else in the scheme's ``locale``, else in the current language."""
    if fmt_name == "toml":
        return toml_template(scheme, lang)
    if fmt_name == "csv":
        return csv_template(scheme)
    if fmt_name == "xlsx":
        return xlsx_template(scheme, lang)
    raise ValueError(_("unknown template format {name!r}; use {formats}").format(name=fmt_name, formats=", ".join(FORMATS)))


__all__ = ["FORMATS", "Slot", "slots", "expectation", "template", "toml_template", "csv_template", "xlsx_template"]
