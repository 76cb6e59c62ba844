"""``table`` and ``markdown``: the same report, two tabulate formats."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from tabulate import tabulate
from wcwidth import wcswidth, wrap   # wrap: by display width, a Chinese character is two columns

from ..assessors import disagreement_lines, disagreement_note
from ..contracts.i18n import N_, _, ngettext
from ..contracts.writers import Writer
from . import item_reasons, lost_points, stars_text, summary
from ..contracts.values import fmt
from ..engine import round2


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text from submissions made safe for a terminal: control characters (escape
    sequences, carriage returns, bidi overrides) become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def _cell(text: Any, markdown: bool) -> Any:
    if isinstance(text, str):
        text = printable(text)
    if markdown and isinstance(text, str):
        return text.replace("|", "\\|").replace("\n", " ")
    return text


#: never left out to fit a terminal
FIXED_COLUMNS = ("rank", "stars", "earned", "unit", "name", "total", "cycle_total")
#: what ``--columns`` may name besides the category ids
COLUMN_KEYS = ("rank", "stars", "earned", "unit", "name", "group", "total", "cycle_total", "base", "bonus", "penalty", "note")


@dataclass
class Column:
    """One column of the evaluate table: its key (for ``--columns``), header, alignment and cells."""

    key: str
    header: str
    align: str
    values: list[str]


class TextWriter(Writer):
    tablefmt = "simple"
    markdown = False
    needs_reasons = False

    def _table(self, rows, headers, **kw) -> str:
        rows = [[_cell(c, self.markdown) for c in row] for row in rows]
        text = tabulate(rows, headers=headers, tablefmt=self.tablefmt, disable_numparse=True, **kw)
        return text if self.markdown else pad_lines(text)

    def _title(self, text: str) -> str:
        return f"## {text}" if self.markdown else text

    #: the display width to fit the evaluate table into (a terminal's), ``None``: as wide as it takes
    width: Optional[int] = None
    #: the column keys to show (``--columns``), ``None``: all that fit
    columns: Optional[list[str]] = None

    def evaluation(self, ev) -> str:
        scheme = ev.scheme
        cols = self._columns(ev)
        s = summary(ev)
        chosen, dropped = self._choose(cols)
        headers = [c.header for c in chosen]
        rows = [list(r) for r in zip(*(c.values for c in chosen))] if chosen else []
        table = self._table(rows, headers, colalign=[c.align for c in chosen], maxcolwidths=self._wraps(chosen, rows))
        lines = [self._title(f"{scheme.title} ({scheme.id} {scheme.version})"), "", table, "", summary_line(s)]
        if dropped:
            lines.extend(wrap(ngettext("{n} column not shown to fit {width} columns: {names}; --columns chooses, "
                                  "-f csv has every figure",
                                  "{n} columns not shown to fit {width} columns: {names}; --columns chooses, "
                                  "-f csv has every figure", len(dropped)).format(
                                      n=len(dropped), width=self.width, names=", ".join(c.key for c in dropped)),
                width=self.width or 80))
        return self._finish("\n".join(lines))

    def _columns(self, ev) -> list["Column"]:
        """Every column of the evaluate table, in order, with its values in listing order."""
        scheme = ev.scheme
        order = ev.order
        hist = ev.history is not None
        cols = [Column("rank", _("rank"), "right", [str(ev.rank[i]) if ev.rank[i] is not None else "—" for i in order]),
                Column("stars", _("stars"), "left", [_("vetoed") if ev.vetoes[i] else stars_text(ev.stars[i], scheme.max_stars)
                                                  + (f" {ev.label(i)}" if ev.label(i) else "") for i in order])]
        if hist:
            cols.append(Column("earned", _("earned"), "left", [stars_text(ev.earned_stars[i], scheme.max_stars) for i in order]))
        cols += [Column("unit", _("unit"), "left", [ev.units[i].id for i in order]),
                 Column("name", _("name"), "left", [ev.units[i].name for i in order]),
                 Column("group", _("group"), "left", [ev.units[i].group or "" for i in order]),
                 Column("total", _("total"), "right", [f"{ev.total[i]:.2f}" for i in order])]
        if hist and ev.cycle_total is not None:
            cols.append(Column("cycle_total", _("cycle total"), "right", [f"{ev.cycle_total[i]:.2f}" for i in order]))
        for key, header, column in (("base", _("base"), ev.base), ("bonus", _("bonus"), ev.bonus),
                                    ("penalty", _("penalty"), ev.penalty)):
            cols.append(Column(key, header, "right", [f"{round2(column[i]):.2f}" for i in order]))
        for c in scheme.categories:
            header = f"{c.title}({fmt(c.points)})" if self.width is None else wrap_title(c.title, 8) + f"\n({fmt(c.points)})"
            cols.append(Column(c.id, header, "right", [f"{round2(ev.categories[c.id][i]):.2f}" for i in order]))
        cols.append(Column("note", _("note"), "left", ["; ".join(self._notes(ev, i, hist)) for i in order]))
        return cols

    @staticmethod
    def _notes(ev, i: int, hist: bool) -> list[str]:
        u = ev.units[i]
        notes = []
        if ev.vetoes[i]:
            notes.append(_("vetoed: {items}").format(items=_(", ").join(ev.vetoes[i])))
        if not ev.complete[i]:
            notes.append(_("incomplete"))
        if u.extra.get("disagreements"):
            notes.append(disagreement_note(u.extra["disagreements"]))
        if hist:
            notes.extend(ev.history_reasons.get(i, ()))
        if ev.na_points[i] > 0:
            notes.append(ngettext("not applicable: {points} point (base rescaled)", "not applicable: {points} points (base rescaled)",
                                  plural_n(ev.na_points[i])).format(points=fmt(ev.na_points[i])))
        return notes

    def _choose(self, cols: list["Column"]) -> tuple[list["Column"], list["Column"]]:
        """The columns to show and those left out: ``--columns`` as given; else, on a
        terminal, penalty, bonus, base and group, then categories from the right, then
        the note (wrapped first) are left out until the table fits (an empty note column too)."""
        if self.columns:
            by_key = {c.key: c for c in cols}
            return [by_key[k] for k in self.columns if k in by_key], []
        if self.width is None or self.markdown:
            return cols, []
        if all(not v for v in cols[-1].values):   # on a terminal an empty note column takes no room
            cols = cols[:-1]
        keys = {c.key for c in cols}
        droppable: list[str] = [k for k in ("penalty", "bonus", "base", "group") if k in keys]   # the total says most of it
        droppable += [c.key for c in reversed(cols) if c.key not in FIXED_COLUMNS and c.key not in COLUMN_KEYS]
        droppable += [k for k in ("note",) if k in keys]
        shown, dropped = list(cols), []
        while droppable and self._fits(shown) is False:
            key = droppable.pop(0)
            dropped.append(next(c for c in shown if c.key == key))
            shown = [c for c in shown if c.key != key]
        return shown, sorted(dropped, key=cols.index)

    def _fits(self, cols: list["Column"]) -> bool:
        rows = [list(r) for r in zip(*(c.values for c in cols))]
        text = tabulate(rows, headers=[c.header for c in cols], tablefmt=self.tablefmt, disable_numparse=True,
                        maxcolwidths=self._wraps(cols, rows, everything=False))
        return _width(text) <= (self.width or 0)

    def _wraps(self, cols: list["Column"], rows: list[list[str]], everything: bool = True) -> list[Optional[int]]:
        """On a terminal the columns that wrap and at what width: the note at what
        is left of the width (at least 16); with ``everything``, when even the
        fewest columns do not fit, the names and the stars' level labels too
        (so 80 columns hold rank, stars, unit, name and total)."""
        if self.width is None or self.markdown:
            return [None] * len(cols)
        widths = {c.key: max([wcswidth(c.header)] + [wcswidth(v) for v in c.values]) for c in cols}
        wraps: dict[str, int] = {}
        if "note" in widths:
            wraps["note"] = max(16, self.width - sum(w + 2 for k, w in widths.items() if k != "note") - 2)
        if everything and self.columns is None and not self._fits(cols):
            room = self.width - sum(w + 2 for k, w in widths.items() if k not in ("name", "stars", "note")) \
                - (wraps.get("note", 0) + 2 if "note" in widths else 0) - 4
            if "stars" in widths and "name" in widths:
                wraps["stars"] = max(6, min(widths["stars"], room // 2))
                wraps["name"] = max(8, room - wraps["stars"])
            elif "name" in widths:
                wraps["name"] = max(8, room)
        return [wraps.get(c.key) for c in cols]

    def check(self, doc) -> str:
        r = doc["result"]
        crit = doc["criteria"]
        titles = {it["id"]: it for it in crit["items"]}
        max_stars = max((lv["stars"] for lv in crit["levels"]), default=0)
        u = r["unit"]
        out = [self._title(f"{u['name']} ({u['id']}) — {doc['scheme']['title']}"), ""]
        alone = bool(doc.get("relative")) and r["stars"] is None and not r["vetoed"]
        stars, rank_line = stars_said(doc, max_stars)
        out.append(_("total {total} = base {base} + bonus {bonus} − penalty {penalty}; {stars}").format(stars=stars, **{
            k: f"{r[k]:.2f}" for k in ("total", "base", "bonus", "penalty")}))
        if r["vetoed"]:
            out.append(_("VETOED by: {items}").format(items="; ".join(f"{v} {_veto_title(crit, v)}" for v in r["vetoes"])))
        if not r["complete"]:
            out.append(_("INCOMPLETE: a scorer failed on some items (status error)"))
        if rank_line:
            out.append(rank_line)
        out.append("")
        na = doc.get("na")
        if na:
            if na["nothing_applies"]:
                out.append(_("Nothing applies to this unit: every item is marked not applicable, so its base is 0."))
            elif na["items"]:
                out.append(_("Not applicable: {items}; {points} points left out, base = earned × {full} ÷ "
                             "({full} − {points})").format(items=", ".join(na["items"]), points=fmt(na["points"]),
                                                            full=fmt(crit["full_marks"])))
            out.append("")
        cat_rows = [[c["id"], c["title"], f"{r['categories'][c['id']]:.2f}", f"{c['points']:.2f}",
                     _ratio_text(r["categories"][c["id"]], c, na)] for c in crit["categories"]]
        out += [self._fitted(cat_rows, [_("category"), _("title"), _("score"), _("max"), _("ratio")], wrapping=(1, 4)), ""]
        rows = []
        for item_id, item in r["items"].items():
            meta = titles[item_id]
            sign = "−" if meta["kind"] == "penalty" and item["points"] > 0 else ""
            rows.append([item_id, meta["title"], f"{sign}{item['points']:.2f}", f"{item['max']:.2f}", status_text(item["status"]),
                         _("; ").join(item_reasons(item))])
        out += [self._fitted(rows, [_("item"), _("title"), _("points"), _("max"), _("status"), _("reasons")], wrapping=(1, 4, 5)), ""]
        lost = [d for d in doc["lost"] if d["lost"] > 0 or d["status"] != "ok"]
        if lost:
            out.append(self._title(_("Lost points (rectification list), most recoverable first")))
            out.append("")
            out.append(self._fitted([[d["id"], d["title"], f"{d['lost']:.2f}", status_text(d["status"]), _("; ").join(d["reasons"]),
                                      d["hint"] or ""] for d in lost],
                                    [_("item"), _("title"), _("lost"), _("status"), _("why"), _("hint")], wrapping=(1, 3, 4, 5)))
            out.append("")
        if doc["missing"]:
            keys = {it["id"]: it["input"] for it in crit["items"]}
            keys.update({v["id"]: [v["input"]] for v in crit["vetoes"]})
            kinds = {it["id"]: it.get("kind") for it in crit["items"]}
            out.append(_("Missing inputs: {items}").format(items=_(", ").join(
                (m if keys.get(m, [m]) == [m] else _("{item} (data key {keys})").format(item=m, keys=", ".join(keys[m])))
                + (_(" (no penalty recorded)") if kinds.get(m) == "penalty" else "") for m in doc["missing"])))
        if r.get("assessors"):
            out.append(_("Assessors ({n}, combined by {how}): {names}").format(
                n=len(r["assessors"]), how=r.get("aggregate") or "mean", names=", ".join(r["assessors"])))
            out += ["  " + line for line in disagreement_lines(r.get("disagreements") or {})]
        if doc.get("invalid_vetoes"):
            out.append(_("Unreadable veto answers (give true or false): {items}").format(items=", ".join(doc["invalid_vetoes"])))
        nxt = doc["next_level"]
        if nxt and alone:
            out.append(_("To qualify for {stars} ★: ").format(stars=nxt["stars"]) + needs_text(nxt))
        elif nxt:
            out.append(_("Next star ({stars} ★): ").format(stars=nxt["stars"]) + needs_text(nxt))
        elif alone:
            out.append(_("Qualifies for the top level; the rank decides."))
        elif not r["vetoed"]:
            out.append(_("Top level reached."))
        if doc.get("target_level"):
            out.append(_("Target {stars} ★ needs: ").format(stars=doc["target_level"]["stars"])
                       + needs_text(doc["target_level"]))
        if doc.get("history"):
            out.append(history_line(doc["history"], r))
        if doc["target"] is not None:
            said = _("Target {stars} ★: {met}").format(stars=doc["target"], met=_("met") if doc["target_met"] else _("NOT met"))
            if alone:
                said += _(" (judged on every condition but the rank)")
            out.append(said)
        for warning in doc.get("warnings") or []:
            out.append(_("Warning: {text}").format(text=warning))
        return self._finish("\n".join(self._wrapped(out)))

    def _fitted(self, rows: list[list[str]], headers: list[str], wrapping: tuple[int, ...]) -> str:
        """A table of ``check``: on a terminal, the columns ``wrapping`` (titles, reasons, hints)
        wrap so that it fits the terminal's width; piped or in a file, whole."""
        if self.width is None or self.markdown:
            return self._table(rows, headers)
        rows = [[printable(cell) for cell in row] for row in rows]
        limits = fit_widths(headers, rows, wrapping, self.width)
        rows = [[cell if limit is None or _width(cell) <= limit else "\n".join(wrap(cell, width=limit))
                 for cell, limit in zip(row, limits)] for row in rows]
        return self._table(rows, headers)

    def _wrapped(self, lines: list[str]) -> list[str]:
        """On a terminal, sentences longer than its width wrap by display width, between words
        where there are some (a Chinese character takes two columns); tables (the entries of
        several lines) are already fitted."""
        if self.width is None or self.markdown:
            return lines
        out: list[str] = []
        for line in lines:
            out.extend(wrap(line, width=self.width) if "\n" not in line and _width(line) > self.width else [line])
        return out

    def _finish(self, text: str) -> str:
        """The report as printed: no control characters; in Markdown, no live
        HTML either (a unit named ``<script>`` shows as text)."""
        text = printable(text)
        if self.markdown:
            text = html.escape(text, quote=False)
        return text + "\n"


