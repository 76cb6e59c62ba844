"""A hand-written NumPy script that computes the same totals as civscore,
for the time comparison of benchmarks/run.py (issue 4: civscore must take no
more than 3x its time).

    python benchmarks/baseline_numpy.py SCHEME.toml UNITS.csv OUT.csv

It reads the CSV with the csv module into columns, scores each indicator
with NumPy (the nine built-in scorers' rules of SPEC §2 written out again,
independently of civscore's code), and writes unit id, total, stars. No
reasons, no validation messages, no ranking groups: the bare arithmetic.
"""
from __future__ import annotations

import ast
import csv
import sys
import tomllib

import numpy as np

TRUE = {"true", "yes", "是", "1", "y", "t", "on", "对", "有"}
FALSE = {"false", "no", "否", "0", "n", "f", "off", "无"}


def num(col):
    """(values, ok, missing) of a numeric column."""
    out = np.zeros(len(col))
    ok = np.zeros(len(col), bool)
    miss = np.zeros(len(col), bool)
    cache = {}
    for i, v in enumerate(col):
        r = cache.get(v)
        if r is None:
            s = v.strip()
            if not s:
                r = (0.0, False, True)
            else:
                try:
                    x = float(s.replace(",", ""))
                    r = (x, np.isfinite(x), False)
                except ValueError:
                    r = (0.0, False, False)
            cache[v] = r
        out[i], ok[i], miss[i] = r
    return out, ok, miss


def leaves(scheme):
    def walk(node, cid):
        kids = {k: v for k, v in node.items() if isinstance(v, dict) and k != "params"}
        if kids:
            for k, v in kids.items():
                yield from walk(v, f"{cid}.{k}")
        else:
            yield cid, node
    for cat, node in scheme["criteria"].items():
        for lid, leaf in walk(node, cat):
            yield "criterion", cat, lid, leaf
    for kind in ("bonus", "penalty"):
        for name, leaf in scheme.get(kind, {}).items():
            if isinstance(leaf, dict):
                yield kind, None, f"{kind}.{name}", leaf


# the bundled scheme's formulas, written out by hand
FORMULAS = {
    "volunteer_hours / staff_count / 8": lambda e: e["volunteer_hours"] / e["staff_count"] / 8,
}


def score(leaf, lid, cols):
    p, pts = leaf.get("params", {}), float(leaf["points"])
    kind = leaf["scorer"]
    key = leaf.get("input", lid)
    if kind == "ratio":
        a, oka, _ = num(cols[p["numerator"]])
        b, okb, _ = num(cols[p["denominator"]])
        ok = oka & okb & (a >= 0) & (b > 0)
        r = a / np.where(ok, b, 1)
        z, f = p.get("zero_at", 0), p["full_at"]
        return np.where(ok, np.clip((r - z) / (f - z), 0, 1), 0) * pts
    if kind == "formula":
        names = sorted({n.id for n in ast.walk(ast.parse(p["expr"], mode="eval")) if isinstance(n, ast.Name)})
        env, ok = {}, np.ones(len(next(iter(cols.values()))), bool)
        for n in names:
            env[n], okn, _ = num(cols[n])
            ok &= okn
        with np.errstate(all="ignore"):
            v = FORMULAS[p["expr"]](env)
        ok &= np.isfinite(v)
        return np.where(ok, np.clip(v, 0, pts), 0)
    col = cols.get(key)
    if kind == "boolean":
        expect = p.get("expect", True)
        words = TRUE if expect else FALSE
        return np.array([1.0 if v.strip().lower() in words else 0.0 for v in col]) * pts
    if kind == "checklist":
        items, req = p["items"], set(p.get("required", []))
        def one(v):
            got = {x.strip() for x in v.split(";")}
            if req - got:
                return 0.0
            return sum(i in got for i in items) / len(items)
        cache = {}
        return np.array([cache.setdefault(v, one(v)) if v.strip() else 0.0 for v in col]) * pts
    if kind == "grade":
        scale = p.get("scale", {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.0})
        return np.array([scale.get(v.strip(), 0.0) for v in col]) * pts
    x, ok, _ = num(col)
    if kind == "linear":
        z, f = p["zero_at"], p["full_at"]
        return np.where(ok, np.clip((x - z) / (f - z), 0, 1), 0) * pts
    if kind == "bands":
        bands = sorted(p["bands"])
        t = np.array([b[0] for b in bands])
        fr = np.array([b[1] for b in bands])
        if p.get("better", "higher") == "higher":
            i = np.searchsorted(t, x, side="right") - 1
            f = np.where(i >= 0, fr[np.clip(i, 0, None)], 0)
        else:
            i = np.searchsorted(t, x, side="left")
            f = np.where(i < len(t), fr[np.clip(i, None, len(t) - 1)], 0)
        return np.where(ok, f, 0) * pts
    if kind == "deduct":
        ok &= x >= 0
        return np.where(ok, np.maximum(0, pts - p["per"] * x), 0)
    if kind == "manual":
        ok &= (x >= 0) & (x <= pts)
        return np.where(ok, x, 0)
    raise SystemExit(f"unknown scorer {kind}")


def main(scheme_path, csv_path, out_path):
    with open(scheme_path, "rb") as fh:
        scheme = tomllib.load(fh)
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        cols = dict(zip(header, map(list, zip(*rows))))
    n = len(cols["unit.id"])
    base, bonus, penalty = np.zeros(n), np.zeros(n), np.zeros(n)
    for kind, _, lid, leaf in leaves(scheme):
        pts = score(leaf, lid, cols)
        {"criterion": base, "bonus": bonus, "penalty": penalty}[kind][:] += pts
    bonus = np.minimum(bonus, scheme["bonus"].get("cap", np.inf))
    penalty = np.minimum(penalty, scheme["penalty"].get("cap", np.inf))
    total = np.floor(np.round(np.round(np.maximum(0, base + bonus - penalty), 9) * 100, 6) + 0.5) / 100
    with open(out_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit.id", "total"])
        w.writerows(zip(cols["unit.id"], ("%.2f" % t for t in total.tolist())))


if __name__ == "__main__":
    main(*sys.argv[1:4])
