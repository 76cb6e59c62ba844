"""Time ``civscore check`` of one unit: wall and CPU, and where the imports go (issue 15).

    python benchmarks/check_time.py                  # 15 warm runs of each case, import breakdown
    python benchmarks/check_time.py --runs 31 --top 25
    python benchmarks/check_time.py --profile        # also cProfile what runs after the imports

Runs in the project's own environment (no benchmark-only package is needed).
Each case runs as the ``civscore`` console script does (``civscore.cli.run``)
in a fresh interpreter, once untimed to warm the file cache and the bytecode
(written: PYTHONDONTWRITEBYTECODE is dropped, as an installed civscore has its
.pyc files), then ``--runs`` rounds, each running every case
(and, with ``--against DIR``, every case of the other version) once; each
run's CPU (user + system) is read from ``os.wait4`` of that one child, its
wall time around it. The medians are printed with the load average, since on
a shared machine wall time follows the load and CPU time much less.

The cases: the TOML example unit with the default text table, the same with
``-f json``, and the same unit as a one-row CSV (written to a temporary
folder from the TOML, lists joined with ``;``).

The import breakdown is ``python -X importtime`` of the text case, the median
of ``--import-runs`` runs: civscore's own modules by self time, and the
third-party packages and standard-library modules it pulls in by cumulative
time (the top-level imports only, so nothing is counted twice).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "criteria" / "civilized-unit.toml"
UNIT = ROOT / "examples" / "civilized-unit" / "xigu-library.toml"
#: what the ``civscore`` console script runs (``run``; a version before it had none: ``main``)
ENTRY = "import sys; from civscore import cli; sys.exit(getattr(cli, 'run', cli.main)())"


def one_row_csv(folder: Path) -> Path:
    """The example unit as a one-unit CSV: unit.* columns, then its data keys."""
    doc = tomllib.loads(UNIT.read_text(encoding="utf-8"))
    row = {f"unit.{k}": v for k, v in doc["unit"].items()}
    for key, value in doc["data"].items():
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        row[key] = value
    path = folder / "xigu-library.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return path


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall, CPU user + system, exit status) of one child."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, proc.returncode


def time_cases(cases: dict[str, list[str]], runs: int, envs: dict[str, dict[str, str]]) -> dict[tuple[str, str], dict]:
    """Medians per (case, version): every round runs each case in each version once, in a
    shuffled order, so that a change of the machine's load falls on all of them alike."""
    keys = [(case, version) for case in cases for version in envs]
    for case, version in keys:
        run_once(cases[case], envs[version])   # warm: file cache, __pycache__
    walls: dict[tuple[str, str], list[float]] = {k: [] for k in keys}
    cpus: dict[tuple[str, str], list[float]] = {k: [] for k in keys}
    codes: dict[tuple[str, str], set[int]] = {k: set() for k in keys}
    order = random.Random(15)
    for _ in range(runs):
        for case, version in order.sample(keys, len(keys)):   # no case always right after another
            wall, cpu, code = run_once(cases[case], envs[version])
            walls[case, version].append(wall)
            cpus[case, version].append(cpu)
            codes[case, version].add(code)
    return {k: {"wall": statistics.median(walls[k]), "cpu": statistics.median(cpus[k]), "wall_min": min(walls[k]),
                "cpu_min": min(cpus[k]), "codes": sorted(codes[k])} for k in keys}


def python_startup(runs: int, env: dict[str, str]) -> dict:
    """An interpreter that imports nothing: the floor under every case."""
    walls, cpus = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", "pass"], env=env)
        _pid, _status, ru = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(ru.ru_utime + ru.ru_stime)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


