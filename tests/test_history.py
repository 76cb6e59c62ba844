"""History and dynamic management (SPEC §8), through the real command line.

The scheme is one 100-point `manual` item, so a unit's total is the number it
writes, and one veto. Stars: ≥90 5★, ≥80 4★, ≥70 3★, ≥60 2★, ≥50 1★. Every
expected figure below is worked out by hand in the comment beside it.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from civscore import history
from civscore.cli import main

SCHEME = '''
format = "civscore/1"
[scheme]
id = "tiny"
title = "Tiny"
version = "1"
full_marks = 100
[rating]
levels = [
  { stars = 5, min_score = 90 },
  { stars = 4, min_score = 80 },
  { stars = 3, min_score = 70 },
  { stars = 2, min_score = 60 },
  { stars = 1, min_score = 50 },
]
[criteria.work]
title = "Work"
points = 100
scorer = "manual"
input = "score"
[veto.accident]
title = "Accident"
input = "accident"
'''


def scheme(tmp: Path, rules: str = "", name: str = "s.toml", scheme_id: str = "tiny") -> Path:
    path = tmp / name
    path.write_text(SCHEME.replace('id = "tiny"', f'id = "{scheme_id}"') + ("\n[history]\n" + rules if rules else ""),
                    encoding="utf-8")
    return path


def units_csv(tmp: Path, name: str, rows: dict[str, object], period: str | None = None) -> Path:
    """``rows``: unit id → score, or (score, "veto")."""
    lines = ["unit.id,unit.name,unit.period,score,accident"]
    for uid, value in rows.items():
        score, veto = value if isinstance(value, tuple) else (value, "")
        lines.append(f"{uid},Unit {uid},{period or ''},{score},{'yes' if veto else ''}")
    path = tmp / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(tmp: Path, crit: Path, period: str, rows: dict, *extra: str, db: str = "h.db") -> tuple[int, dict]:
    subs = units_csv(tmp, f"units-{period}.csv", rows)
    out = tmp / f"out-{period}.json"
    code = main(["evaluate", str(crit), str(subs), "--history", str(tmp / db), "--period", period,
                 "-f", "json", "-o", str(out), "--no-progress", *extra])
    doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    out.unlink(missing_ok=True)
    return code, doc


def stars_over(tmp: Path, crit: Path, periods: dict[str, dict]) -> dict[str, list]:
    """Run each period in order; each unit's awarded stars per period (None: absent)."""
    got: dict[str, list] = {}
    for k, (period, rows) in enumerate(periods.items()):
        code, doc = run(tmp, crit, period, rows)
        assert code == 0
        for r in doc["results"]:
            got.setdefault(r["unit"]["id"], [None] * len(periods))[k] = r["stars"]
    return got


