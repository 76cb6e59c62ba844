"""Hostile input, second round (issue #16): bounded time and memory under
explicit limits, no run lost to one unit's text, nothing replaced but the
report, and stderr lines nobody can forge. The corpus cases themselves are in
tests/bad/expected.toml; this file runs the time and memory cases under
operating-system limits and checks what the corpus cannot (every format, the
output file, the terminal)."""
from __future__ import annotations

import json
import os
import re
import resource
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from civscore.cli import main
from civscore.contracts import limits
from civscore.reports import output_kind

BAD = Path(__file__).parent / "bad"
sys.path.insert(0, str(BAD))
import generate  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))["case"]
CRITERIA = BAD / "good-criteria.toml"
SURROGATES = BAD / "submissions" / "json-lone-surrogates.json"
MEMORY = 1024 ** 3        # address space of the command under test: 1 GiB
SECONDS = 10


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def civscore(*argv, stdout=subprocess.PIPE, timeout: float = SECONDS) -> subprocess.CompletedProcess:
    """The real command in a subprocess, under 1 GiB of address space and a timeout."""
    return subprocess.run([sys.executable, "-m", "civscore", *map(str, argv)], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, preexec_fn=limited,
                          env={**os.environ, "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD": "1"})


@pytest.mark.parametrize("case", [c for c in CASES if c.get("limits")], ids=lambda c: c["file"])
def test_time_and_memory_cases_under_limits(case, tmp_path):
    """Each hostile file of the issue is answered within 10 s and 1 GiB, by
    its one stderr line; the good rows beside it are still evaluated."""
    path = tmp_path / Path(case["file"]).name
    generate.GENERATORS[case["generate"]](path)
    if case["file"].startswith("criteria/"):
        proc = civscore("validate", path)
    else:
        proc = civscore("evaluate", CRITERIA, path, "--format", "json")
        ids = sorted(r["unit"]["id"] for r in json.loads(proc.stdout)["results"])
        assert ids == sorted(case.get("units", []))
    assert proc.returncode == case["exit"], proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == len(case["stderr"]), proc.stderr
    for pattern, line in zip(case["stderr"], lines):
        assert line.startswith("civscore: ") and path.name in line and re.search(pattern, line), line


