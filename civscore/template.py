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
from .contracts.i18n import _
from .contracts.values import fmt
from .reports.xlsx import clean, workbook_bytes

FORMATS = ("toml", "csv", "xlsx")
UNIT_COLUMNS = ("unit.id", "unit.name", "unit.group", "unit.region", "unit.period")
UNIT_HELP = {
    "unit.id": "单位编号（必填，同一批次内唯一）",
    "unit.name": "单位名称（必填）",
    "unit.group": "参评类别/分组（选填，--by-group 时按此分组排名）",
    "unit.region": "所在地区（选填）",
    "unit.period": "测评年度（选填）",
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
    return f"评分器 {leaf.scorer} 读取的值" + (f"：{desc}" if desc else ""), [str(c) for c in choices]


def slots(scheme: Scheme) -> list[Slot]:
    """One :class:`Slot` per input key, in ``scheme.input_keys()`` order."""
    by_key: dict[str, Slot] = {k: Slot(k) for k in scheme.input_keys()}
    cat_titles = {c.id: c.title for c in scheme.categories}
    for leaf in scheme.items:
        label = {"criterion": "", "bonus": "加分项 ", "penalty": "扣分项 "}.get(leaf.kind, "")
        use = f"{label}{leaf.title}（{leaf.id}，{fmt(leaf.points)} 分"
        use += f"，{leaf.method}）" if leaf.method else "）"
        reads = leaf.input_keys
        for key in reads + ([leaf.input] if leaf.na and leaf.input not in reads else []):
            slot = by_key.setdefault(key, Slot(key))
            text, choices = expectation(leaf, key) if key in reads else (_("仅用于标记免评"), [])
            if leaf.unit == "%" and key == leaf.input:
                text += _("（百分数：填 96 或 96%，均按 96% 计）")
            if leaf.na:   # SPEC §7.1: the unit may mark it not applicable, under the leaf's own input key
                text += _("；本项可免评：不适用时填“免评”（或 不适用、合理缺项、n/a），不计分，总分按其余指标折算")
                if choices and "免评" not in choices:
                    choices = [*choices, "免评"]
            slot.uses.append(use)
            slot.expect.append(text)
            if choices and not slot.choices:
                slot.choices = choices
            if not slot.category:
                slot.category = cat_titles.get(leaf.category or "", {"bonus": "加分项", "penalty": "扣分项"}.get(leaf.kind, ""))
    for veto in scheme.vetoes:
        slot = by_key.setdefault(veto.input, Slot(veto.input))
        slot.uses.append(f"一票否决：{veto.title}（{veto.id}）")
        slot.expect.append("是/否（true/false）；填“是”即一票否决，不评星、不排名")
        slot.choices = slot.choices or ["是", "否"]
        slot.category = slot.category or "一票否决"
    return list(by_key.values())


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _toml_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def toml_template(scheme: Scheme) -> str:
    out = [f"# {_one_line(scheme.title)}（{scheme.id} {scheme.version}）申报模板，由 civscore init 生成。",
           "# 填写每一项后运行：civscore evaluate <方案> <本文件>。留空（\"\"）的项按缺失计 0 分。",
           "# 数值直接写数字（如 96），是/否写 true/false，列表写成数组或用 ; 分隔的文字。",
           "# 多名评审员分别打分时，见 docs/assessors.md 的 [[assessors]] 写法。",
           "",
           "[unit]",
           'id = ""        # 单位编号（必填，同一批次内唯一）',
           'name = ""      # 单位名称（必填）',
           'group = ""     # 参评类别/分组（选填）',
           'region = ""    # 所在地区（选填）',
           'period = ""    # 测评年度（选填）',
           "",
           "[data]"]
    category = None
    for slot in slots(scheme):
        if slot.category != category:
            category = slot.category
            out += ["", f"# —— {_one_line(category)} ——"]
        for use, expect in zip(slot.uses, slot.expect):
            out.append(f"# {_one_line(use)}")
            out.append(f"#   填写：{_one_line(expect)}")
        out.append(f"{_toml_key(slot.key)} = \"\"")
    return "\n".join(out) + "\n"


def csv_template(scheme: Scheme) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(list(UNIT_COLUMNS) + scheme.input_keys())
    return "\ufeff" + buf.getvalue()


def xlsx_template(scheme: Scheme) -> bytes:
    import openpyxl  # lazily: heavy, and only this format needs it
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    all_slots = slots(scheme)
    wb = openpyxl.Workbook()
    wb.properties.creator = "civscore"
    wb.properties.title = clean(f"{scheme.title} {scheme.version} 申报模板")
    ws = wb.active
    ws.title = "填报"
    bold = Font(bold=True)
    header = list(UNIT_COLUMNS) + [s.key for s in all_slots]
    helps = [UNIT_HELP[c] for c in UNIT_COLUMNS] + [
        clean("\n".join(f"{u}\n填写：{e}" for u, e in zip(s.uses, s.expect))) for s in all_slots]
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
    notes = wb.create_sheet("说明")
    notes.append(["列名", "指标", "填写要求", "分类"])
    for c in notes[1]:
        c.font = bold
    for column in UNIT_COLUMNS:
        notes.append([column, "单位信息", UNIT_HELP[column], "单位"])
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
    notes.append(["", "", "在“填报”表中每个单位填一行；第一行（列名）不要改动。多名评审员打分时，增加 assessor 列，"
                          "每名评审员一行（见 docs/assessors.md）。", ""])
    return workbook_bytes(wb)


def template(scheme: Scheme, fmt_name: str = "toml") -> str | bytes:
    """The blank submission template of ``scheme`` in ``fmt_name`` (toml, csv or xlsx)."""
    if fmt_name == "toml":
        return toml_template(scheme)
    if fmt_name == "csv":
        return csv_template(scheme)
    if fmt_name == "xlsx":
        return xlsx_template(scheme)
    raise ValueError(f"unknown template format {fmt_name!r}; use {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Slot", "slots", "expectation", "template", "toml_template", "csv_template", "xlsx_template"]