def import_times(args: list[str], env: dict[str, str]) -> list[tuple[str, int, int, int]]:
    """``(module, self µs, cumulative µs, depth)`` from one ``-X importtime`` run."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, *args], capture_output=True,
                          text=True, env=env)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        head, cum, name = line.split("|", 2)
        self_us, cum_us = int(head.rsplit(":", 1)[1]), int(cum)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((name.strip(), self_us, cum_us, depth))
    return rows


def breakdown(args: list[str], runs: int, env: dict[str, str]) -> tuple[float, dict[str, float], dict[str, float], list[str]]:
    """Median over runs: total import time, civscore modules' self time, and the
    top-level cumulative time of every other package (ms)."""
    totals: list[float] = []
    own: dict[str, list[float]] = {}
    other: dict[str, list[float]] = {}
    modules: list[str] = []
    for _ in range(runs):
        rows = import_times(args, env)
        modules = [name for name, *_ in rows]
        totals.append(sum(cum for _, _, cum, depth in rows if depth == 0) / 1000)
        this_run: dict[str, float] = {}
        for name, self_us, cum_us, depth in rows:
            if name.split(".")[0] == "civscore":
                own.setdefault(name, []).append(self_us / 1000)
            elif depth == 0 or _under_civscore(rows, name):
                top = name.split(".")[0]
                this_run[top] = this_run.get(top, 0.0) + cum_us / 1000
        for top, ms in this_run.items():
            other.setdefault(top, []).append(ms)
    return (statistics.median(totals), {k: statistics.median(v) for k, v in own.items()},
            {k: statistics.median(v) for k, v in other.items()}, modules)


def _under_civscore(rows, name) -> bool:
    """A third-party or standard module imported directly by a civscore module
    (its cumulative time is not in any other top-level non-civscore entry)."""
    for i, (n, _s, _c, depth) in enumerate(rows):
        if n != name:
            continue
        for m, _s2, _c2, d2 in rows[i + 1:]:   # importtime lists a module before the one that imported it
            if d2 < depth:
                return m.split(".")[0] == "civscore"
        return False
    return False


def profile_after_imports(args: list[str], top: int, env: dict[str, str]) -> str:
    """cProfile of ``main()`` alone, the imports of civscore.cli done before."""
    code = (
        "import cProfile, io, pstats, sys, contextlib\n"
        "from civscore.cli import main\n"
        "p = cProfile.Profile()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    p.runcall(main, {args!r})\n"
        "s = io.StringIO()\n"
        f"pstats.Stats(p, stream=s).sort_stats('cumulative').print_stats({top})\n"
        "print(s.getvalue())\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout


def _with_source(env: dict[str, str], source: str | None) -> dict[str, str]:
    if not source:
        return env
    return dict(env, PYTHONPATH=os.pathsep.join([str(Path(source).resolve()), *filter(None, [env.get("PYTHONPATH")])]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="timed runs of each case (default 15)")
    ap.add_argument("--import-runs", type=int, default=5, help="-X importtime runs for the breakdown (default 5)")
    ap.add_argument("--top", type=int, default=15, help="rows of each breakdown (default 15)")
    ap.add_argument("--profile", action="store_true", help="also cProfile the work after the imports")
    ap.add_argument("--modules", action="store_true", help="list every module the text case imports")
    ap.add_argument("--source", metavar="DIR", help="time the civscore package in DIR (a checkout of another commit: "
                    "`git archive COMMIT civscore | tar -x -C DIR`) instead of the installed one")
    ap.add_argument("--against", metavar="DIR", help="time the civscore package in DIR too, runs alternating "
                    "(before/after figures under the same load)")
    opts = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVSCORE_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["LANG"] = env.get("LANG", "C.UTF-8")
    envs = {"this": _with_source(env, opts.source)}
    if opts.against:
        envs["against"] = _with_source(env, opts.against)
    env = envs["this"]
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)   # `python -c` puts the working directory first on sys.path: no checkout there but --source's
        cases = {
            "text": ["check", str(SCHEME), str(UNIT)],
            "json": ["check", str(SCHEME), str(UNIT), "-f", "json"],
            "csv": ["check", str(SCHEME), str(one_row_csv(Path(tmp)))],
        }
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        base = python_startup(opts.runs, env)
        print(f"{'python -c pass':<22} wall {base['wall'] * 1000:6.0f} ms   CPU {base['cpu'] * 1000:6.0f} ms")
        timed = time_cases(cases, opts.runs, envs)
        for (case, version), t in timed.items():
            label = f"check {case}" + (f" ({version})" if opts.against else "")
            print(f"{label:<22} wall {t['wall'] * 1000:6.0f} ms   CPU {t['cpu'] * 1000:6.0f} ms   "
                  f"(min {t['wall_min'] * 1000:.0f} / {t['cpu_min'] * 1000:.0f} ms, exit {t['codes']})")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; medians of {opts.runs} warm runs")
        total, own, other, modules = breakdown(cases["text"], opts.import_runs, env)
        print(f"\nimports of check (text), median of {opts.import_runs} -X importtime runs: {total:.0f} ms, "
              f"{len(modules)} modules, {sum(m.split('.')[0] == 'civscore' for m in modules)} of civscore")
        print("  civscore modules, self time:")
        for name, ms in sorted(own.items(), key=lambda kv: -kv[1])[:opts.top]:
            print(f"    {ms:6.1f} ms  {name}")
        print("  other packages, cumulative:")
        for name, ms in sorted(other.items(), key=lambda kv: -kv[1])[:opts.top]:
            print(f"    {ms:6.1f} ms  {name}")
        if opts.modules:
            print("\n".join(sorted(modules)))
        if opts.profile:
            print("\nafter the imports (cProfile of main(), text case):")
            print(profile_after_imports(cases["text"], opts.top * 2, env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
