"""The pandas script a committee analyst would write, for issue 15's
comparison (benchmarks/run.py): read the units, compute every item's points,
the totals with the bonus and penalty caps, vetoes, stars and ranks, write
rank, stars, unit id and total.

    python benchmarks/baseline_pandas.py SCHEME.toml UNITS.csv|UNITS.xlsx OUT.csv

CSV is read with pandas' pyarrow engine, XLSX with read_excel's calamine
engine (benchmarks/requirements.txt). The scheme's rules (SPEC §2 and §3)
are written out again with pandas, independently of civscore's code: the
scorers that the benchmark scheme uses, its one formula by hand, the
thresholds rating with min_category_ratio, ranks 1, 2, 2, 4 with the
tie_break categories. No reasons, no statuses, no validation: the arithmetic
an analyst needs for the ranking table. Values are read the way the
benchmark's data is written (benchmarks/generate.py): no full-width digits,
no thousands separators, no percentages.
"""
from __future__ import annotations

import sys
import tomllib

import numpy as np
import pandas as pd

TRUE = ["true", "yes", "是", "1", "y", "t", "on", "对", "有", "1.0"]
FALSE = ["false", "no", "否", "0", "n", "f", "off", "错", "无", "0.0"]
FORMULAS = {  # the benchmark scheme's formula, written out by hand
    "volunteer_hours / staff_count / 8": lambda e: e["volunteer_hours"] / e["staff_count"] / 8,
}


def text(col: pd.Series) -> pd.Series:
    """Trimmed text; numbers as their shortest text ("1.0" → "1")."""
    if col.dtype.kind in "fi":
        return col.map(lambda v: "" if pd.isna(v) else f"{v:g}", na_action=None)
    return col.astype("str").str.strip().fillna("")


def number(col: pd.Series) -> pd.Series:
    """Numbers; NaN for empty or unreadable cells (both score 0 here)."""
    x = pd.to_numeric(col, errors="coerce") if col.dtype.kind not in "fi" else col.astype(float)
    return x.where(np.isfinite(x))


def half_up(x: pd.Series) -> pd.Series:
    """Round to 2 decimals, half up on the printed decimal value (SPEC §2)."""
    return np.floor(np.round(np.round(x, 9) * 100, 6) + 0.5) / 100


def points(leaf: dict, key: str, df: pd.DataFrame) -> pd.Series:
    p, pts, kind = leaf.get("params", {}), float(leaf["points"]), leaf["scorer"]
    if kind == "ratio":
        a, b = number(df[p["numerator"]]), number(df[p["denominator"]])
        frac = ((a / b) - p.get("zero_at", 0)) / (p["full_at"] - p.get("zero_at", 0))
        return (frac.clip(0, 1) * pts).where((a >= 0) & (b > 0), 0.0)
    if kind == "formula":
        env = {name: number(df[name]) for name in ("volunteer_hours", "staff_count")}
        return FORMULAS[p["expr"]](env).clip(0, pts).fillna(0.0)
    col = df[key]
    if kind == "boolean":
        words = TRUE if p.get("expect", True) else FALSE
        return text(col).str.lower().isin(words) * pts
    if kind == "checklist":
        entries = ";" + text(col).str.replace(" ", "") + ";"
        have = pd.concat({i: entries.str.contains(f";{i};", regex=False) for i in p["items"]}, axis=1)
        frac = have.mean(axis=1)
        for req in p.get("required", []):
            frac = frac.where(have[req], 0.0)
        return frac * pts
    if kind == "grade":
        scale = {k.upper(): v for k, v in p.get("scale", {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.0}).items()}
        return text(col).str.upper().map(scale).fillna(0.0) * pts
    x = number(col)
    if kind == "linear":
        z, f = p["zero_at"], p["full_at"]
        return (((x - z) / (f - z)).clip(0, 1) * pts).fillna(0.0)
    if kind == "bands":
        bands = sorted(p["bands"], reverse=p.get("better", "higher") == "higher")
        if p.get("better", "higher") == "higher":
            conds = [x >= t for t, _ in bands]
        else:
            conds = [x <= t for t, _ in bands]
        return pd.Series(np.select(conds, [f for _, f in bands], 0.0), index=df.index) * pts
    if kind == "deduct":
        return (pts - p["per"] * x).clip(lower=0).where(x >= 0, 0.0)
    if kind == "manual":
        return x.where((x >= 0) & (x <= pts), 0.0)
    raise SystemExit(f"scorer {kind} is not in this script")


