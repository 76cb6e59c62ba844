"""History and dynamic management (SPEC §8): every evaluation kept in an SQLite file.

One file belongs to one scheme id and holds periods (``2024`` < ``2025`` <
``2025-H2``: ordered as strings), the provenance of every run, and per period
and unit the total, ``cycle_total``, earned and awarded stars, rank, vetoes
and category scores, so that any period can be shown again without the
submission files.

The file is a record people rely on:

- it is checked before SQLite touches it: a file that is not a civscore
  history (text, another SQLite database, a truncated file, one written by a
  newer civscore) is refused with one line and never changed;
- a run reads the timeline and writes its period inside ONE write transaction
  (``BEGIN IMMEDIATE`` with a busy timeout), so concurrent runs serialise and
  a run that fails or is killed leaves the file as it was (SQLite's rollback
  journal);
- the schema has a version (``PRAGMA user_version``); an older file is
  migrated inside the run's transaction.

The rules themselves (:func:`apply_rules`) work on NumPy columns: the past
comes from one query, the rows go in with ``executemany``.
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Sequence


if TYPE_CHECKING:
    import numpy as np
else:
    from . import _np as np

from .contracts.errors import UsageError
from .contracts.i18n import _, ngettext
from .criteria import HistoryModel, Scheme
from .engine import Evaluation, round2_array
from .plugins import civscore_version

if TYPE_CHECKING:  # pragma: no cover
    from .contracts.units import Unit

#: ``PRAGMA application_id`` of a civscore history ("CvSH"): how a file is known as ours
APPLICATION_ID = 0x43765348
#: ``PRAGMA user_version``: the schema this civscore writes; older files are migrated (MIGRATIONS)
SCHEMA_VERSION = 1
#: seconds a run waits for another run's write transaction (CIVSCORE_HISTORY_TIMEOUT overrides)
BUSY_TIMEOUT = 600.0
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, period TEXT NOT NULL, recorded_at TEXT NOT NULL, status TEXT NOT NULL,
  scheme_version TEXT NOT NULL, criteria TEXT, criteria_sha256 TEXT NOT NULL, civscore TEXT NOT NULL,
  plugins TEXT NOT NULL, submissions TEXT NOT NULL, by_group INTEGER NOT NULL, units INTEGER NOT NULL,
  errors TEXT NOT NULL, rules TEXT NOT NULL, categories TEXT NOT NULL, levels TEXT NOT NULL);
CREATE TABLE periods (period TEXT PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(id));
CREATE TABLE results (
  period TEXT NOT NULL, unit TEXT NOT NULL, name TEXT NOT NULL, grp TEXT, region TEXT,
  total REAL NOT NULL, cycle_total REAL, earned INTEGER NOT NULL, stars INTEGER NOT NULL, rank INTEGER,
  vetoes TEXT NOT NULL, complete INTEGER NOT NULL, categories BLOB NOT NULL, history TEXT,
  PRIMARY KEY (period, unit)) WITHOUT ROWID;
"""
# results.categories: the category scores (rounded to 2 decimals) as little-endian float64s, in the order
# of the period's run's ``categories``; results.vetoes: veto ids joined by ';' ('' when none);
# results.history: a JSON list of the history's reasons, NULL when none

#: version → function bringing a file of that version to the next one, run inside the run's transaction
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


class HistoryError(UsageError):
    """A history file that cannot be used (exit 2); the file is left as it was."""


# -- recognising a history before SQLite touches it ---------------------------------------------------
def inspect(path: str | os.PathLike) -> Optional[int]:
    """The schema version of the civscore history at ``path``, or ``None``
    when no file is there. Anything else is refused with a :class:`HistoryError`,
    from the first 100 bytes and the size alone, so a foreign file is never opened
    by SQLite (which could write to it)."""
    where = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HistoryError(_("cannot read the history file: {why}").format(why=exc.strerror or exc), where) from None
    if not os.path.isfile(path):
        raise HistoryError(_("is not a regular file; give a civscore history file (SQLite)"), where)
    if st.st_size == 0:
        raise HistoryError(_("is an empty file, not a civscore history; delete it, or give a new file name "
                             "to start a history"), where)
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise HistoryError(_("cannot read the history file: {why}").format(why=exc.strerror or exc), where) from None
    if not head.startswith(SQLITE_MAGIC):
        raise HistoryError(_("is not a civscore history (not an SQLite database); give another --history file"), where)
    if len(head) < 100:
        raise HistoryError(_("is a truncated SQLite file ({n} bytes), not a usable civscore history").format(n=st.st_size), where)
    app = int.from_bytes(head[68:72], "big")
    version = int.from_bytes(head[60:64], "big")
    if app != APPLICATION_ID:
        raise HistoryError(_("is an SQLite database but not a civscore history; give another --history file"), where)
    if version > SCHEMA_VERSION:
        raise HistoryError(_("was written by a newer civscore (history schema {found}; this civscore reads up to {ours}); "
                             "upgrade civscore to use it").format(found=version, ours=SCHEMA_VERSION), where)
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    header_valid = head[92:96] == head[24:28]
    journal = os.path.exists(f"{path}-journal") or os.path.exists(f"{path}-wal")
    if not journal and (page_size < 512 or st.st_size % page_size or (header_valid and pages * page_size > st.st_size)):
        raise HistoryError(_("is truncated or damaged ({size} bytes where its header says {want}); "
                             "restore it from a backup").format(size=st.st_size, want=pages * page_size), where)
    return version


