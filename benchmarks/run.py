"""Time `civscore evaluate` end to end (CSV in, CSV out) against a
hand-written NumPy script computing the same totals, in the same run.

    python benchmarks/run.py                 # 10k, 100k and 1M units
    python benchmarks/run.py 10000 100000    # chosen sizes

Each size: generate the units once (benchmarks/data/, reused), run the
civscore CLI and benchmarks/baseline_numpy.py as child processes, take wall
time and peak memory (the child's own max RSS from wait4), check that both
computed the same total for every unit, and append the figures to
benchmarks/results.md. Targets (issue 4, 2 cores): 1M units in < 60 s and
< 4 GiB, and at most 3x the NumPy script's time.
"""
from __future__ import annotations

import csv
import os
import platform
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


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: some synthetic items are invalid/missing is fine; 1 = read errors
        raise SystemExit(f"{cmd[0]} exited {code}")
    return wall, usage.ru_maxrss / 1024


def totals(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["unit.id"]: row["total"] for row in csv.DictReader(fh)}


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [10_000, 100_000, 1_000_000]
    DATA.mkdir(exist_ok=True)
    OUT.mkdir(exist_ok=True)
    from civscore.criteria import resolve
    scheme_path = str(resolve(SCHEME))
    lines = []
    for n in sizes:
        data = DATA / f"units-{n}.csv"
        if not data.exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), SCHEME, str(n), str(data)], check=True)
        ours, base = OUT / f"civscore-{n}.csv", OUT / f"numpy-{n}.csv"
        t_c, m_c = timed([sys.executable, "-m", "civscore", "evaluate", SCHEME, str(data), "--format", "csv", "--output", str(ours)])
        t_b, m_b = timed([sys.executable, str(HERE / "baseline_numpy.py"), scheme_path, str(data), str(base)])
        a, b = totals(ours), totals(base)
        differ = sum(1 for k, v in b.items() if a.get(k) != v)
        line = (f"| {n:,} | {t_c:.1f} s | {m_c:,.0f} MiB | {t_b:.1f} s | {m_b:,.0f} MiB | {t_c / t_b:.2f}x | "
                f"{'all equal' if not differ and len(a) == len(b) else f'{differ} differ'} |")
        print(line, flush=True)
        lines.append(line)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with (HERE / "results.md").open("a", encoding="utf-8") as fh:
        fh.write(f"\n### {stamp}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n\n")
        fh.write("| units | civscore | civscore peak | NumPy script | NumPy peak | ratio | totals |\n|---|---|---|---|---|---|---|\n")
        fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