def stars_said(doc: dict, max_stars: int) -> tuple[str, Optional[str]]:
    """``check``'s stars, and for a rating by rank (``doc["relative"]``) a line on
    the rank: what a unit rated alone qualifies for, or its rank among the others."""
    r, rel = doc["result"], doc.get("relative")
    line = None
    if r["vetoed"]:
        stars = _("vetoed (0 ★, no rank)")
    elif rel is not None and r["stars"] is None:   # rated alone: the rank among the units rated decides
        stars = _("stars decided by rank ({method})").format(method=rel["method"])
        line = _("Rated by rank ({method}): the total qualifies for up to {n} ★ ({stars}); the rank among "
                 "the units rated decides. Rank it among the committee's submissions with --with DIR|FILE.").format(
            method=rel["method"], stars=stars_text(rel["qualifies_for"], max_stars), n=rel["qualifies_for"])
    else:
        stars = f"{stars_text(r['stars'], max_stars)} ({r['stars']} ★)"
        if rel is not None and r.get("rank") is not None:
            line = _("Rank {rank} of the {n} units ranked ({method})").format(rank=r["rank"], n=rel["ranked"],
                                                                           method=rel["method"])
    if r.get("label"):
        stars += f" {r['label']}"
    return stars, line


#: the item statuses as a person reads them (the status ids stay in JSON and CSV)
STATUS_TEXT = {"ok": N_("ok"), "missing": N_("missing"), "invalid": N_("invalid"), "error": N_("scorer error"),
               "na": N_("not applicable")}