def leaves(node: dict, path: str):
    kids = {k: v for k, v in node.items() if isinstance(v, dict) and k != "params"}
    if not kids:
        yield path, node
    for k, v in kids.items():
        yield from leaves(v, f"{path}.{k}")


def main(scheme_path: str, units_path: str, out_path: str) -> None:
    with open(scheme_path, "rb") as fh:
        scheme = tomllib.load(fh)
    if units_path.lower().endswith((".xlsx", ".xls", ".ods")):
        df = pd.read_excel(units_path, engine="calamine", dtype={"unit.id": str})
    else:
        df = pd.read_csv(units_path, engine="pyarrow", encoding="utf-8")

    out = pd.DataFrame({"unit.id": df["unit.id"]})
    categories = {}
    base = pd.Series(0.0, index=df.index)
    for cat, node in scheme["criteria"].items():
        score = pd.Series(0.0, index=df.index)
        for lid, leaf in leaves(node, cat):
            score += points(leaf, leaf.get("input", lid), df)
        categories[cat] = score
        base += score
    extra = {}
    for kind in ("bonus", "penalty"):
        items = {k: v for k, v in scheme.get(kind, {}).items() if isinstance(v, dict)}
        s = sum((points(leaf, leaf.get("input", f"{kind}.{k}"), df) for k, leaf in items.items()),
                pd.Series(0.0, index=df.index))
        extra[kind] = s.clip(upper=scheme[kind].get("cap", np.inf))
    out["total"] = half_up((base + extra["bonus"] - extra["penalty"]).clip(lower=0))

    vetoed = pd.Series(False, index=df.index)
    for vid, veto in scheme.get("veto", {}).items():
        key = veto.get("input", f"veto.{vid}")
        if key in df:
            vetoed |= text(df[key]).str.lower().isin(TRUE)

    rating = scheme["rating"]
    if rating.get("method", "thresholds") != "thresholds":
        raise SystemExit("only the thresholds rating is in this script")
    out["stars"] = 0
    for level in sorted(rating["levels"], key=lambda lv: lv["stars"]):
        ok = out["total"] >= level["min_score"]
        floor = level.get("min_category_ratio")
        if floor is not None:
            for cat, score in categories.items():
                ok &= score / scheme["criteria"][cat]["points"] >= floor - 1e-9
        out.loc[ok, "stars"] = level["stars"]
    out.loc[vetoed, "stars"] = 0

    # ranks: total, then the tie_break categories (rounded), descending; ties share a rank
    keys = ["total"] + [f"tb.{c}" for c in rating.get("tie_break", [])]
    for c in rating.get("tie_break", []):
        out[f"tb.{c}"] = half_up(categories[c])
    ranked = out[~vetoed].sort_values(keys + ["unit.id"], ascending=[False] * len(keys) + [True])
    new = (ranked[keys] != ranked[keys].shift()).any(axis=1)
    pos = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index)
    ranked["rank"] = pos.where(new).ffill().astype("int64")
    result = pd.concat([ranked, out[vetoed].sort_values("unit.id")])
    result["rank"] = result["rank"].astype("Int64")
    result[["rank", "stars", "unit.id", "total"]].to_csv(out_path, index=False, float_format="%.2f")


if __name__ == "__main__":
    main(*sys.argv[1:4])