# -- the periods a run records ------------------------------------------------------------------------------
def run_period(units: Sequence["Unit"], period: Optional[str]) -> tuple[str, list[str]]:
    """SPEC §8: the period of a run (``--period``, or else the ``unit.period``
    every unit shares) and the warnings to print."""
    found: dict[str, int] = {}
    for u in units:
        if u.period:
            found[u.period] = found.get(u.period, 0) + 1
    if period is not None:
        period = period.strip()
        if not period:
            raise UsageError(_("--period: give a period such as 2025"))
        others = {p: n for p, n in found.items() if p != period}
        if others:
            n = sum(others.values())
            return period, [ngettext("--period {period} wins over unit.period {others} of {n} unit",
                                     "--period {period} wins over unit.period {others} of {n} units", n).format(
                period=period, others=", ".join(sorted(others)), n=n)]
        return period, []
    if not found:
        raise UsageError(_("--history needs a period: give --period P (no unit gives unit.period)"))
    if len(found) > 1:
        shown = ", ".join(sorted(found)[:5]) + (" …" if len(found) > 5 else "")
        raise UsageError(_("--history: the units give {n} periods ({periods}); give --period P, or evaluate "
                           "each period on its own").format(n=len(found), periods=shown))
    return next(iter(found)), []


# -- the past of this run's units ---------------------------------------------------------------------------------
@dataclass
class Past:
    """What the history says about a run's units, aligned with them."""

    period: Optional[str]                     # None: check's "the next period"
    timeline: list[str]                       # every period of the file, sorted
    before: list[str]                         # the timeline's periods before this one
    totals: np.ndarray                        # (n, k-1) earlier totals, oldest first (weights only)
    have: np.ndarray                          # (n, k-1) which of them exist
    prev_stars: np.ndarray                    # awarded stars of the previous record, -1: none
    prev_period: list[Optional[str]] = field(default_factory=list)
    banned: dict[int, str] = field(default_factory=dict)   # unit index → the vetoed period that bans it


def load_past(conn: sqlite3.Connection, ids: Sequence[str], period: str, rules: HistoryModel,
              want_periods: bool = False) -> Past:
    """One query for the last records of every unit before ``period``, one for the vetoed periods."""
    timeline = [r[0] for r in conn.execute("SELECT period FROM periods ORDER BY period")]
    before = [p for p in timeline if p < period]
    n = len(ids)
    k = len(rules.weights) if rules.weights else 1
    depth = max(k - 1, 1)
    totals = np.zeros((n, depth))
    have = np.zeros((n, depth), dtype=bool)
    prev_stars = np.full(n, -1, dtype=np.int64)
    past = Past(period, timeline, before, totals, have, prev_stars, [None] * n if want_periods else [])
    needed = bool(rules.weights) or rules.max_rise is not None or rules.start_max is not None or want_periods
    if not before or not n:
        return past
    pos = {u: i for i, u in enumerate(ids)}
    get = pos.get
    found = np.zeros(n, dtype=np.int64)    # how many earlier records of each unit are known
    wanted = n * depth if needed else 0
    for when in reversed(before):           # newest first: one primary-key range scan per period
        if wanted == 0:
            break
        rows = conn.execute("SELECT unit, total, stars FROM results WHERE period = ?", (when,)).fetchall()
        if not rows:
            continue
        units, got_totals, got_stars = zip(*rows)
        idx = np.fromiter(map(get, units, repeat(-1)), dtype=np.intp, count=len(units))
        keep = np.flatnonzero(idx >= 0)
        idx = idx[keep]
        rn = found[idx]
        ok = rn < depth
        keep, idx, rn = keep[ok], idx[ok], rn[ok]
        totals[idx, depth - 1 - rn] = np.asarray(got_totals, dtype=np.float64)[keep]
        have[idx, depth - 1 - rn] = True
        first = rn == 0
        prev_stars[idx[first]] = np.asarray(got_stars, dtype=np.int64)[keep[first]]
        if want_periods:
            for i in idx[first].tolist():
                past.prev_period[i] = when
        found[idx] += 1
        wanted -= len(idx)
    if rules.ban_after_veto:
        window = before[-rules.ban_after_veto:]
        marks = ",".join("?" * len(window))
        for unit, vetoed_in in conn.execute(f"SELECT unit, max(period) FROM results WHERE period IN ({marks}) "
                                            f"AND vetoes != '' GROUP BY unit", window):
            i = get(unit)
            if i is not None:
                past.banned[i] = vetoed_in
    return past