def status_text(status: str) -> str:
    return _(STATUS_TEXT[status]) if status in STATUS_TEXT else status


def plural_n(figure: float) -> int:
    """The number ngettext chooses a form by, for a figure that may have decimals
    (English: 1 point, 1.5 points, 2 points)."""
    return 1 if figure == 1 else 2


def summary_line(s: dict) -> str:
    """``13 units: 12 rated, 1 vetoed, 0 incomplete; 0 submission errors``."""
    return _("{units}: {rated} rated, {vetoed} vetoed, {incomplete} incomplete; {errors}").format(
        units=ngettext("{n} unit", "{n} units", s["units"]).format(n=s["units"]),
        rated=s["rated"], vetoed=s["vetoed"], incomplete=s["incomplete"],
        errors=ngettext("{n} submission error", "{n} submission errors", s["errors"]).format(n=s["errors"]))


def history_line(h: dict, r: dict) -> str:
    """``check --history``: what the unit's history allows this period (SPEC §8)."""
    if h.get("previous_stars") is None:
        said = _("History: no earlier record")
    else:
        said = _("History: last period ({period}) {stars} ★").format(period=h.get("previous_period") or "?",
                                                                     stars=h["previous_stars"])
    if h.get("banned_by"):
        said += _(", 0 ★ this period (vetoed in {period})").format(period=h["banned_by"])
    elif h.get("max_stars") is not None:
        said += _(", at most {n} ★ this period").format(n=h["max_stars"])
    if r.get("earned_stars") is not None and r["earned_stars"] != r["stars"]:
        said += _("; earned {earned} ★, awarded {stars} ★").format(earned=r["earned_stars"], stars=r["stars"])
    return said


