"""Determinism: the same inputs give byte-identical reports.

What holds (docs/committee.md):
- the same command line gives byte-identical JSON, CSV, table and XLSX
  output, whatever the hash seed (PYTHONHASHSEED) of the process;
- listing the same files in another order gives the same results (every
  figure, the listing order, the summary); only ``provenance.submissions``
  (the files in the order read) and the order of ``errors`` follow the
  command line, and when two files hold one unit id the first read is kept.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from civscore.cli import main

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
SCHEME = V1 / "civilized-unit.toml"


def run_to(tmp_path: Path, name: str, *args: str) -> bytes:
    out = tmp_path / name
    main(["evaluate", str(SCHEME), *args, "--output", str(out)])
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "csv", "table", "markdown", "xlsx"])
def test_two_runs_same_bytes(tmp_path, fmt):
    a = run_to(tmp_path, f"a.{fmt}", str(EXAMPLES), "--format", fmt)
    b = run_to(tmp_path, f"b.{fmt}", str(EXAMPLES), "--format", fmt)
    assert a == b
    assert len(a) > 1000


@pytest.mark.slow
def test_same_bytes_across_processes_and_hash_seeds(tmp_path):
    outputs = {}
    for seed in ("0", "4242"):
        for fmt in ("json", "csv"):
            out = tmp_path / f"{seed}.{fmt}"
            env = dict(os.environ, PYTHONHASHSEED=seed, CIVSCORE_DISABLE_PLUGIN_AUTOLOAD="1")
            proc = subprocess.run([sys.executable, "-m", "civscore", "evaluate", str(SCHEME), str(EXAMPLES),
                                   "--format", fmt, "--output", str(out)], env=env, cwd=ROOT, capture_output=True)
            assert proc.returncode == 0, proc.stderr.decode()
            outputs[seed, fmt] = out.read_bytes()
    assert outputs["0", "json"] == outputs["4242", "json"]
    assert outputs["0", "csv"] == outputs["4242", "csv"]


def evaluate_doc(capsys, *paths) -> dict:
    main(["evaluate", str(SCHEME), *map(str, paths), "--format", "json"])
    return json.loads(capsys.readouterr().out)


def test_argument_order_gives_the_same_results(capsys):
    files = sorted(EXAMPLES.iterdir())
    by_dir = evaluate_doc(capsys, EXAMPLES)
    reversed_files = evaluate_doc(capsys, *files[::-1])
    shuffled = evaluate_doc(capsys, *(files[5:] + files[:5]))
    for other in (reversed_files, shuffled):
        assert other["results"] == by_dir["results"]
        assert other["summary"] == by_dir["summary"]
        assert other["scheme"] == by_dir["scheme"]
        # the provenance lists the same files, in the order they were read
        assert sorted(other["provenance"]["submissions"], key=lambda s: s["path"]) == \
            sorted(by_dir["provenance"]["submissions"], key=lambda s: s["path"])
    assert [s["path"] for s in reversed_files["provenance"]["submissions"]] == [str(f) for f in files[::-1]]


def test_row_order_in_a_table_gives_the_same_figures(tmp_path, capsys):
    lines = (EXAMPLES / "batch-2025.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("\n".join([lines[0]] + lines[1:][::-1]) + "\n", encoding="utf-8")
    a = evaluate_doc(capsys, tmp_path / "a.csv")["results"]
    b = evaluate_doc(capsys, tmp_path / "b.csv")["results"]
    for r in a + b:
        r.pop("row")
        r.pop("source")
    assert a == b


def test_json_results_stream_one_line_each_and_parse_like_the_whole_document(tmp_path):
    """The JSON writer streams results one per line; the document it writes
    is the same data as SPEC §5's whole document."""
    import json as _json

    import civscore
    from civscore.reports import evaluation_doc
    from civscore.reports.data import JsonWriter
    ev = civscore.evaluate(civscore.load(SCHEME), civscore.read([EXAMPLES]))
    text = JsonWriter().evaluation(ev)
    assert _json.loads(text) == _json.loads(_json.dumps(evaluation_doc(ev)))
    lines = text.splitlines()
    start = lines.index('  "results": [')
    result_lines = lines[start + 1:start + 1 + ev.n]
    assert all(line.startswith('    {"unit": ') for line in result_lines)   # one result per line
    assert lines[start + 1 + ev.n] == "  ],"