def test_max_rise_one_step_a_period(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1")
    got = stars_over(tmp_path, crit, {
        "2022": {"u1": 95, "u2": 55, "u3": 75},
        "2023": {"u1": 95, "u2": 95},                 # u3 absent
        "2024": {"u1": 95, "u2": 95, "u3": 95},
        "2025": {"u1": 95, "u2": 65, "u3": 95},
    })
    assert got["u1"] == [5, 5, 5, 5]        # no start_max: a first period keeps its stars
    assert got["u2"] == [1, 2, 3, 2]        # earned 1,5,5,2: up one a year, down at once
    assert got["u3"] == [3, None, 4, 5]     # its previous record is 2022's (3 ★) → at most 4, then 5


def test_max_rise_reason_and_earned_stars_in_json(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1")
    run(tmp_path, crit, "2024", {"u2": 55})
    code, doc = run(tmp_path, crit, "2025", {"u2": 95})
    (r,) = doc["results"]
    assert (r["earned_stars"], r["stars"], r["history"]) == (5, 2, ["max_rise: 1 → at most 2"])
    assert "cycle_total" not in r             # only with weights
    assert doc["history"]["period"] == "2025" and doc["history"]["previous_periods"] == ["2024"]


def test_start_max_caps_only_a_units_first_record(tmp_path):
    crit = scheme(tmp_path, "start_max = 3")
    got = stars_over(tmp_path, crit, {
        "2022": {"u1": 95, "u3": 55},
        "2023": {"u1": 95, "u2": 85, "u3": 95},       # u2's first period
        "2024": {"u1": 95, "u2": 85, "u3": 95},
        "2025": {"u1": 95, "u2": 95, "u3": 95},
    })
    assert got["u1"] == [3, 5, 5, 5]
    assert got["u2"] == [None, 3, 4, 5]
    assert got["u3"] == [1, 5, 5, 5]         # 1 ★ is under start_max; no max_rise, so 5 next


def test_ban_after_veto_counts_timeline_periods(tmp_path):
    crit = scheme(tmp_path, "ban_after_veto = 2")
    got = stars_over(tmp_path, crit, {
        "2022": {"u1": (95, "veto"), "u2": 95, "u3": (95, "veto")},
        "2023": {"u1": 95, "u2": (95, "veto")},                     # u3 absent
        "2024": {"u1": 95, "u3": 95},                               # u2 absent
        "2025": {"u1": 95, "u2": 95, "u3": 95},
    })
    assert got["u1"] == [0, 0, 0, 5]       # banned in 2023 and 2024, the two periods after its veto
    assert got["u2"] == [5, 0, None, 0]    # 2025: 2023 is one of the two periods just before → still banned
    assert got["u3"] == [0, None, 0, 5]    # 2024: 2022 is one of the two periods before it, though u3 skipped 2023


def test_ban_reason(tmp_path):
    crit = scheme(tmp_path, "ban_after_veto = 1")
    run(tmp_path, crit, "2024", {"u1": (95, "veto")})
    _, doc = run(tmp_path, crit, "2025", {"u1": 95})
    (r,) = doc["results"]
    assert (r["earned_stars"], r["stars"], r["rank"], r["history"]) == (5, 0, 1, ["ban_after_veto: vetoed in 2024 → 0"])


def test_weights_fewer_periods_than_weights_and_ranks_on_cycle_total(tmp_path):
    crit = scheme(tmp_path, "weights = [0.2, 0.3, 0.5]")
    totals: dict[str, list] = {}
    ranks: dict[str, list] = {}
    periods = {
        "2022": {"u1": 50, "u2": 90},
        "2023": {"u1": 70},                            # u2 absent
        "2024": {"u1": 90, "u2": 60, "u3": 80},
        "2025": {"u1": 100, "u2": 80},
    }
    stars: dict[str, list] = {}
    for k, (period, rows) in enumerate(periods.items()):
        code, doc = run(tmp_path, crit, period, rows)
        assert code == 0
        for r in doc["results"]:
            uid = r["unit"]["id"]
            totals.setdefault(uid, [None] * 4)[k] = r["cycle_total"]
            ranks.setdefault(uid, [None] * 4)[k] = r["rank"]
            stars.setdefault(uid, [None] * 4)[k] = r["stars"]
    # u1: 50; .375×50+.625×70 = 62.5 (last two weights scaled to 1); .2×50+.3×70+.5×90 = 76; .2×70+.3×90+.5×100 = 91
    assert totals["u1"] == [50.0, 62.5, 76.0, 91.0]
    assert stars["u1"] == [1, 2, 3, 5]
    # u2: 90; (2023 absent) .375×90+.625×60 = 71.25; .2×90+.3×60+.5×80 = 76 (its last three records)
    assert totals["u2"] == [90.0, None, 71.25, 76.0]
    assert stars["u2"] == [5, None, 3, 3]
    # 2024 ranks on cycle totals: u3 80 > u1 76 > u2 71.25, though u1's total (90) is the highest
    assert [ranks[u][2] for u in ("u1", "u2", "u3")] == [2, 3, 1]
    assert stars["u3"] == [None, None, 4, None]


def test_cycle_total_is_rounded_half_up(tmp_path):
    crit = scheme(tmp_path, "weights = [0.5, 0.5]")
    run(tmp_path, crit, "2024", {"u": 80.01})
    _, doc = run(tmp_path, crit, "2025", {"u": 80.02})
    assert doc["results"][0]["cycle_total"] == 80.02     # 80.015 → 80.02, not the float's 80.01


def test_all_rules_together_over_five_periods(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1\nstart_max = 3\nban_after_veto = 1\nweights = [0.2, 0.3, 0.5]")
    seen: dict[str, list] = {}
    reasons: dict[str, list] = {}
    periods = {
        "2021": {"u1": 95, "u2": 60},
        "2022": {"u1": 95, "u2": 100},
        "2023": {"u1": (95, "veto"), "u2": 100},
        "2024": {"u1": 95, "u2": 100},
        "2025": {"u1": 95, "u2": 100},
    }
    for k, (period, rows) in enumerate(periods.items()):
        code, doc = run(tmp_path, crit, period, rows)
        assert code == 0
        for r in doc["results"]:
            seen.setdefault(r["unit"]["id"], []).append((r["earned_stars"], r["stars"]))
            reasons.setdefault(r["unit"]["id"], []).append(r["history"])
    # u1: start_max 3; +1 → 4; vetoed → 0; banned the next period → 0; from 0, +1 → 1
    assert seen["u1"] == [(5, 3), (5, 4), (0, 0), (5, 0), (5, 1)]
    assert reasons["u1"] == [["start_max: first recorded period → at most 3"], ["max_rise: 3 → at most 4"], [],
                             ["ban_after_veto: vetoed in 2023 → 0"], ["max_rise: 0 → at most 1"]]
    # u2: cycle 60 (2★); .375×60+.625×100 = 85 (4★) → at most 3; 12+30+50 = 92 (5★) → at most 4; 5; 5
    assert seen["u2"] == [(2, 2), (4, 3), (5, 4), (5, 5), (5, 5)]


def test_history_rules_apply_only_with_history(tmp_path):
    crit = scheme(tmp_path, "start_max = 1\nweights = [0.5, 0.5]")
    subs = units_csv(tmp_path, "u.csv", {"u": 95})
    out = tmp_path / "o.json"
    assert main(["evaluate", str(crit), str(subs), "-f", "json", "-o", str(out)]) == 0
    r = json.loads(out.read_text())["results"][0]
    assert r["stars"] == 5 and "earned_stars" not in r and "history" not in r and "cycle_total" not in r


def test_replace_rewrites_a_period_and_warns_about_later_ones(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1")
    run(tmp_path, crit, "2024", {"u": 55})
    run(tmp_path, crit, "2025", {"u": 95})
    capsys.readouterr()
    code, _ = run(tmp_path, crit, "2025", {"u": 95})
    assert code == 2 and "already holds period 2025; give --replace" in capsys.readouterr().err
    code, doc = run(tmp_path, crit, "2024", {"u": 85}, "--replace")
    assert code == 0 and doc["results"][0]["stars"] == 4
    err = capsys.readouterr().err
    assert "warning: replacing period 2024: the stars of the later period 2025 were awarded from the old record" in err
    code, doc = run(tmp_path, crit, "2025", {"u": 95}, "--replace")          # the latest: no warning
    assert code == 0 and doc["results"][0]["stars"] == 5 and "warning" not in capsys.readouterr().err
    with history.History.open(tmp_path / "h.db", readonly=True) as store:
        runs = store.runs()
        assert [(r["period"], r["status"]) for r in runs] == [("2024", "replaced"), ("2025", "replaced"),
                                                             ("2024", "current"), ("2025", "current")]
        assert [(r["period"], r["total"], r["stars"]) for r in store.records()] == [("2024", 85.0, 4), ("2025", 95.0, 5)]


def test_periods_order_as_strings_and_earlier_ones_are_refused(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1")
    assert run(tmp_path, crit, "2025", {"u": 55})[0] == 0
    assert run(tmp_path, crit, "2025-H2", {"u": 95})[1]["results"][0]["stars"] == 2   # 2025 < 2025-H2
    capsys.readouterr()
    assert run(tmp_path, crit, "2024", {"u": 95})[0] == 2
    assert "period 2024 is earlier than the latest recorded one (2025-H2)" in capsys.readouterr().err


def test_period_from_units_and_usage_errors(tmp_path, capsys):
    crit = scheme(tmp_path)
    db = str(tmp_path / "h.db")
    same = units_csv(tmp_path, "same.csv", {"a": 90, "b": 80}, period="2025")
    assert main(["evaluate", str(crit), str(same), "--history", db, "-o", str(tmp_path / "r.txt")]) == 0
    with history.History.open(db, readonly=True) as store:
        assert store.periods() == ["2025"]
    none = units_csv(tmp_path, "none.csv", {"a": 90})
    assert main(["evaluate", str(crit), str(none), "--history", db]) == 2
    assert "needs a period: give --period P" in capsys.readouterr().err
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("unit.id,unit.name,unit.period,score\na,A,2025,90\nb,B,2026,80\n", encoding="utf-8")
    assert main(["evaluate", str(crit), str(mixed), "--history", db]) == 2
    assert "the units give 2 periods (2025, 2026); give --period P" in capsys.readouterr().err
    assert main(["evaluate", str(crit), str(same), "--period", "2026"]) == 2
    assert "--period and --replace go with --history FILE" in capsys.readouterr().err
    assert main(["evaluate", str(crit), str(same), "--history", db, "--period", "2026", "-o", str(tmp_path / "r.txt")]) == 0
    assert "warning: --period 2026 wins over unit.period 2025 of 2 units" in capsys.readouterr().err
    with history.History.open(db, readonly=True) as store:
        assert store.periods() == ["2025", "2026"]


def test_another_schemes_run_is_refused(tmp_path, capsys):
    run(tmp_path, scheme(tmp_path), "2024", {"u": 90})
    before = (tmp_path / "h.db").read_bytes()
    code, _ = run(tmp_path, scheme(tmp_path, name="other.toml", scheme_id="other"), "2025", {"u": 90})
    assert code == 2
    assert "is the history of scheme 'tiny', not 'other'" in capsys.readouterr().err
    assert (tmp_path / "h.db").read_bytes() == before


def test_a_run_that_exits_1_records_the_units_it_read(tmp_path, capsys):
    crit = scheme(tmp_path)
    good = units_csv(tmp_path, "good.csv", {"a": 90, "b": 70})
    bad = tmp_path / "bad.toml"
    bad.write_text("[unit\nid = 'x'", encoding="utf-8")
    db = tmp_path / "h.db"
    assert main(["evaluate", str(crit), str(good), str(bad), "--history", str(db), "--period", "2025",
                 "-o", str(tmp_path / "r.txt")]) == 1
    with history.History.open(db, readonly=True) as store:
        assert [(r["unit"], r["stars"]) for r in store.records()] == [("a", 5), ("b", 3)]
        (r,) = store.runs()
        assert r["units"] == 2 and len(r["errors"]) == 1 and r["criteria_sha256"] and r["civscore"]
        assert [f["path"] for f in r["submissions"]][:1] == [str(good)] or r["submissions"]


def test_a_killed_runs_journal_is_rolled_back_by_readers_too(tmp_path, capsys):
    """A run killed inside its transaction leaves SQLite's journal: `history` and `check`
    (read-only) roll it back first, and see the file as it was."""
    crit = scheme(tmp_path)
    run(tmp_path, crit, "2024", {"a": 90})
    db = tmp_path / "h.db"
    code = ("import sqlite3, time\n"
            f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
            "c.execute('PRAGMA cache_size = 1')\nc.execute('BEGIN IMMEDIATE')\nc.execute('DELETE FROM results')\n"
            "for i in range(3000):\n    c.execute('INSERT INTO meta VALUES (?, ?)', (f'k{i}', 'x' * 1000))\n"
            "print('ready', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert Path(str(db) + "-journal").exists()
    capsys.readouterr()
    assert main(["history", str(db), "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["a,Unit a,2024,90.00,,5,5,1,,"]


def test_a_failed_report_records_nothing(tmp_path, capsys):
    crit = scheme(tmp_path)
    subs = units_csv(tmp_path, "u.csv", {"a": 90})
    db = tmp_path / "h.db"
    run(tmp_path, crit, "2024", {"a": 90})
    before = db.read_bytes()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["evaluate", str(crit), str(subs), "--history", str(db), "--period", "2025",
                 "-o", str(blocker / "sub" / "r.json")])
    assert code == 2 and "nothing was written" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_history_command_formats(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1\nweights = [0.5, 0.5]")
    run(tmp_path, crit, "2024", {"u1": 55, "u2": (90, "veto")})
    run(tmp_path, crit, "2025", {"u1": 95, "u2": 90})
    capsys.readouterr()
    db = str(tmp_path / "h.db")
    assert main(["history", db]) == 0
    table = capsys.readouterr().out
    assert "periods 2024, 2025" in table and "max_rise: 1 → at most 2" in table and "veto.accident" in table
    assert main(["history", db, "--unit", "u1", "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "unit.id,unit.name,period,total,cycle_total,earned_stars,stars,rank,vetoes,history",
        "u1,Unit u1,2024,55.00,55.00,1,1,1,,",
        "u1,Unit u1,2025,95.00,75.00,3,2,2,,max_rise: 1 → at most 2"]      # (55+95)/2 = 75 → 3★ → at most 2
    assert main(["history", db, "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["history"] == {"scheme": "tiny", "schema": history.SCHEMA_VERSION}
    assert [p["period"] for p in doc["periods"]] == ["2024", "2025"]
    u2 = next(u for u in doc["units"] if u["id"] == "u2")
    assert [(r["period"], r["vetoes"], r["stars"], r["categories"]) for r in u2["records"]] == [
        ("2024", ["veto.accident"], 0, {"work": 90.0}), ("2025", [], 1, {"work": 90.0})]   # from 0 ★, +1
    assert main(["history", db, "--unit", "nobody"]) == 2
    assert "no such unit" in capsys.readouterr().err
    assert main(["history", str(tmp_path / "absent.db")]) == 2
    assert "no such history file" in capsys.readouterr().err


def test_check_tells_what_the_history_allows(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1")
    run(tmp_path, crit, "2024", {"u": 75})
    unit = tmp_path / "u.toml"
    unit.write_text('[unit]\nid = "u"\nname = "U"\nperiod = "2025"\n[data]\nscore = 95\n', encoding="utf-8")
    db = str(tmp_path / "h.db")
    before = Path(db).read_bytes()
    assert main(["check", str(crit), str(unit), "--history", db, "--target", "4"]) == 0
    out = capsys.readouterr().out
    assert "last period (2024) 3 ★, at most 4 ★ this period" in out
    assert main(["check", str(crit), str(unit), "--history", db, "--target", "5"]) == 1   # earned 5, awarded 4
    assert "earned 5 ★, awarded 4 ★" in capsys.readouterr().out
    assert main(["check", str(crit), str(unit), "--history", db, "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["result"]["earned_stars"] == 5 and doc["result"]["stars"] == 4
    assert doc["history"]["previous_stars"] == 3 and doc["history"]["max_stars"] == 4
    assert Path(db).read_bytes() == before


def test_history_table_criteria_errors_name_key_paths(tmp_path, capsys):
    crit = scheme(tmp_path, 'weights = [0.5, 0]\nmax_rise = -1\nstart_max = "3"\nfoo = 1')
    assert main(["validate", str(crit)]) == 2
    err = capsys.readouterr().err
    for path in ("history.weights.1", "history.max_rise", "history.start_max", "history.foo"):
        assert f"{path}: " in err


# -- the file --------------------------------------------------------------------------------------------------
def _made(tmp: Path) -> Path:
    run(tmp, scheme(tmp), "2024", {"u": 90})
    return tmp / "h.db"


@pytest.mark.parametrize("kind", ["text", "other-sqlite", "truncated", "tiny-truncated", "empty", "newer"])
def test_foreign_files_are_refused_and_unchanged(tmp_path, capsys, kind):
    target = tmp_path / "x.db"
    if kind == "text":
        target.write_text("unit.id,score\na,1\n" * 50)
    elif kind == "other-sqlite":
        con = sqlite3.connect(target)
        con.execute("CREATE TABLE t (x)")
        con.execute("INSERT INTO t VALUES (1)")
        con.commit()
        con.close()
    elif kind in ("truncated", "tiny-truncated", "newer"):
        data = _made(tmp_path).read_bytes()
        if kind == "truncated":
            data = data[:len(data) // 2]
        elif kind == "tiny-truncated":
            data = data[:60]
        else:
            data = data[:60] + (history.SCHEMA_VERSION + 1).to_bytes(4, "big") + data[64:]
        target.write_bytes(data)
    else:
        target.write_bytes(b"")
    before = target.read_bytes()
    crit = scheme(tmp_path)
    code, _ = run(tmp_path, crit, "2025", {"u": 90}, db="x.db")
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "x.db" in err
    assert main(["history", str(target)]) == 2
    assert target.read_bytes() == before
    assert not Path(str(target) + "-journal").exists()
    if kind == "newer":
        assert "newer civscore" in err
    elif kind == "other-sqlite":
        assert "an SQLite database but not a civscore history" in err


def test_an_older_schema_is_migrated_in_the_runs_transaction(tmp_path, monkeypatch):
    db = _made(tmp_path)
    done = []

    def add_note(conn):
        conn.execute("ALTER TABLE runs ADD COLUMN note TEXT")
        done.append(True)
    monkeypatch.setattr(history, "SCHEMA_VERSION", history.SCHEMA_VERSION + 1)
    monkeypatch.setitem(history.MIGRATIONS, history.SCHEMA_VERSION - 1, add_note)
    assert run(tmp_path, scheme(tmp_path), "2025", {"u": 95})[0] == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
    assert [r[0] for r in con.execute("SELECT period FROM results ORDER BY period")] == ["2024", "2025"]
    assert "note" in [r[1] for r in con.execute("PRAGMA table_info(runs)")]
    assert done == [True]


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path, monkeypatch, capsys):
    db = _made(tmp_path)
    before = db.read_bytes()

    def broken(conn):
        conn.execute("ALTER TABLE runs ADD COLUMN note TEXT")
        conn.execute("SELECT * FROM no_such_table")
    monkeypatch.setattr(history, "SCHEMA_VERSION", history.SCHEMA_VERSION + 1)
    monkeypatch.setitem(history.MIGRATIONS, history.SCHEMA_VERSION - 1, broken)
    assert run(tmp_path, scheme(tmp_path), "2025", {"u": 95})[0] == 2
    assert "the file was left as it was" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_reports_show_earned_stars_cycle_total_and_reasons(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1\nweights = [0.5, 0.5]")
    run(tmp_path, crit, "2024", {"u1": 55})
    subs = units_csv(tmp_path, "u.csv", {"u1": 95})
    db = str(tmp_path / "h.db")
    assert main(["evaluate", str(crit), str(subs), "--history", db, "--period", "2025", "-f", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    head = rows[0].split(",")
    row = dict(zip(head, rows[1].split(",")))
    # (55 + 95) / 2 = 75 → 3 ★ earned; last period 1 ★ → at most 2
    assert (row["stars"], row["earned_stars"], row["cycle_total"], row["history"]) == ("2", "3", "75.00", "max_rise: 1 → at most 2")
    assert main(["evaluate", str(crit), str(subs), "--history", db, "--period", "2025", "--replace"]) == 0
    table = capsys.readouterr().out
    assert "earned" in table and "cycle total" in table and "75.00" in table and "max_rise: 1 → at most 2" in table
    out = tmp_path / "r.xlsx"
    assert main(["evaluate", str(crit), str(subs), "--history", db, "--period", "2025", "--replace", "-f", "xlsx",
                 "-o", str(out), "--lang", "zh-CN"]) == 0
    import openpyxl
    ws = openpyxl.load_workbook(out)["排名"]
    head = [c.value for c in ws[1]]
    values = dict(zip(head, [c.value for c in ws[2]]))
    assert values["星级"] == 2 and values["应得星级（earned）"] == 3 and values["届期加权总分（cycle_total）"] == 75
    assert values["动态管理（history）"] == "max_rise：上期 1 → 本期最多 2"


# -- faults: killed runs, runs at once (subprocesses, the real command) ---------------------------------------------
import os          # noqa: E402
import random      # noqa: E402
import signal      # noqa: E402
import subprocess  # noqa: E402
import sys         # noqa: E402
import time        # noqa: E402


def big_csv(path: Path, n: int, score: float | None = None, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("unit.id,unit.name,score,accident\n")
        for i in range(n):
            fh.write(f"u{i:07d},Unit {i},{score if score is not None else rng.randint(40, 100)},"
                     f"{'yes' if rng.random() < 0.01 else ''}\n")
    return path


def civscore(*args: str) -> subprocess.Popen:
    env = dict(os.environ, CIVSCORE_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.Popen([sys.executable, "-m", "civscore", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)


def period_state(db: Path, period: str, n: int) -> str:
    """'whole' or 'absent' (anything else fails the test), read the way `civscore history` reads it
    (read-only: a killed run's journal is rolled back first)."""
    assert history.inspect(db) is not None
    with history.History.open(db, readonly=True) as store, store.read():
        periods = store.periods()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = con.execute("SELECT count(*) FROM results WHERE period = ?", (period,)).fetchone()[0]
        listed = con.execute("SELECT count(*) FROM periods WHERE period = ?", (period,)).fetchone()[0]
        runs = con.execute("SELECT count(*) FROM runs WHERE period = ? AND status = 'current'", (period,)).fetchone()[0]
    finally:
        con.close()
    if count == n and listed == 1 and runs == 1:
        assert period in periods
        return "whole"
    assert (count, listed, runs) == (0, 0, 0), f"period {period} half written: {count} of {n} rows"
    return "absent"


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_the_period_whole_or_absent(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1\nban_after_veto = 1\nweights = [0.3, 0.7]")
    n = 60000
    data = big_csv(tmp_path / "big.csv", n)
    db = tmp_path / "h.db"
    first = civscore("evaluate", str(crit), str(data), "--history", str(db), "--period", "2024", "-f", "csv",
                     "-o", str(tmp_path / "r.csv"), "--no-progress")
    assert first.wait() == 0
    start = time.monotonic()
    full = civscore("evaluate", str(crit), str(data), "--history", str(db), "--period", "2025", "-f", "csv",
                    "-o", str(tmp_path / "r.csv"), "--no-progress", "--replace")
    assert full.wait() == 0
    took = time.monotonic() - start
    rng = random.Random(13)
    seen = {"whole": 0, "absent": 0}
    in_transaction = 0
    for k in range(8):
        args = ["evaluate", str(crit), str(data), "--history", str(db), "--period", "2025", "-f", "csv",
                "-o", str(tmp_path / "r.csv"), "--no-progress", "--replace"]
        proc = civscore(*args)
        if k % 2:   # wait for the write transaction (its journal), then kill at a random moment inside it
            journal = Path(str(db) + "-journal")
            while proc.poll() is None and not journal.exists():
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.6))
            in_transaction += journal.exists()
        else:
            time.sleep(rng.uniform(0.1, took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = period_state(db, "2025", n)
        seen[state] += 1
        if state == "absent":   # a killed --replace took the old 2025 with it? never: absent means it was never there
            pytest.fail("a killed --replace run lost the period it was replacing")
    assert in_transaction >= 2          # some kills did land inside the write transaction
    # and the file goes on: a run after all that lands
    assert civscore("evaluate", str(crit), str(data), "--history", str(db), "--period", "2026", "-f", "csv",
                    "-o", str(tmp_path / "r.csv"), "--no-progress").wait() == 0
    assert period_state(db, "2026", n) == "whole"


@pytest.mark.slow
def test_sigkill_of_a_new_period_leaves_it_absent_or_whole(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1")
    n = 60000
    data = big_csv(tmp_path / "big.csv", n)
    db = tmp_path / "h.db"
    assert civscore("evaluate", str(crit), str(data), "--history", str(db), "--period", "2024", "-f", "csv",
                    "-o", str(tmp_path / "r.csv"), "--no-progress").wait() == 0
    rng = random.Random(7)
    states = []
    for k in range(5):
        proc = civscore("evaluate", str(crit), str(data), "--history", str(db), "--period", f"2025-{k}", "-f", "csv",
                        "-o", str(tmp_path / "r.csv"), "--no-progress")
        journal = Path(str(db) + "-journal")
        while proc.poll() is None and not journal.exists():
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        states.append(period_state(db, f"2025-{k}", n))
        if states[-1] == "absent":
            break
    assert "absent" in states


def test_two_runs_at_once_both_land_one_after_the_other(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1")
    n = 5000
    high = big_csv(tmp_path / "high.csv", n, score=95)
    low = big_csv(tmp_path / "low.csv", n, score=55)
    db = tmp_path / "h.db"     # absent: both runs may try to create it
    procs = [civscore("evaluate", str(crit), str(data), "--history", str(db), "--period", "2025", "--replace",
                      "-f", "csv", "-o", str(tmp_path / f"r{k}.csv"), "--no-progress")
             for k, data in enumerate((high, low))]
    for p in procs:
        _, err = p.communicate()
        assert p.returncode == 0, err.decode()
    con = sqlite3.connect(db)
    runs = con.execute("SELECT period, status, units FROM runs ORDER BY id").fetchall()
    assert runs == [("2025", "replaced", n), ("2025", "current", n)]
    totals = {t for (t,) in con.execute("SELECT DISTINCT total FROM results WHERE period = '2025'")}
    assert totals in ({95.0}, {55.0})          # one run's rows, never a mix
    con.close()
    # and two more at once, the second starting while the first works: both recorded, one after the other
    a = civscore("evaluate", str(crit), str(high), "--history", str(db), "--period", "2026", "--replace", "-f", "csv",
                 "-o", str(tmp_path / "a.csv"), "--no-progress")
    time.sleep(0.3)
    b = civscore("evaluate", str(crit), str(high), "--history", str(db), "--period", "2026", "--replace", "-f", "csv",
                 "-o", str(tmp_path / "b.csv"), "--no-progress")
    assert a.wait() == 0 and b.wait() == 0
    with history.History.open(db, readonly=True) as store:
        assert store.periods() == ["2025", "2026"]
        assert [r["status"] for r in store.runs() if r["period"] == "2026"] == ["replaced", "current"]


def test_history_html_charts_each_units_stars_and_escapes_names(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1")
    subs = tmp_path / "evil.csv"
    for period, score, veto in (("2023", 95, ""), ("2024", 95, "yes"), ("2026", 95, "")):
        subs.write_text(f"unit.id,unit.name,score,accident\nx,<script>alert(1)</script>,{score},{veto}\n"
                        f"y,Y,70,\n", encoding="utf-8")
        assert main(["evaluate", str(crit), str(subs), "--history", str(tmp_path / "h.db"), "--period", period,
                     "-o", str(tmp_path / "r.txt")]) == 0
    out = tmp_path / "h.html"
    assert main(["history", str(tmp_path / "h.db"), "-f", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<svg class=\"chart history\"") == 2          # one chart a unit
    # x: 5 ★ (no start_max), vetoed 0 ★, then 1 ★ (max_rise from 0): one line over three periods, a veto mark
    x_chart = page[page.index("hist-unit"):page.index("</svg>")]
    assert x_chart.count("<polyline") == 1 and x_chart.count('class="awarded"') == 3 and "✕" in x_chart
    assert x_chart.count('class="earned"') == 1                       # 2026: earned 5, awarded 1


def test_evaluate_html_shows_the_history_reasons(tmp_path):
    crit = scheme(tmp_path, "max_rise = 1")
    run(tmp_path, crit, "2024", {"u": 55})
    subs = units_csv(tmp_path, "u.csv", {"u": 95})
    out = tmp_path / "r.html"
    assert main(["evaluate", str(crit), str(subs), "--history", str(tmp_path / "h.db"), "--period", "2025",
                 "-f", "html", "-o", str(out)]) == 0
    assert "max_rise: 1 → at most 2" in out.read_text(encoding="utf-8")


DOC = Path(__file__).resolve().parents[1] / "docs" / "history.md"


def test_the_worked_example_of_docs_history_md_is_true(tmp_path, monkeypatch, capsys):
    import re
    text = DOC.read_text(encoding="utf-8")
    for name, body in re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)^```", text, re.S | re.M):
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for year in ("2023", "2024", "2025"):
        assert main(["evaluate", "scheme.toml", f"{year}.csv", "--history", "history.db", "-o", f"{year}.txt"]) == 0
    capsys.readouterr()
    (command, shown), = re.findall(r"<!-- output: (.*?) -->\n```\n(.*?)^```", text, re.S | re.M)
    assert main(command.split()[1:]) == 0
    assert capsys.readouterr().out == shown
    assert main(["check", "scheme.toml", "school.toml", "--history", "history.db", "--target", "5"]) == 1
    assert capsys.readouterr().out.endswith(
        "History: last period (2025) 3 ★, at most 4 ★ this period; earned 5 ★, awarded 4 ★\nTarget 5 ★: NOT met\n")


def test_verify_a_history_run_compares_earned_stars(tmp_path, capsys):
    crit = scheme(tmp_path, "max_rise = 1")
    run(tmp_path, crit, "2024", {"u": 55})
    subs = units_csv(tmp_path, "u.csv", {"u": 95})
    out = tmp_path / "r.json"
    assert main(["evaluate", str(crit), str(subs), "--history", str(tmp_path / "h.db"), "--period", "2025",
                 "-f", "json", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0          # awarded 2, earned 5: the re-run's 5 matches the earned stars
    assert "recorded with --history" in capsys.readouterr().out


def test_a_run_that_reads_no_unit_records_no_period(tmp_path, capsys):
    crit = scheme(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[unit\n", encoding="utf-8")
    assert main(["evaluate", str(crit), str(bad), "--history", str(tmp_path / "h.db"), "--period", "2025"]) == 1
    assert not (tmp_path / "h.db").exists()


def test_quota_places_go_by_cycle_total(tmp_path):
    crit = tmp_path / "q.toml"
    crit.write_text(SCHEME.replace('''levels = [
  { stars = 5, min_score = 90 },
  { stars = 4, min_score = 80 },
  { stars = 3, min_score = 70 },
  { stars = 2, min_score = 60 },
  { stars = 1, min_score = 50 },
]''', '''method = "quota"
levels = [{ stars = 5, top = 0.34 }, { stars = 3, top = 1.0 }]''') + "\n[history]\nweights = [0.5, 0.5]\n", encoding="utf-8")
    run(tmp_path, crit, "2024", {"a": 90, "b": 80, "c": 70})
    _, doc = run(tmp_path, crit, "2025", {"a": 72, "b": 80, "c": 85})
    got = {r["unit"]["id"]: (r["cycle_total"], r["rank"], r["stars"]) for r in doc["results"]}
    # cycle totals: a (90+72)/2 = 81, b 80, c (70+85)/2 = 77.5; floor(0.34 × 3) = 1 place at 5 ★, taken by a,
    # whose own total this year is the lowest
    assert got == {"a": (81.0, 1, 5), "b": (80.0, 2, 3), "c": (77.5, 3, 3)}
    assert [r["unit"]["id"] for r in doc["results"]] == ["a", "b", "c"]


def test_earned_stars_include_caps_and_the_label_follows_the_awarded_stars(tmp_path):
    crit = tmp_path / "c.toml"
    crit.write_text(SCHEME.replace('{ stars = 5, min_score = 90 }', '{ stars = 5, min_score = 90, label = "五星" }')
                    .replace('{ stars = 3, min_score = 70 }', '{ stars = 3, min_score = 70, label = "三星" }')
                    .replace('{ stars = 1, min_score = 50 },\n]', '{ stars = 1, min_score = 50 },\n]\n'
                             'caps = [{ criterion = "work", below = 0.8, max_stars = 2 }]')
                    + "\n[history]\nstart_max = 3\n", encoding="utf-8")
    _, doc = run(tmp_path, crit, "2024", {"a": 95, "b": 75})
    got = {r["unit"]["id"]: (r["earned_stars"], r["stars"], r["label"]) for r in doc["results"]}
    # a: 5 ★ earned → start_max 3, labelled 三星; b: 3 ★ by score, capped at 2 (work 75% < 80%) → earned 2
    assert got == {"a": (5, 3, "三星"), "b": (2, 2, None)}
