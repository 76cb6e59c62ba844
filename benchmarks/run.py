"""Time `civscore evaluate` end to end against the pandas script a committee
analyst would write (baseline_pandas.py) and against polars
(baseline_polars.py, the floor), on the same units, in the same run (issue 15).

    python benchmarks/run.py                                # CSV 10k 100k 1M, XLSX 10k 100k
    python benchmarks/run.py --csv 10000 100000 --xlsx 10000 --runs 5
    python benchmarks/run.py --csv 1000000 --xlsx --runs 2  # no XLSX sizes

Run it in the benchmark environment, not the project's venv: pandas, pyarrow,
polars and the Excel readers are benchmark-only (benchmarks/requirements.txt):

    python3 -m venv /work/benchenv && . /work/benchenv/bin/activate
    pip install -r benchmarks/requirements.txt -e .

Each size and format: generate the units once (benchmarks/data/, reused; XLSX
through XlsxWriter in constant-memory mode), then run the three programs as
child processes, in an order that rotates from round to round, `--runs`
rounds. Every run is measured in a fresh wrapper process (`run.py --measure`)
that starts the program and reads, once it has ended, the wrapper's
getrusage(RUSAGE_CHILDREN): CPU (user + system) and peak RSS of that one
child only, and wall time around it. The table has the medians. Rank, stars
and total of every unit must be equal across the three outputs; the figures
are appended, with the date, to benchmarks/results.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "out"
# the first civilized-unit scheme, kept as a test fixture: every figure in results.md was measured on it
SCHEME = str(HERE.parent / "tests" / "fixtures" / "civilized-unit-v1" / "civilized-unit.toml")
TOOLS = ("civscore", "pandas", "polars")


def measure_child(cmd: list[str]) -> int:
    """Wrapper side: run cmd, print its CPU, wall and peak RSS as JSON."""
    start = time.perf_counter()
    code = subprocess.call(cmd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"code": code, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
                      "rss_mib": ru.ru_maxrss / 1024}))
    return 0


def measure(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", *cmd],
                         check=True, capture_output=True, text=True).stdout
    m = json.loads(out.strip().splitlines()[-1])
    if m["code"] not in (0, 1):  # civscore: 1 when an item has status error or a row is unreadable
        raise SystemExit(f"{' '.join(cmd)} exited {m['code']}")
    m["cpu"] = m["user"] + m["sys"]
    return m


def command(tool: str, scheme_path: str, data: Path, out: Path) -> list[str]:
    if tool == "civscore":
        return [sys.executable, "-m", "civscore", "evaluate", SCHEME, str(data),
                "--format", "csv", "--output", str(out), "--no-progress"]
    return [sys.executable, str(HERE / f"baseline_{tool}.py"), scheme_path, str(data), str(out)]


def results(path: Path) -> dict[str, tuple[str, str, str]]:
    """unit id → (rank, stars, total) of an output CSV."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["unit.id"]: (r["rank"], r["stars"], r["total"]) for r in csv.DictReader(fh)}


def compare(outs: dict[str, Path]) -> str:
    ref = results(outs["civscore"])
    notes = []
    for tool in TOOLS[1:]:
        other = results(outs[tool])
        differ = sum(1 for k, v in ref.items() if other.get(k) != v) + len(other.keys() - ref.keys())
        if differ:
            notes.append(f"{tool}: {differ} differ")
    return "; ".join(notes) or f"all {len(ref):,} equal"


def bench(n: int, fmt: str, runs: int, scheme_path: str) -> str:
    data = DATA / f"units-{n}.{fmt}"
    if not data.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), SCHEME, str(n), str(data)], check=True)
    outs = {tool: OUT / f"{tool}-{n}-{fmt}.csv" for tool in TOOLS}
    got: dict[str, list[dict]] = {tool: [] for tool in TOOLS}
    for r in range(runs):
        order = TOOLS[r % 3:] + TOOLS[:r % 3]
        for tool in order:
            m = measure(command(tool, scheme_path, data, outs[tool]))
            got[tool].append(m)
            print(f"  {n:>9,} {fmt} run {r + 1} {tool:<8} cpu {m['cpu']:6.2f} s  wall {m['wall']:6.2f} s"
                  f"  peak {m['rss_mib']:7,.0f} MiB", file=sys.stderr, flush=True)
    med = {tool: {k: statistics.median(m[k] for m in ms) for k in ("cpu", "wall", "rss_mib")}
           for tool, ms in got.items()}
    cells = [f"{n:,}", fmt.upper(), str(runs)]
    for tool in TOOLS:
        cells += [f"{med[tool]['cpu']:.2f} s", f"{med[tool]['wall']:.2f} s", f"{med[tool]['rss_mib']:,.0f} MiB"]
    c, p = med["civscore"], med["pandas"]
    cells += [f"{c['cpu'] / p['cpu']:.1f}×", f"{c['wall'] / p['wall']:.1f}×", f"{c['rss_mib'] / p['rss_mib']:.1f}×",
              compare(outs)]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        return measure_child(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=int, nargs="*", default=[10_000, 100_000, 1_000_000], metavar="N")
    ap.add_argument("--xlsx", type=int, nargs="*", default=[10_000, 100_000], metavar="N")
    ap.add_argument("--runs", type=int, default=3, help="rounds per size (medians); default 3")
    ap.add_argument("--runs-1m", type=int, default=2, help="rounds at 1M units and more; default 2")
    ap.add_argument("--no-record", action="store_true", help="print the table, leave results.md alone")
    args = ap.parse_args(argv)
    DATA.mkdir(exist_ok=True)
    OUT.mkdir(exist_ok=True)
    scheme_path = SCHEME
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()[0]
    lines = []
    for fmt, sizes in (("csv", args.csv), ("xlsx", args.xlsx)):
        for n in sizes:
            line = bench(n, fmt, args.runs_1m if n >= 1_000_000 else args.runs, scheme_path)
            print(line, flush=True)
            lines.append(line)
    if args.no_record:
        return 0
    import pandas
    import polars
    import pyarrow
    versions = (f"civscore {_civscore_version()} at {_commit()}, pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, "
                f"polars {polars.__version__}")
    load_after, cores = os.getloadavg()[0], os.cpu_count() or 1
    busy = (f": above {cores} on this {cores}-core machine, wall times and, less so, CPU times are inflated by "
            "other work" if max(load_before, load_after) > cores else "")
    with (HERE / "results.md").open("a", encoding="utf-8") as fh:
        fh.write(f"\n### {started}: civscore vs pandas vs polars, {platform.machine()}, {cores} cores, "
                 f"Python {platform.python_version()}\n\n{versions}; medians of the runs (rotating order); "
                 f"CPU = user + system of the child. Load average (1 min) {load_before:.1f} at the start, "
                 f"{load_after:.1f} at the end{busy}.\n\n")
        fh.write("| units | in | runs | civscore CPU | wall | peak RSS | pandas CPU | wall | peak RSS "
                 "| polars CPU | wall | peak RSS | civscore/pandas CPU | wall | RSS | rank, stars, total |\n")
        fh.write("|" + "---|" * 16 + "\n")
        fh.write("\n".join(lines) + "\n")
    return 0


def _commit() -> str:
    done = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def _civscore_version() -> str:
    from importlib.metadata import version
    return version("civscore")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
