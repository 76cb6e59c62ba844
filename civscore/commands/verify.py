"""``civscore verify``: re-run an evaluation from a JSON result's recorded inputs, compare every figure."""
from __future__ import annotations

import json
import sys

from ..verify import verify
from . import err, load_plugins


def run(args) -> int:
    pm = load_plugins(args)
    report = verify(args.results, registry=pm.registry)
    if report.unreadable:
        err(report.unreadable)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif not report.unreadable:
        sys.stdout.write(report.text())
    return report.status
