"""``civscore init``: a blank submission template for a scheme."""
from __future__ import annotations

import os

from ..contracts.errors import UsageError
from ..contracts.i18n import _, current_language
from ..template import template
from . import emit, language_decided, load_plugins, load_scheme


def run(args) -> int:
    pm = load_plugins(args)
    scheme = load_scheme(args, pm)
    if args.output and os.path.exists(args.output) and not args.force:
        raise UsageError(_("{file} exists; give --force to overwrite it").format(file=args.output))
    # the language --lang or the system chose, else the scheme's: the template is the scheme's document
    emit(template(scheme, args.format, current_language() if language_decided() else None), args)
    return 0
