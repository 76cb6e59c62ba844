"""``civscore schema``: the JSON Schema of criteria files, installed scorers' params included."""
from __future__ import annotations

import json

from .. import schema
from . import emit, load_plugins


def run(args) -> int:
    pm = load_plugins(args)
    doc = schema.criteria_schema(pm.registry)
    emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args)
    return 0
