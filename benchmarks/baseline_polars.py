"""The floor of issue 15's comparison: baseline_pandas.py's arithmetic with
polars (multithreaded Rust; benchmarks/requirements.txt).

    python benchmarks/baseline_polars.py SCHEME.toml UNITS.csv|UNITS.xlsx OUT.csv

CSV is read with every column as text and cast where a number is needed
(the data has "abc" in any column); XLSX with read_excel's calamine engine
(fastexcel). Same rules, same output as baseline_pandas.py: rank, stars,
unit id, total.
"""
from __future__ import annotations

import sys
import tomllib

import polars as pl

TRUE = ["true", "yes", "是", "1", "y", "t", "on", "对", "有", "1.0"]
FALSE = ["false", "no", "否", "0", "n", "f", "off", "错", "无", "0.0"]
FORMULAS = {  # the benchmark scheme's formula, written out by hand
    "volunteer_hours / staff_count / 8": lambda e: e["volunteer_hours"] / e["staff_count"] / 8,
}


def text(key: str) -> pl.Expr:
    return pl.col(key).cast(pl.String).str.strip_chars().fill_null("")


def number(key: str) -> pl.Expr:
    x = pl.col(key).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    return pl.when(x.is_finite()).then(x)


def half_up(x: pl.Expr) -> pl.Expr:
    return ((x.round(9) * 100).round(6) + 0.5).floor() / 100


def points(leaf: dict, key: str) -> pl.Expr:
    p, pts, kind = leaf.get("params", {}), float(leaf["points"]), leaf["scorer"]
    if kind == "ratio":
        a, b = number(p["numerator"]), number(p["denominator"])
        z = p.get("zero_at", 0)
        frac = ((a / b - z) / (p["full_at"] - z)).clip(0, 1)
        return pl.when((a >= 0) & (b > 0)).then(frac * pts).otherwise(0.0)
    if kind == "formula":
        env = {name: number(name) for name in ("volunteer_hours", "staff_count")}
        return FORMULAS[p["expr"]](env).clip(0, pts).fill_null(0.0).fill_nan(0.0)
    if kind == "boolean":
        words = TRUE if p.get("expect", True) else FALSE
        return text(key).str.to_lowercase().is_in(words).cast(pl.Float64) * pts
    if kind == "checklist":
        entries = pl.lit(";") + text(key).str.replace_all(" ", "", literal=True) + pl.lit(";")
        have = {i: entries.str.contains(f";{i};", literal=True) for i in p["items"]}
        frac = pl.sum_horizontal([h.cast(pl.Float64) for h in have.values()]) / len(have)
        for req in p.get("required", []):
            frac = pl.when(have[req]).then(frac).otherwise(0.0)
        return frac * pts
    if kind == "grade":
        scale = {k.upper(): v for k, v in p.get("scale", {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.0}).items()}
        return text(key).str.to_uppercase().replace_strict(scale, default=0.0, return_dtype=pl.Float64) * pts
    x = number(key)
    if kind == "linear":
        z, f = p["zero_at"], p["full_at"]
        return (((x - z) / (f - z)).clip(0, 1) * pts).fill_null(0.0)
    if kind == "bands":
        higher = p.get("better", "higher") == "higher"
        expr = pl.lit(0.0)
        for t, f in sorted(p["bands"], reverse=not higher):  # the last condition written wins
            expr = pl.when(x >= t if higher else x <= t).then(pl.lit(float(f))).otherwise(expr)
        return expr * pts
    if kind == "deduct":
        return pl.when(x >= 0).then((pts - p["per"] * x).clip(lower_bound=0)).otherwise(0.0)
    if kind == "manual":
        return pl.when((x >= 0) & (x <= pts)).then(x).otherwise(0.0)
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
        df = pl.read_excel(units_path, engine="calamine")
    else:
        df = pl.read_csv(units_path, infer_schema=False)

    cats = {}
    for cat, node in scheme["criteria"].items():
        cats[f"cat.{cat}"] = pl.sum_horizontal([points(leaf, leaf.get("input", lid)) for lid, leaf in leaves(node, cat)])
    extra = {}
    for kind in ("bonus", "penalty"):
        items = {k: v for k, v in scheme.get(kind, {}).items() if isinstance(v, dict)}
        s = pl.sum_horizontal([points(leaf, leaf.get("input", f"{kind}.{k}")) for k, leaf in items.items()])
        extra[kind] = s.clip(upper_bound=scheme[kind].get("cap", float("inf")))
    veto = pl.lit(False)
    for vid, v in scheme.get("veto", {}).items():
        key = v.get("input", f"veto.{vid}")
        if key in df.columns:
            veto = veto | text(key).str.to_lowercase().is_in(TRUE)

    rating = scheme["rating"]
    if rating.get("method", "thresholds") != "thresholds":
        raise SystemExit("only the thresholds rating is in this script")
    df = df.select(pl.col("unit.id"), veto.alias("vetoed"), **cats, **extra)
    base = pl.sum_horizontal(pl.col(c) for c in cats)
    df = df.with_columns(total=half_up((base + pl.col("bonus") - pl.col("penalty")).clip(lower_bound=0)))
    stars = pl.lit(0)
    for level in sorted(rating["levels"], key=lambda lv: lv["stars"]):
        ok = pl.col("total") >= level["min_score"]
        floor = level.get("min_category_ratio")
        if floor is not None:
            for cat in scheme["criteria"]:
                ok = ok & (pl.col(f"cat.{cat}") / scheme["criteria"][cat]["points"] >= floor - 1e-9)
        stars = pl.when(ok).then(pl.lit(level["stars"])).otherwise(stars)
    tb = [f"cat.{c}" for c in rating.get("tie_break", [])]
    df = df.with_columns(pl.when(pl.col("vetoed")).then(0).otherwise(stars).alias("stars"),
                         *(half_up(pl.col(c)).alias(c) for c in tb))

    keys = ["total"] + tb
    ranked = df.filter(~pl.col("vetoed")).sort(keys + ["unit.id"], descending=[True] * len(keys) + [False])
    new = pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in keys]).fill_null(True)
    ranked = ranked.with_columns(
        pl.when(new).then(pl.int_range(1, pl.len() + 1)).otherwise(None).forward_fill().alias("rank"))
    rest = df.filter(pl.col("vetoed")).sort("unit.id").with_columns(pl.lit(None, pl.Int64).alias("rank"))
    cols = ["rank", "stars", "unit.id", "total"]
    out = pl.concat([ranked.select(cols), rest.select(cols)], how="vertical_relaxed")
    out.write_csv(out_path, float_precision=2)


if __name__ == "__main__":
    main(*sys.argv[1:4])
