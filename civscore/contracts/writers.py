"""What a report writer is written with: the :class:`Writer` base class."""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from .i18n import _


class Writer:
    """Base of report writers.

    ``name`` is the ``--format`` value; ``binary`` writers return bytes and
    need ``--output``. ``needs_reasons = False`` lets ``evaluate`` skip
    keeping every item's reasons (much less memory for big runs).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    binary: ClassVar[bool] = False
    needs_reasons: ClassVar[bool] = True

    def evaluation(self, ev: Any) -> str | bytes:
        """The ``evaluate`` report of every unit."""
        raise NotImplementedError(_("format {name!r} cannot write an evaluation").format(name=self.name))

    def check(self, doc: dict[str, Any]) -> str | bytes:
        """The ``check`` report of one unit, from :func:`check_doc`."""
        raise NotImplementedError(_("format {name!r} cannot write a check").format(name=self.name))

    def evaluation_chunks(self, ev: Any) -> Iterable[str | bytes]:
        """The ``evaluate`` report in pieces, written as they come (big runs
        need not hold the whole report in memory). Default: one piece."""
        yield self.evaluation(ev)
