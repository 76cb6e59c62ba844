"""Reading submissions (SPEC §4): files and directories in, units out.

:func:`read_all` walks files and directories, hands each file to the reader
registered for its suffix, rejects duplicate unit ids, combines several
assessors' sheets and collects the errors: bad files and rows become
errors, never exceptions, so one bad row never loses the others.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, cast

from .assessors import Aggregator
from .contracts.errors import SubmissionError
from .contracts.i18n import _
from .contracts.units import MAX_FILE_BYTES, Item, Unit
from .memory import gc_paused
from .plugins import Registry, load_plugin_files, plugin_files

@dataclass
class Submissions:
    units: list[Unit]
    errors: list[SubmissionError]
    files: list[dict[str, str]]       # {"path", "sha256"} of every file read


def expand(paths: Iterable[str | Path], registry: Registry) -> tuple[list[Path], list[SubmissionError]]:
    """Files to read: named files as they are, directories' known files sorted by path."""
    files: list[Path] = []
    errors: list[SubmissionError] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in registry.readers
                           and not any(part.startswith(".") for part in f.relative_to(path).parts))
            if not found:
                errors.append(SubmissionError(_("no submission files ({suffixes}) in this directory").format(
                    suffixes=", ".join(sorted(registry.readers))), str(path)))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():  # a device or a pipe: never read (a FIFO would block forever)
            errors.append(SubmissionError(_("not a regular file (a device or a pipe?); give submission files"), str(path)))
        else:
            errors.append(SubmissionError(_("no such file or directory"), str(path)))
    return files, errors


def read_file(path: Path, registry: Registry) -> tuple[list[Item], Optional[dict[str, str]]]:
    """One file's units and errors (in file order) and its ``{"path", "sha256"}``."""
    source = str(path)
    reader_cls = registry.readers.get(path.suffix.lower())
    if reader_cls is None:
        return [SubmissionError(_("unknown submission format {suffix}; readable: {suffixes}").format(
            suffix=repr(path.suffix) if path.suffix else _("(no suffix)"), suffixes=", ".join(sorted(registry.readers))), source)], None
    try:
        size = path.stat().st_size
        limit = getattr(reader_cls, "max_bytes", MAX_FILE_BYTES)
        if size > limit:
            raise SubmissionError(_("file is {mb} MB, over the {limit} MB limit of {suffix} files; split it").format(
                mb=size // 1024 // 1024, limit=limit // 1024 // 1024, suffix=path.suffix), source)
        data = path.read_bytes()
    except OSError as exc:
        return [SubmissionError(_("cannot read: {reason}").format(reason=exc.strerror), source)], None
    except SubmissionError as exc:
        return [exc], None
    digest = {"path": source, "sha256": hashlib.sha256(data).hexdigest()}
    if not data or data.isspace():   # not data.strip(): that copies a file of hundreds of MB to learn it is not blank
        return [SubmissionError(_("empty file"), source)], digest
    items: list[Item] = []
    try:
        items.extend(reader_cls().read(path, data))
        if not items:  # [] in JSON, a header without rows: say so rather than report nothing
            items.append(SubmissionError(_("no unit in this file; nothing to evaluate"), source))
    except SubmissionError as exc:
        items.append(exc)
    except (RecursionError, MemoryError) as exc:
        items.append(SubmissionError(_("cannot read: {reason}").format(reason=type(exc).__name__), source))
    except Exception as exc:  # a plugin reader that fails
        owner = registry.owner.get(("readers", path.suffix.lower()), "?")
        items.append(SubmissionError(_("reader from plugin {plugin!r} failed: {error}").format(
            plugin=owner, error=f"{type(exc).__name__}: {exc}"), source))
    return items, digest


def _read_in_worker(task: tuple[Registry, Path]) -> tuple[list[Item], Optional[dict[str, str]]]:
    registry, path = task
    return read_file(path, registry)


#: the start method of ``--jobs`` workers: None is the platform's default (``spawn`` on Windows and macOS)
START_METHOD: Optional[str] = None


def _read_files(files: list[Path], registry: Registry, jobs: int) -> Iterator[tuple[list[Item], Optional[dict]]]:
    """Each file's items, in order; with ``jobs`` > 1 several files are read
    at once in worker processes, which get the registry pickled (nothing is
    inherited: the ``spawn`` start method works as ``fork`` does)."""
    if jobs <= 1 or len(files) < 2:
        for path in files:
            yield read_file(path, registry)
        return
    import multiprocessing  # lazily: only --jobs starts processes (30 ms of a check's imports)
    from concurrent.futures import ProcessPoolExecutor
    ctx = multiprocessing.get_context(START_METHOD)
    # plugins from a folder are loaded first, so the registry's readers unpickle by module name
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=load_plugin_files,
                             initargs=(plugin_files(),)) as pool:
        yield from pool.map(_read_in_worker, [(registry, path) for path in files],
                            chunksize=max(1, len(files) // (jobs * 8)))


def read_all(paths: Iterable[str | Path], registry: Registry, scheme: Any = None,
             jobs: int = 1) -> Submissions:
    """Read every submission; bad files and rows become errors, never exceptions.

    ``scheme`` (optional) tells how several assessors' sheets of a unit are
    combined (its ``[rating] aggregate`` and ``max_spread``; docs/assessors.md).
    ``jobs`` > 1 reads several files at once in worker processes; the result
    is the same, in the same order."""
    panel = Aggregator(scheme)
    files, errors = expand(paths, registry)
    hashes: list[dict[str, str]] = []
    with gc_paused():
        units = _collect(files, registry, jobs, panel, errors, hashes)
    return Submissions(panel.combine(units, errors), errors, hashes)


def _collect(files: list[Path], registry: Registry, jobs: int, panel: Any, errors: list, hashes: list) -> list[Unit]:
    """Every file's units in order, duplicates and bad rows turned into errors."""
    units: list[Unit] = []
    seen: dict[str, Unit] = {}
    for items, digest in _read_files(files, registry, jobs):
        if digest is not None:
            hashes.append(digest)
        if not _add_plain(items, units, seen, panel):
            _add(items, units, seen, panel, errors)
    return units


def _add_plain(items: list[Item], units: list[Unit], seen: dict[str, Unit], panel: Any) -> bool:
    """A file's items when they are all units with new, distinct ids and no
    assessor rows: added as a whole (a million rows in a fraction of a
    second) and True; else nothing is added and False."""
    if not items or any(type(item) is not Unit for item in items):
        return False
    plain = cast("list[Unit]", items)
    ids = [u.id for u in plain]
    if len(set(ids)) != len(ids) or (seen and not seen.keys().isdisjoint(ids)):
        return False
    if panel.any_candidate(plain):
        return False
    seen.update(zip(ids, plain))
    units.extend(plain)
    return True


def _add(items: list[Item], units: list[Unit], seen: dict[str, Unit], panel: Any, errors: list) -> None:
    for item in items:
        if isinstance(item, SubmissionError):
            errors.append(item)
            continue
        if panel.is_candidate(item):  # a row of a table with an assessor column: merged below
            units.append(item)
            continue
        first = seen.get(item.id)
        if first is not None:
            errors.append(SubmissionError(_("duplicate unit id {unit!r} (first in {first}); unit ids must be unique").format(
                unit=item.id, first=first.where), item.source, _("row {row}").format(row=item.row) if item.row is not None else None))
            continue
        seen[item.id] = item
        units.append(item)