def test_sheet_cell_limit(tmp_path, monkeypatch, capsys):
    """Past the cells-per-sheet limit a workbook is refused whole, in one line
    (the limit is lowered here so the workbook stays small)."""
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 30)
    book = tmp_path / "many-cells.xlsx"
    generate._workbook(book, [generate.HEADER] + [generate._row(f"mc{i}", f"Unit {i}") for i in range(5)])
    code = main(["evaluate", str(CRITERIA), str(book), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out)["results"] == []
    assert re.fullmatch(r"civscore: error: .*many-cells\.xlsx: row 3: the sheet has more than 30 cells; "
                        r"save the table as CSV\n", err), err


def test_shared_string_limit(tmp_path, monkeypatch, capsys):
    """openpyxl loads every shared string: their count is checked first."""
    import zipfile
    monkeypatch.setattr("civscore.builtin.readers.MAX_XLSX_CELLS", 5)
    book = tmp_path / "many-texts.xlsx"
    texts = "".join(f"<si><t>text {i}</t></si>" for i in range(6))
    generate._sheet_xml_patch(book, [generate.HEADER, generate._row("st1", "Unit")], lambda xml: xml)
    with zipfile.ZipFile(book, "a") as z:
        z.writestr("xl/sharedStrings.xml", f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{texts}</sst>')
    assert main(["evaluate", str(CRITERIA), str(book), "--format", "json"]) == 1
    assert "the workbook holds more than 5 distinct texts; save the table as CSV" in capsys.readouterr().err


def test_trailing_cells_are_trimmed_in_one_pass():
    row = ["a", "b", *[""] * 1_000_000, None, "  "]
    assert limits.trim_trailing_empty(row) == ["a", "b"]
    kept = ["a", "b"]
    assert limits.trim_trailing_empty(kept) is kept


# -- 3. lone surrogates: every writer copes --------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "csv", "html", "xlsx"])
def test_lone_surrogates_in_every_format(fmt, tmp_path, capsys):
    """A unit named "\\udfff" (group, region and data too) beside a good one: the
    report is written, both units in it, the surrogates as U+FFFD."""
    for command, extra in (("evaluate", []), ("check", ["--unit", "s1"])):
        out_file = tmp_path / f"{command}.{fmt}"
        code = main([command, str(CRITERIA), str(SURROGATES), "--format", fmt, "--output", str(out_file), *extra])
        _, err = capsys.readouterr()
        assert code in (0, 1) and "internal error" not in err, err
        data = out_file.read_bytes()
        if fmt == "xlsx":
            import openpyxl
            sheet = openpyxl.load_workbook(out_file).worksheets[0]
            assert sheet.max_row >= 2
            continue
        text = data.decode("utf-8")          # valid UTF-8: no surrogate was written
        assert "\ufffd" in text or (fmt, command) == ("csv", "check")   # check's CSV lists items only
        if command == "evaluate":
            assert "s2" in text and "A good unit" in text
        if fmt != "xlsx" and command == "evaluate":   # the same on stdout
            assert main([command, str(CRITERIA), str(SURROGATES), "--format", fmt]) == 0
            assert "\ufffd" in capsys.readouterr().out


# -- 4. an infinite assessor spread ------------------------------------------------------------
@pytest.mark.parametrize("command", ["evaluate", "check"])
def test_infinite_spread_is_null(command, capsys):
    code = main([command, str(BAD / "good-criteria-spread.toml"), str(BAD / "submissions/assessors-infinite-spread.toml"),
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert all(line.startswith("civscore: warning: ") for line in err.splitlines()), err
    doc = json.loads(out)
    result = doc["results"][0] if command == "evaluate" else doc["result"]
    flag = result["disagreements"]["a.rate"]
    assert flag["spread"] is None
    assert "spread beyond the largest number" in flag["reason"]


# -- 6. --output onto what is not a regular file ----------------------------------------------
def test_output_into_a_fifo_is_written_through(tmp_path):
    """A FIFO named by -o receives the report and stays a FIFO (it used to be
    replaced by a regular file through the atomic rename)."""
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = civscore("evaluate", CRITERIA, BAD / "submissions/ok-unit.toml", "--format", "json", "--output", fifo)
    reader.join(SECONDS)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["results"][0]["unit"]["id"] == "ok-unit"
    assert [p.name for p in tmp_path.iterdir()] == ["report.fifo"]   # no temporary file left beside it


def test_output_kinds():
    if stat.S_ISCHR(os.stat("/dev/null").st_mode):   # (a program with the old bug, run as root, replaces it)
        assert output_kind(Path("/dev/null")) == "through"          # written into, never replaced
    assert output_kind(Path("/no/such/file")) == "replace"
    assert output_kind(Path(__file__)) == "replace"


def test_output_through_a_symlink_keeps_the_link(tmp_path, capsys):
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["evaluate", str(CRITERIA), str(BAD / "submissions/ok-unit.toml"), "-f", "json", "-o", str(link)]) == 0
    assert link.is_symlink()
    assert json.loads(target.read_text(encoding="utf-8"))["results"]


# -- 7. formula injection through a file name --------------------------------------------------
def test_csv_source_column_is_not_a_formula(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # the file named as it is found in a folder of submissions
    evil = Path('=HYPERLINK("example.invalid")&.toml')
    evil.write_bytes((BAD / "submissions/ok-unit.toml").read_bytes())
    assert main(["evaluate", str(CRITERIA), str(evil), "--format", "csv"]) == 0
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["source"].startswith("'=HYPERLINK")


# -- 10. file names cannot forge stderr lines ----------------------------------------------------
def test_file_names_cannot_split_or_drive_stderr(tmp_path, capsys):
    evil = tmp_path / "evil\ncivscore: error: forged.toml\x1b]0;pwned\x07.toml"
    evil.write_text('[unit]\nid = "x"\n', encoding="utf-8")          # no name: one error
    assert main(["evaluate", str(CRITERIA), str(evil), "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "\x1b" not in err and "\x07" not in err
    assert "evil\\x0acivscore: error: forged.toml\\x1b]0;pwned\\x07.toml" in err


# -- 11. a full disk on stdout -----------------------------------------------------------------
def test_full_stdout_is_exit_2():
    with open("/dev/full", "w") as full:
        proc = civscore("evaluate", CRITERIA, BAD / "submissions/ok-unit.toml", "--format", "json", stdout=full)
    assert proc.returncode == 2
    assert proc.stderr == "civscore: cannot write the report to standard output: No space left on device\n"


# -- 12. Markdown without live HTML ------------------------------------------------------------
@pytest.mark.parametrize("command", ["evaluate", "check"])
def test_markdown_escapes_html(command, tmp_path, capsys):
    unit = tmp_path / "html.toml"
    unit.write_text('[unit]\nid = "h1"\nname = "<script>alert(1)</script><img src=x onerror=alert(2)>"\n',
                    encoding="utf-8")
    assert main([command, str(CRITERIA), str(unit), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
