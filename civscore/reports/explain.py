"""``civscore explain``: the rubric as a table, Markdown, JSON or CSV."""
from __future__ import annotations

import csv
import io
import json

from tabulate import tabulate

from ..criteria import Group, Scheme
from ..contracts.i18n import _, ngettext
from ..contracts.values import fmt
from . import EXPLAIN_FORMATS
from .html import render_explain
from .text import pad_lines, plural_n

FORMATS = EXPLAIN_FORMATS


def rows(scheme: Scheme) -> list[list[str]]:
    out: list[list[str]] = []

    def walk(node, depth: int) -> None:
        indent = "  " * depth
        if isinstance(node, Group):
            out.append([indent + node.id, node.title, fmt(node.points), "", "", node.method or ""])
            for child in node.children:
                walk(child, depth + 1)
        else:
            out.append([indent + node.id, node.title, fmt(node.points), node.scorer, _params(node), node.method or ""])
    for cat in scheme.categories:
        walk(cat, 0)
    for label, items, cap in (("bonus", scheme.bonus, scheme.bonus_cap), ("penalty", scheme.penalty, scheme.penalty_cap)):
        if items:
            out.append([label, _("bonus items") if label == "bonus" else _("penalty items"),
                        _("cap {points}").format(points=fmt(cap)) if cap is not None else _("no cap"), "", "", ""])
            for leaf in items:
                out.append(["  " + leaf.id, leaf.title, ("+" if label == "bonus" else "−") + fmt(leaf.points),
                            leaf.scorer, _params(leaf), leaf.method or ""])
    for veto in scheme.vetoes:
        out.append([veto.id, veto.title, _("veto"), "", f"input={veto.input}", veto.method or ""])
    return out


def _params(leaf) -> str:
    data = leaf.params.model_dump(exclude_none=True)   # a key left unset (None) is not shown
    text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in data.items())
    if leaf.input != leaf.id and (leaf.input_keys == [leaf.input] or getattr(leaf, "na", False)):
        text = f"input={leaf.input}" + (", " + text if text else "")
    if getattr(leaf, "unit", None) is not None:   # SPEC §7.2
        text += (", " if text else "") + f'unit="{leaf.unit}"'
    if getattr(leaf, "na", False):               # SPEC §7.1
        text += (", " if text else "") + "na=true (" + _("may be marked not applicable, 免评") + ")"
    return text


def levels_text(scheme: Scheme) -> str:
    parts = []
    for lv in scheme.levels:
        given = lv.model.model_dump(exclude={"stars"}).items()
        extra = ", ".join(f"{k} {_level_value(v)}" for k, v in given if v is not None)
        parts.append(f"{lv.stars}★: {extra}")
    tie = f"; tie_break {', '.join(scheme.rating.tie_break)}" if scheme.rating.tie_break else ""
    caps = "".join("; " + _("caps: {id} below {below} → at most {max}★").format(
        id=cap.criterion, below=fmt(cap.below), max=cap.max_stars) for cap in scheme.rating.caps)
    return _("rating {method}: {levels}").format(method=scheme.rating.method, levels="; ".join(parts) + tie + caps)


def _level_value(value) -> str:
    if isinstance(value, float):
        return fmt(value)
    if isinstance(value, dict):      # min_ratios: results.innovation ≥ 1
        return ", ".join(f"{k} ≥ {fmt(v)}" for k, v in value.items())
    return str(value)


#: the columns of the rubric: CSV keeps these keys; the table, Markdown and HTML show them translated
COLUMNS = ("id", "title", "points", "scorer", "params", "method")


def _headings() -> list[str]:
    return [_("id"), _("title"), _("max"), _("scorer"), _("params"), _("method")]


def _title(scheme: Scheme) -> str:
    return ngettext("{title} ({id} {version}), {points} point", "{title} ({id} {version}), {points} points",
                    plural_n(scheme.full_marks)).format(title=scheme.title, id=scheme.id, version=scheme.version,
                                                         points=fmt(scheme.full_marks))


def render(scheme: Scheme, fmt_name: str) -> str:
    if fmt_name == "json":
        doc = {"scheme": {"id": scheme.id, "title": scheme.title, "version": scheme.version, "sha256": scheme.sha256},
               "criteria": scheme.describe()}
        for item, leaf in zip(doc["criteria"]["items"], scheme.items):
            item["params"] = leaf.params.model_dump()
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if fmt_name == "html":
        return render_explain(_title(scheme), _headings(), rows(scheme), levels_text(scheme))
    if fmt_name == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows([[c.strip() if i == 0 else c for i, c in enumerate(r)] for r in rows(scheme)])
        return buf.getvalue()
    tablefmt = "github" if fmt_name == "markdown" else "simple"
    title = _title(scheme)
    body = tabulate(rows(scheme), _headings(), tablefmt=tablefmt, disable_numparse=True)
    if fmt_name == "table":
        body = pad_lines(body)
    return ("## " if fmt_name == "markdown" else "") + title + "\n\n" + body + "\n\n" + levels_text(scheme) + "\n"


SCORER_FORMATS = ("table", "markdown", "json")


def render_scorers(registry, fmt_name: str) -> str:
    """``civscore explain --scorers``: every installed scorer (built-in or a
    plugin's), the plugin that provides it, what it does and its params."""
    doc = [{"name": name, "plugin": registry.owner.get(("scorers", name)), "description": _(cls.description) if cls.description else "",
            "params": cls.param_docs()}
           for name, cls in sorted(registry.scorers.items())]
    if fmt_name == "json":
        return json.dumps({"scorers": doc}, ensure_ascii=False, indent=2) + "\n"
    rows_: list[list[str]] = []
    for s in doc:
        first = [s["name"], s["plugin"] or "", s["description"]]
        params = s["params"] or [None]
        for i, p in enumerate(params):
            lead = first if i == 0 else ["", "", ""]
            if p is None:
                rows_.append(lead + [_("(none)"), "", ""])
            else:
                default = _("required") if p["required"] else \
                    "—" if p["default"] is None else json.dumps(p["default"], ensure_ascii=False)
                rows_.append(lead + [p["name"], p["type"], default])
    headers = [_("scorer"), _("plugin"), _("what it does"), _("param"), _("type"), _("default")]
    body = tabulate(rows_, headers, tablefmt="github" if fmt_name == "markdown" else "simple", disable_numparse=True)
    if fmt_name == "table":
        body = pad_lines(body)
    return body + "\n"