def needs_text(nxt: dict) -> str:
    """What a level needs, in plain words: points, category floors, gates (``min_ratios``) and caps."""
    need = [ngettext("{points} more point (total ≥ {min})", "{points} more points (total ≥ {min})",
                     plural_n(nxt["points_needed"])).format(points=fmt(nxt["points_needed"]), min=fmt(nxt["min_score"]))] \
        if nxt["points_needed"] > 0 else []
    need += [ngettext("{title} ({id}) {points} more point to reach {ratio}", "{title} ({id}) {points} more points to reach {ratio}",
                      plural_n(c["points_needed"])).format(
        title=c["title"], id=c["id"], points=fmt(c["points_needed"]), ratio=f"{c['min_ratio']:.0%}")
        for c in nxt["categories_below"]]
    need += [gate_text(g) for g in nxt.get("gates") or []]
    need += [cap_text(c) for c in nxt.get("caps") or []]
    if nxt.get("note"):
        need.append(nxt["note"])
    return "; ".join(need) if need else _("reached by the score; see the note")


def gate_text(gate: dict) -> str:
    """A ``min_ratios`` floor the unit misses (SPEC §7.3)."""
    if gate["min_ratio"] >= 1:
        return ngettext("{title} ({id}) needs full marks ({points} more point)", "{title} ({id}) needs full marks ({points} more points)",
                        plural_n(gate["points_needed"])).format(title=gate["title"], id=gate["id"], points=fmt(gate["points_needed"]))
    return ngettext("{title} ({id}) needs {floor} of its points, now {ratio} ({points} more point)",
                    "{title} ({id}) needs {floor} of its points, now {ratio} ({points} more points)",
                    plural_n(gate["points_needed"])).format(
        title=gate["title"], id=gate["id"], floor=percent(gate["min_ratio"]), ratio=percent(gate["ratio"]),
        points=fmt(gate["points_needed"]))