def cycle_totals(total: np.ndarray, past: Past, weights: Sequence[float]) -> np.ndarray:
    """SPEC §8: Σ wi × total_i over the unit's last k recorded periods, this one
    included, oldest first; a unit with j < k periods uses the last j weights
    scaled to sum 1. Rounded like a total."""
    w = np.asarray(weights, dtype=np.float64)
    k = len(w)
    if k == 1:
        return round2_array(total * w[0])
    t = np.column_stack([past.totals[:, -(k - 1):], total])
    m = np.column_stack([past.have[:, -(k - 1):], np.ones(len(total), dtype=bool)])
    num = (np.where(m, t, 0.0) * w).sum(axis=1)
    den = (m * w).sum(axis=1)
    full = m.all(axis=1)
    return round2_array(np.where(full, num, num / den))


def apply_rules(ev: Evaluation, past: Past) -> None:
    """Earned stars (re-rated on ``cycle_total`` with weights), then SPEC §8's
    rules in order: vetoes and bans, then ``max_rise`` / ``start_max``.
    Sets ``ev.earned_stars``, ``ev.stars`` (awarded), ``ev.cycle_total`` and
    ``ev.history_reasons`` (sparse: only the units a rule lowered)."""
    rules = ev.scheme.history
    n = ev.n
    reasons: dict[int, list[str]] = {}
    if rules is not None and rules.weights:
        ev.cycle_total = cycle_totals(np.asarray(ev.total, dtype=np.float64), past, rules.weights)
        ev.rerate(ev.cycle_total)
    earned = np.asarray(ev.stars, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    awarded = earned.copy()
    vetoed_now = np.array([bool(v) for v in ev.vetoes], dtype=bool) if n else np.zeros(0, dtype=bool)
    awarded[vetoed_now] = 0
    if rules is not None:
        for i, vetoed_in in past.banned.items():
            if not vetoed_now[i] and awarded[i] > 0:
                awarded[i] = 0
                reasons.setdefault(i, []).append(
                    _("ban_after_veto: vetoed in {period} → 0").format(period=vetoed_in))
        has_prev = past.prev_stars >= 0
        if rules.max_rise is not None:
            limit = past.prev_stars + rules.max_rise
            over = np.flatnonzero(has_prev & (awarded > limit))
            for i, prev, lim in zip(over.tolist(), past.prev_stars[over].tolist(), limit[over].tolist()):
                reasons.setdefault(i, []).append(_("max_rise: {prev} → at most {limit}").format(prev=prev, limit=lim))
            awarded[over] = limit[over]
        if rules.start_max is not None:
            over = np.flatnonzero(~has_prev & (awarded > rules.start_max))
            for i in over.tolist():
                reasons.setdefault(i, []).append(
                    _("start_max: first recorded period → at most {limit}").format(limit=rules.start_max))
            awarded[over] = rules.start_max
    ev.earned_stars = [int(s) for s in earned.tolist()]
    ev.stars = [int(s) for s in awarded.tolist()]
    ev.history_reasons = reasons


def allowance(past: Past, i: int, rules: Optional[HistoryModel]) -> dict[str, Any]:
    """What the history allows unit ``i`` this period, for ``check --history``."""
    prev = int(past.prev_stars[i]) if len(past.prev_stars) else -1
    out: dict[str, Any] = {"period": past.period, "previous_period": None, "previous_stars": None,
                           "max_stars": None, "banned_by": past.banned.get(i)}
    if prev >= 0:
        out["previous_stars"] = prev
        out["previous_period"] = past.prev_period[i] if past.prev_period else None
    if rules is None:
        return out
    if past.banned.get(i) is not None:
        out["max_stars"] = 0
    elif prev >= 0 and rules.max_rise is not None:
        out["max_stars"] = prev + rules.max_rise
    elif prev < 0 and rules.start_max is not None:
        out["max_stars"] = rules.start_max
    return out


# -- the store ---------------------------------------------------------------------------------------------------------
class History:
    """An open history file. Use :meth:`open` (checks the file first)."""

    def __init__(self, path: str, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn

    # opening ------------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = False, readonly: bool = False) -> "History":
        where = str(path)
        version = inspect(path)
        if version is None:
            if not create:
                raise HistoryError(_("no such history file"), where)
            _create(where)
        timeout = float(os.environ.get("CIVSCORE_HISTORY_TIMEOUT") or BUSY_TIMEOUT)
        if readonly and os.path.exists(f"{where}-journal"):
            _recover(where, timeout)
        try:
            if readonly:
                conn = sqlite3.connect(Path(where).resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout,
                                       isolation_level=None)
            else:
                conn = sqlite3.connect(where, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(_("cannot open the history: {why}").format(why=exc), where) from None
        return cls(where, conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def errors(self) -> Iterator[None]:
        """SQLite's errors as one line naming the file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise HistoryError(_("another run has held the history for too long ({why}); try again "
                                     "(CIVSCORE_HISTORY_TIMEOUT sets the wait in seconds); the file was left as it was")
                                   .format(why=exc), self.path) from None
            raise HistoryError(_("cannot use the history: {why}; the file was left as it was").format(why=exc),
                               self.path) from None
        except sqlite3.DatabaseError as exc:
            raise HistoryError(_("the history is damaged: {why}; the file was left as it was").format(why=exc),
                               self.path) from None

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE): committed when the block ends, else rolled back."""
        with self.errors():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[None]:
        with self.errors():
            self.conn.execute("BEGIN")
            try:
                yield
            finally:
                self.conn.execute("ROLLBACK")

    def prepare(self, scheme_id: Optional[str], write: bool, older_ok: bool = False) -> None:
        """Inside a transaction: make a new file a history, migrate an old one,
        check the scheme. Raises :class:`HistoryError` (the caller rolls back)."""
        conn = self.conn
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app != APPLICATION_ID:
            raise HistoryError(_("is an SQLite database but not a civscore history; give another --history file"), self.path)
        if version > SCHEMA_VERSION:
            raise HistoryError(_("was written by a newer civscore (history schema {found}; this civscore reads up to "
                                 "{ours}); upgrade civscore to use it").format(found=version, ours=SCHEMA_VERSION), self.path)
        if version < SCHEMA_VERSION and not older_ok:
            if not write:
                raise HistoryError(_("was written by an older civscore (history schema {found}); a run of evaluate "
                                     "--history brings it up to date").format(found=version), self.path)
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
        stored = conn.execute("SELECT value FROM meta WHERE key = 'scheme'").fetchone()
        if stored is None:
            if not write:
                return
            conn.execute("INSERT INTO meta VALUES ('scheme', ?)", (scheme_id,))
        elif scheme_id is not None and stored[0] != scheme_id:
            raise HistoryError(_("is the history of scheme {theirs!r}, not {ours!r}; give another --history file")
                               .format(theirs=stored[0], ours=scheme_id), self.path)

    # reading --------------------------------------------------------------------------------------------
    def scheme_id(self) -> Optional[str]:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'scheme'").fetchone()
        return row[0] if row else None

    def periods(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT period FROM periods ORDER BY period")]

    def runs(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT * FROM runs ORDER BY id")
        names = [d[0] for d in cur.description]
        out = []
        for row in cur:
            run = dict(zip(names, row))
            for key in ("plugins", "submissions", "errors", "rules", "categories", "levels"):
                run[key] = json.loads(run[key])
            run["by_group"] = bool(run["by_group"])
            out.append(run)
        return out

    def records(self, unit: Optional[str] = None) -> Iterator[dict[str, Any]]:
        """Every record, by unit then period (one unit's with ``unit``)."""
        query = ("SELECT unit, period, name, grp, region, total, cycle_total, earned, stars, rank, vetoes, complete, "
                 "categories, history FROM results")
        # one unit: a primary-key lookup per period, not a scan of every record
        cur = (self.conn.execute(query + " WHERE period IN (SELECT period FROM periods) AND unit = ? ORDER BY period",
                                 (unit,)) if unit is not None
               else self.conn.execute(query + " ORDER BY unit, period"))
        for (uid, period, name, grp, region, total, cycle, earned, stars, rank, vetoes, complete, cats,
             reasons) in cur:
            yield {"unit": uid, "period": period, "name": name, "group": grp, "region": region, "total": total,
                   "cycle_total": cycle, "earned_stars": earned, "stars": stars, "rank": rank,
                   "vetoed": bool(vetoes), "vetoes": vetoes.split(";") if vetoes else [],
                   "complete": bool(complete), "categories": np.frombuffer(cats, dtype="<f8").tolist(),
                   "history": json.loads(reasons) if reasons else []}

    # writing -----------------------------------------------------------------------------------------------
    def check_period(self, period: str, replace: bool) -> list[str]:
        """SPEC §8's ordering of periods; returns the warnings to print."""
        timeline = self.periods()
        later = [p for p in timeline if p > period]
        if period in timeline and not replace:
            raise HistoryError(_("already holds period {period}; give --replace to record it again").format(period=period),
                               self.path)
        if later and period not in timeline:
            raise HistoryError(_("period {period} is earlier than the latest recorded one ({latest}); periods are "
                                 "added in order (they sort as text: 2024 < 2025 < 2025-H2)")
                               .format(period=period, latest=timeline[-1]), self.path)
        if later:
            return [ngettext("replacing period {period}: the stars of the later period {later} were awarded from the old "
                             "record; re-run it with --replace to bring it up to date",
                             "replacing period {period}: the stars of the later periods {later} were awarded from the old "
                             "record; re-run them with --replace to bring them up to date", len(later))
                    .format(period=period, later=", ".join(later))]
        return []

    def record(self, ev: Evaluation, period: str, provenance: dict[str, Any]) -> None:
        """Write ``ev`` as ``period`` (replacing what was there), inside the open transaction."""
        conn = self.conn
        scheme = ev.scheme
        rules = scheme.history.model_dump(exclude_none=True) if scheme.history is not None else {}
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn.execute("UPDATE runs SET status = 'replaced' WHERE id IN (SELECT run FROM periods WHERE period = ?)", (period,))
        conn.execute("DELETE FROM results WHERE period = ?", (period,))
        cur = conn.execute(
            "INSERT INTO runs (period, recorded_at, status, scheme_version, criteria, criteria_sha256, civscore, plugins, "
            "submissions, by_group, units, errors, rules, categories, levels) VALUES (?, ?, 'current', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (period, now, scheme.version, provenance.get("criteria"), scheme.sha256, civscore_version(),
             _json(ev.registry.plugin_versions()), _json(provenance.get("submissions") or []),
             int(bool(provenance.get("by_group"))), ev.n, _json(ev.error_dicts()), _json(rules),
             _json([{"id": c.id, "title": c.title, "points": c.points} for c in scheme.categories]),
             _json(scheme.describe()["levels"])))
        conn.execute("INSERT OR REPLACE INTO periods VALUES (?, ?)", (period, cur.lastrowid))
        conn.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", result_rows(ev, period))


def result_rows(ev: Evaluation, period: str) -> Iterator[tuple]:
    """The rows of ``results`` in unit id order (so the primary key grows at its
    end), built column by column with NumPy and zipped into tuples, a chunk at a
    time: no per-unit object but the row."""
    n = ev.n
    chunk = 50000
    ids = [u.id for u in ev.units]
    by_id = np.asarray(sorted(range(n), key=ids.__getitem__), dtype=np.intp)
    cats = np.column_stack([round2_array(ev.categories[c.id]) for c in ev.scheme.categories]) \
        if ev.scheme.categories else np.zeros((n, 0))
    cats = np.ascontiguousarray(cats, dtype="<f8")
    width = cats.shape[1] * 8
    cycle = ev.cycle_total
    reasons = ev.history_reasons
    total = np.asarray(ev.total, dtype=np.float64)
    earned = np.asarray(ev.earned_stars, dtype=np.int64)
    stars = np.asarray(ev.stars, dtype=np.int64)
    complete = np.asarray(ev.complete).astype(np.int64)
    for start in range(0, n, chunk):
        order = by_id[start:start + chunk]
        at = order.tolist()
        m = len(at)
        units = [ev.units[i] for i in at]
        blob = cats[order].tobytes()
        yield from zip(
            [period] * m, [ids[i] for i in at], [u.name for u in units], [u.group for u in units],
            [u.region for u in units], total[order].tolist(),
            cycle[order].tolist() if cycle is not None else [None] * m,
            earned[order].tolist(), stars[order].tolist(), [ev.rank[i] for i in at],
            [";".join(ev.vetoes[i]) if ev.vetoes[i] else "" for i in at], complete[order].tolist(),
            [blob[k:k + width] for k in range(0, m * width, width)] if width else [b""] * m,
            [_json(reasons[i]) if i in reasons else None for i in at] if reasons else [None] * m)


def _recover(path: str, timeout: float) -> None:
    """A run was killed inside its transaction and left its rollback journal:
    a read-only connection cannot roll it back, so a writable one does, first
    (that puts the file back as it was before the run)."""
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise HistoryError(_("a run was interrupted and its journal ({journal}) could not be rolled back: {why}; "
                             "run civscore once with write access to the file").format(journal=f"{path}-journal", why=exc),
                           path) from None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _create(path: str) -> None:
    """A new, empty history at ``path``, made beside it and linked into place,
    so the file appears whole or not at all (another run creating it at the same
    moment wins, and is used)."""
    target = Path(path)
    if not target.parent.exists():
        raise HistoryError(_("the folder {folder} does not exist").format(folder=str(target.parent)), path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new", dir=str(target.parent))
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)   # as sqlite3 would make it, not mkstemp's private 0600
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
        finally:
            conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass          # another run made it first: use theirs
        except OSError:   # a file system without hard links
            if not os.path.exists(path):
                os.replace(tmp, path)
    except OSError as exc:
        raise HistoryError(_("cannot create the history: {why}").format(why=exc.strerror or exc), path) from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


# -- a run --------------------------------------------------------------------------------------------------------------
def preflight(path: str, scheme: Scheme, period: str, replace: bool) -> None:
    """Before scoring: refuse a foreign file, another scheme's history or a
    period out of order now, not after minutes of work (the run's transaction
    checks again)."""
    if inspect(path) is None:
        return
    with History.open(path, readonly=True) as store, store.read():
        store.prepare(scheme.id, write=False, older_ok=True)   # the run's transaction migrates it
        store.check_period(period, replace)


def record(ev: Evaluation, path: str, period: str, replace: bool = False, provenance: Optional[dict] = None,
           warn: Callable[[str], None] = lambda line: None,
           before_commit: Optional[Callable[[], None]] = None) -> None:
    """SPEC §8 for one run: in ONE write transaction, read the timeline, apply
    the rules to ``ev`` (its stars become the awarded ones), write the period,
    call ``before_commit`` (the report is written there, so a run that fails
    writing it records nothing), commit."""
    provenance = provenance or {}
    with History.open(path, create=True) as store, store.write():
        store.prepare(ev.scheme.id, write=True)
        for line in store.check_period(period, replace):
            warn(line)
        past = load_past(store.conn, [u.id for u in ev.units], period, _rules(ev.scheme))
        apply_rules(ev, past)
        ev.history = {"file": path, "period": period, "replaced": period in past.timeline,
                      "previous_periods": past.before, "rules": ev.scheme.history.model_dump(exclude_none=True)
                      if ev.scheme.history is not None else {}}
        store.record(ev, period, provenance)
        if before_commit is not None:
            before_commit()


def check_past(ev: Evaluation, path: str, period: Optional[str]) -> Past:
    """``check --history``: apply the rules to a one-unit evaluation as a run of
    ``period`` would (default: the period after the file's latest), writing nothing."""
    with History.open(path, readonly=True) as store, store.read():
        store.prepare(ev.scheme.id, write=False)
        timeline = store.periods()
        after_all = (timeline[-1] if timeline else "") + "\uffff"   # sorts after every recorded period
        past = load_past(store.conn, [u.id for u in ev.units], period or after_all, _rules(ev.scheme), want_periods=True)
    past.period = period
    apply_rules(ev, past)
    ev.history = {"file": path, "period": period,
                  "replaced": period in past.timeline, "previous_periods": past.before,
                  "rules": ev.scheme.history.model_dump(exclude_none=True) if ev.scheme.history is not None else {}}
    return past


def _rules(scheme: Scheme) -> HistoryModel:
    return scheme.history if scheme.history is not None else HistoryModel()


__all__ = ["History", "HistoryError", "Past", "inspect", "run_period", "load_past", "cycle_totals", "apply_rules",
           "allowance", "preflight", "record", "check_past", "APPLICATION_ID", "SCHEMA_VERSION"]
