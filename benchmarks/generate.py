"""Generate N synthetic unit submissions for a scheme, as one CSV or XLSX.

    python benchmarks/generate.py tests/fixtures/civilized-unit-v1/civilized-unit.toml 100000 benchmarks/data/units-100k.csv
    python benchmarks/generate.py tests/fixtures/civilized-unit-v1/civilized-unit.toml 100000 benchmarks/data/units-100k.xlsx

An output path ending in .xlsx is written with XlsxWriter (a benchmark-only
dependency, benchmarks/requirements.txt) in constant-memory mode, one sheet,
cells that read as numbers stored as numbers, as a committee's workbook has
them; the same seed gives the same values as the CSV.

Values follow each indicator's scorer (grades from its scale, checklist
entries from its items, numbers around its thresholds), with about 1% empty
cells (missing) and 0.2% unreadable ones (invalid), so the benchmark
exercises every path of the engine. Deterministic for a given --seed.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys

import civscore


def generators(scheme, rng: random.Random):
    gens: dict[str, object] = {}

    def number(lo, hi, digits=1):
        return lambda: f"{rng.uniform(lo, hi):.{digits}f}"

    for leaf in scheme.items:
        p, kind = leaf.params, leaf.scorer
        if kind == "boolean":
            gens[leaf.input] = lambda: rng.choice(("是", "否", "true", "false", "是"))
        elif kind == "checklist":
            items = list(p.items)
            gens[leaf.input] = lambda items=items: ";".join(i for i in items if rng.random() < 0.8)
        elif kind == "linear":
            lo, hi = sorted((p.zero_at, p.full_at))
            span = hi - lo
            gens[leaf.input] = number(lo - 0.1 * span, hi + 0.1 * span)
        elif kind == "bands":
            ts = [t for t, _ in p.bands]
            span = (max(ts) - min(ts)) or 1
            gens[leaf.input] = number(min(ts) - 0.2 * span, max(ts) + 0.2 * span)
        elif kind == "deduct":
            gens[leaf.input] = lambda: str(rng.choice((0, 0, 0, 1, 1, 2, 3, 5)))
        elif kind == "grade":
            grades = list(p.scale)
            gens[leaf.input] = lambda grades=grades: rng.choice(grades)
        elif kind == "manual":
            gens[leaf.input] = number(0, leaf.points)
        elif kind == "ratio":
            gens.setdefault(p.denominator, lambda: str(rng.randint(20, 500)))
            gens.setdefault(p.numerator, lambda: str(rng.randint(0, 120)))
        else:  # formula and plugin scorers: numbers for every input they read
            for key in leaf.input_keys:
                gens.setdefault(key, lambda: str(rng.randint(20, 5000)))
    for veto in scheme.vetoes:
        gens[veto.input] = lambda: "是" if rng.random() < 0.005 else "否"
    return gens


def write_xlsx(path: str, header: list[str], rows) -> None:
    """One sheet; empty cells left empty; numbers as numbers (XlsxWriter's
    strings_to_numbers turns "12.5" into a number cell, "abc" stays text)."""
    import xlsxwriter  # benchmark-only dependency

    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": True})
    ws = wb.add_worksheet("units")
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value != "":
                ws.write(r, c, value)
    wb.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("criteria")
    ap.add_argument("n", type=int)
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=20251125)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    scheme = civscore.load(args.criteria)
    gens = generators(scheme, rng)
    keys = list(gens)
    groups = ("机关", "企业", "事业单位", "社区")
    header = ["unit.id", "unit.name", "unit.group"] + keys

    def rows():
        for n in range(args.n):
            row = [f"u{n:07d}", f"单位{n}", groups[n % 4]]
            for key in keys:
                r = rng.random()
                row.append("" if r < 0.01 else "abc" if r < 0.012 else gens[key]())
            yield row

    if args.output.lower().endswith(".xlsx"):
        write_xlsx(args.output, header, rows())
    else:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows())
    print(f"wrote {args.n} units, {len(keys)} inputs each, to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