def cap_text(cap: dict) -> str:
    """A cap that holds the unit below the level (SPEC §7.3)."""
    return ngettext("at most {max} ★ while {title} ({id}) is below {floor}: now {ratio}, {points} more point lifts the cap",
                    "at most {max} ★ while {title} ({id}) is below {floor}: now {ratio}, {points} more points lift the cap",
                    plural_n(cap["points_needed"])).format(
        max=cap["max_stars"], title=cap["title"], id=cap["id"], floor=percent(cap["min_ratio"]),
        ratio=percent(cap["ratio"]), points=fmt(cap["points_needed"]))


def percent(ratio: float) -> str:
    """0.6 → 60%, 0.8823 → 88.2%: at most one decimal."""
    return f"{ratio * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _ratio_text(score: float, cat: dict, na: Any) -> str:
    """A category's ratio over the points that apply to the unit; "—" when none does (SPEC §7.1)."""
    if not na:
        return f"{score / cat['points']:.0%}"
    ratio = na["ratios"].get(cat["id"])
    if ratio is None:
        return "— (" + _("not applicable") + ")"
    available = na["available"].get(cat["id"], cat["points"])
    if available == cat["points"]:
        return f"{ratio:.0%}"
    return _("{ratio} (of {points})").format(ratio=f"{ratio:.0%}", points=fmt(available))


