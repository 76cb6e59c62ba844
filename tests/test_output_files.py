"""Output files as committees use them (issue 14, points 6 and 9): CSV that
Excel on Chinese Windows opens, no report when nothing could be read, no
silent folders, help that lists what each command accepts."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "civilized-unit-v1"
SCHEME = FIXTURE / "civilized-unit.toml"
UNITS = FIXTURE / "units"


def test_csv_to_a_file_has_a_bom_and_on_stdout_none(tmp_path, cli):
    code, out, _ = cli("evaluate", SCHEME, UNITS, "-f", "csv", "-o", tmp_path / "r.csv")
    assert code == 0
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    code, out, _ = cli("evaluate", SCHEME, UNITS, "-f", "csv")
    assert out.startswith("rank,stars,unit.id")
    assert data[3:].decode("utf-8") == out          # the same table, only the mark differs


@pytest.mark.parametrize("encoding, reads", [("utf-8", "utf-8"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig")])
def test_encoding_is_chosen_for_csv_files(tmp_path, cli, encoding, reads):
    code, _, _ = cli("evaluate", SCHEME, UNITS, "-f", "csv", "-o", tmp_path / "r.csv", "--encoding", encoding)
    assert code == 0
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    rows = list(csv.reader(io.StringIO(data.decode(reads))))
    assert rows[0][:3] == ["rank", "stars", "unit.id"]
    assert any("西固区环卫局" in row for row in rows)


def test_json_files_stay_plain_utf8(tmp_path, cli):
    cli("evaluate", SCHEME, UNITS, "-f", "json", "-o", tmp_path / "r.json")
    assert (tmp_path / "r.json").read_bytes().startswith(b"{")


def test_no_report_file_when_no_submission_could_be_read(tmp_path, cli):
    (tmp_path / "bad.json").write_text("garbage", encoding="utf-8")
    (tmp_path / "report.json").write_text("the report of last week", encoding="utf-8")
    code, out, err = cli("evaluate", SCHEME, tmp_path / "bad.json", "-f", "json", "-o", tmp_path / "report.json")
    assert code == 1
    assert err.splitlines() == [f"civscore: error: {tmp_path / 'bad.json'}: line 1, column 1: JSON syntax error: Expecting value"]
    assert out == ""
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "the report of last week"


def test_output_into_a_missing_folder_is_an_error_not_a_mkdir(tmp_path, cli):
    code, _, err = cli("evaluate", SCHEME, UNITS, "-o", tmp_path / "no" / "such" / "r.txt")
    assert code == 2
    assert "does not exist; create it first" in err
    assert not (tmp_path / "no").exists()


def test_init_keeps_a_filled_in_template_unless_forced(tmp_path, cli):
    target = tmp_path / "mine.toml"
    target.write_text("filled in by hand", encoding="utf-8")
    code, _, err = cli("init", SCHEME, "-o", target)
    assert code == 2 and "--force" in err
    assert target.read_text(encoding="utf-8") == "filled in by hand"
    assert cli("init", SCHEME, "-o", target, "--force")[0] == 0
    assert "[unit]" in target.read_text(encoding="utf-8")


def help_of(capsys, *command: str) -> str:
    from civscore.cli import main
    assert main([*command, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command, listed, not_listed", [
    ("evaluate", ["table", "markdown", "json", "jsonl", "csv", "html", "xlsx"], []),
    ("check", ["table", "markdown", "json", "jsonl", "csv", "html", "xlsx"], []),
    ("explain", ["table", "markdown", "json", "csv", "html"], ["xlsx"]),
    ("plugins", ["table", "markdown", "json"], ["xlsx", "csv", "html"]),
])
def test_help_lists_only_the_formats_a_command_writes(capsys, command, listed, not_listed):
    text = help_of(capsys, command)
    fmt_help = text.split("--format FORMAT, -f FORMAT")[1].split("--output")[0]
    for name in listed:
        assert name in fmt_help
    for name in not_listed:
        assert name not in fmt_help


@pytest.mark.parametrize("command", ["evaluate", "check", "validate", "explain", "plugins", "init", "history", "verify"])
def test_help_describes_every_argument_and_ends_with_examples(capsys, command):
    text = help_of(capsys, command)
    positional = text.split("positional arguments:")[1].split("options:")[0] if "positional arguments:" in text else ""
    for line in positional.strip().splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            assert len(line.split()) > 1, f"{command}: {line.strip()} has no description"
    examples = text.split("examples:")[1].strip().splitlines()
    assert 2 <= len(examples) <= 3 and all(e.strip().startswith("civscore ") for e in examples)
