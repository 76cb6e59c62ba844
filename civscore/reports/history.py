"""``civscore history FILE``: each unit's periods, as SPEC §8 asks (table, json, csv, html)."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Optional

from tabulate import tabulate

from ..contracts.i18n import _
from ..history import History
from . import formula_safe
from .html import render_history
from .text import pad_lines, printable

FORMATS = ("table", "json", "csv", "html")


def history_doc(store: History, unit: Optional[str] = None) -> dict[str, Any]:
    """The history as plain data: the scheme id, the periods with the provenance
    of the run that recorded each, every run (replaced ones too), and each unit
    with its records, oldest period first."""
    runs = store.runs()
    current = {r["period"]: r for r in runs if r["status"] == "current"}
    cat_ids = {p: [c["id"] for c in r["categories"]] for p, r in current.items()}
    units: list[dict[str, Any]] = []
    for rec in store.records(unit):
        if not units or units[-1]["id"] != rec["unit"]:
            units.append({"id": rec["unit"], "name": rec["name"], "records": []})
        units[-1]["name"] = rec["name"]   # the latest name it was recorded under
        rec = {k: v for k, v in rec.items() if k not in ("unit", "name")}
        rec["categories"] = dict(zip(cat_ids.get(rec["period"], []), rec["categories"]))
        units[-1]["records"].append(rec)
    return {"history": {"scheme": store.scheme_id(), "schema": store.conn.execute("PRAGMA user_version").fetchone()[0]},
            "periods": [{"period": p, "run": current[p]["id"], "recorded_at": current[p]["recorded_at"],
                         "scheme_version": current[p]["scheme_version"], "units": current[p]["units"]}
                        for p in store.periods()],
            "runs": runs, "units": units}


def render(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    if fmt == "csv":
        return _csv(doc)
    if fmt == "html":
        return render_history(doc)
    return _table(doc)


def _stars(n: Optional[int]) -> str:
    return "" if n is None else str(n)


def _money(x: Optional[float]) -> str:
    return "" if x is None else f"{x:.2f}"


def _rows(doc: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for u in doc["units"]:
        for r in u["records"]:
            rows.append([u["id"], u["name"], r["period"], _money(r["total"]), _money(r["cycle_total"]),
                         r["earned_stars"], r["stars"], "" if r["rank"] is None else r["rank"],
                         ";".join(r["vetoes"]), "; ".join(r["history"])])
    return rows


def _table(doc: dict[str, Any]) -> str:
    h = doc["history"]
    periods = ", ".join(p["period"] for p in doc["periods"]) or _("none")
    head = [_("History of scheme {scheme}: periods {periods}").format(scheme=h["scheme"] or "—", periods=periods), ""]
    headers = [_("unit"), _("name"), _("period"), _("total"), _("cycle total"), _("earned ★"), _("awarded ★"),
               _("rank"), _("vetoes"), _("history")]
    rows = [[printable(str(c)) for c in row] for row in _rows(doc)]
    table = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True,
                     colalign=["left", "left", "left", "right", "right", "right", "right", "right", "left", "left"])
    return "\n".join(head + [pad_lines(table) if rows else _("(no records)")]) + "\n"


def _csv(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["unit.id", "unit.name", "period", "total", "cycle_total", "earned_stars", "stars", "rank", "vetoes",
                "history"])
    w.writerows([[formula_safe(c) for c in row] for row in _rows(doc)])
    return buf.getvalue()


__all__ = ["FORMATS", "history_doc", "render"]
