"""civscore: score organisations against published assessment criteria and
rank them into star ratings.

The public API::

    import civscore
    scheme = civscore.load("civilized-unit")            # a path or a bundled name
    ev = civscore.evaluate(scheme, ["examples/civilized-unit"])
    for result in ev.results(): ...

Plugin authors use :class:`Scorer`, :class:`Params`, :class:`Outcome` and
:data:`hookimpl`, and read values as the built-in scorers do with
:func:`is_missing`, :func:`to_number`, :func:`to_bool`, :func:`to_list`
(see docs/plugins.md).
"""
from .api import __version__, check_doc, evaluate, evaluation_doc, load, loads, plugin_manager, read
from .errors import CivscoreError, CriteriaError, PluginError, SubmissionError, UsageError
from .hookspecs import hookimpl, hookspec
from .rating import LevelModel, RatingMethod, Standing
from .reports import Writer
from .scoring import Batch, Outcome, Params, Scorer, ValueScorer
from .submissions import Reader, Unit
from .values import ValueInvalid, is_missing, to_bool, to_count, to_list, to_number, to_text

__all__ = [
    "__version__", "Scorer", "Params", "Outcome", "hookimpl", "hookspec", "load", "loads", "read", "evaluate",
    "check_doc", "evaluation_doc", "plugin_manager", "RatingMethod", "LevelModel", "Standing", "Reader", "Unit",
    "Writer", "CivscoreError", "CriteriaError", "SubmissionError", "PluginError", "UsageError",
    # for plugin authors: batch answers, and SPEC §2's lenient reading of values
    "Batch", "ValueScorer", "ValueInvalid", "is_missing", "to_bool", "to_count", "to_list", "to_number", "to_text",
]
