"""``civscore plugins``: the installed plugins and what each provides."""
from __future__ import annotations

import json
import os
from importlib import metadata

from tabulate import tabulate

from ..contracts.errors import UsageError
from ..contracts.i18n import N_, _
from . import emit, load_plugins

#: a plugin's status as the table shows it (JSON keeps the status id)
STATUS = {"ok": N_("ok"), "failed": N_("failed"), "blocked": N_("blocked"), "not loaded": N_("not loaded")}


def _status(p: dict) -> str:
    status = _(STATUS[p["status"]]) if p["status"] in STATUS else p["status"]
    return _("{status}: {error}").format(status=status, error=p["error"]) if p["error"] else status


def run(args) -> int:
    pm = load_plugins(args)
    infos = [p.to_dict() for p in pm.registry.plugins]
    if os.environ.get("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"):  # what is installed but will not run (read from metadata, not imported)
        shown = {p["name"] for p in infos}
        for ep in sorted(metadata.entry_points(group="civscore"), key=lambda e: e.name):
            if ep.name not in shown:
                dist = getattr(ep, "dist", None)
                infos.append({"name": ep.name, "origin": "entry-point", "version": dist.version if dist else None,
                              "status": "not loaded", "error": _("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD is set; load it with -p {name}")
                              .format(name=ep.name),
                              "hooks": [], "provides": {}})
    if args.format == "json":
        content = json.dumps({"plugins": infos, "autoload": not os.environ.get("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD")},
                             ensure_ascii=False, indent=2) + "\n"
    elif args.format in ("table", "markdown"):
        rows = [[p["name"], p["version"] or "", p["origin"], _status(p),
                 "; ".join(f"{k}: {', '.join(v)}" for k, v in p["provides"].items() if v)] for p in infos]
        content = tabulate(rows, [_("plugin"), _("version"), _("origin"), _("status"), _("provides")],
                           tablefmt="github" if args.format == "markdown" else "simple") + "\n"
    else:
        raise UsageError(_("--format {name!r}: plugins writes table, markdown or json").format(name=args.format))
    emit(content, args)
    return 0