#: the narrowest a wrapped column of check's tables gets (a Chinese character is two columns)
LEAST_WRAP = 8


def fit_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], wrapping: Sequence[int], width: int) -> list[Optional[int]]:
    """The widths the columns in ``wrapping`` wrap at for a ``simple`` table of tabulate's to be at
    most ``width`` display columns (two blanks between columns; a column is at least its
    header and two blanks wide): they share what the others leave, each keeping its own
    width when that is less than an equal share, none narrower than its header or
    :data:`LEAST_WRAP` (the table is then wider than ``width``). All None when the table
    fits as it is."""
    least = [_width(str(h)) + 2 for h in headers]
    natural = [max(least[i], *(_width(str(row[i])) for row in rows)) for i in range(len(headers))]
    if sum(natural) + 2 * (len(natural) - 1) <= width:
        return [None] * len(natural)
    room = width - sum(w for i, w in enumerate(natural) if i not in wrapping) - 2 * (len(natural) - 1)
    left = sorted(wrapping, key=lambda i: natural[i])
    out: dict[int, int] = {}
    while left:
        share = room // len(left)
        if natural[left[0]] <= share:   # narrower than an equal share: as wide as it is
            out[left[0]] = natural[left[0]]
        else:
            floors = [i for i in left if max(least[i], LEAST_WRAP) > share]
            if not floors:   # the rest split what is left
                for k, i in enumerate(left):
                    out[i] = share + (1 if k < room % len(left) else 0)
                break
            out[floors[0]] = max(least[floors[0]], LEAST_WRAP)
            left.remove(floors[0])
            room -= out[floors[0]]
            continue
        room -= out[left.pop(0)]
    return [out.get(i) for i in range(len(natural))]


def _width(cell: str) -> int:
    """The display width of a cell's widest line."""
    return max((wcswidth(line) for line in cell.split("\n")), default=0)


def wrap_title(text: str, width: int) -> str:
    """A header broken into lines of at most ``width`` display columns (a Chinese
    character counts two), so a long category title takes a narrow column."""
    lines, line, used = [], "", 0
    for ch in text:
        w = max(wcswidth(ch), 1)
        if line and used + w > width:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    return "\n".join(lines + [line])


def pad_lines(text: str) -> str:
    """Pad a plain-text table's lines to one display width (tabulate strips trailing
    blanks), so every line of it is as wide as the widest, Chinese counted double."""

    lines = text.split("\n")
    widths = [max(wcswidth(line), len(line) if wcswidth(line) < 0 else 0) for line in lines]
    width = max(widths, default=0)
    return "\n".join(line + " " * (width - w) for line, w in zip(lines, widths))


def _veto_title(crit: dict, vid: str) -> str:
    return next((v["title"] for v in crit["vetoes"] if v["id"] == vid), "")


class TableWriter(TextWriter):
    name = "table"
    description = "aligned plain-text tables (Chinese aligned by display width)"


class MarkdownWriter(TextWriter):
    name = "markdown"
    description = "GitHub-flavoured Markdown tables"
    tablefmt = "github"
    markdown = True


__all__ = ["TableWriter", "MarkdownWriter", "lost_points"]
