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
(see docs/plugins.md). Every name here is re-exported one a line; the
modules they come from may move, these names stay.
"""
from .api import __version__ as __version__
from .api import check_doc as check_doc
from .api import evaluate as evaluate
from .api import evaluation_doc as evaluation_doc
from .api import load as load
from .api import loads as loads
from .api import plugin_manager as plugin_manager
from .api import read as read
from .contracts import Batch as Batch
from .contracts import CivscoreError as CivscoreError
from .contracts import CriteriaError as CriteriaError
from .contracts import LevelModel as LevelModel
from .contracts import Outcome as Outcome
from .contracts import Params as Params
from .contracts import PluginError as PluginError
from .contracts import RatingMethod as RatingMethod
from .contracts import Reader as Reader
from .contracts import Scorer as Scorer
from .contracts import Standing as Standing
from .contracts import SubmissionError as SubmissionError
from .contracts import Unit as Unit
from .contracts import UsageError as UsageError
from .contracts import ValueInvalid as ValueInvalid
from .contracts import ValueScorer as ValueScorer
from .contracts import Writer as Writer
from .contracts import is_missing as is_missing
from .contracts import to_bool as to_bool
from .contracts import to_count as to_count
from .contracts import to_list as to_list
from .contracts import to_number as to_number
from .contracts import to_text as to_text
from .hookspecs import hookimpl as hookimpl
from .hookspecs import hookspec as hookspec

__all__ = [
    "__version__", "Scorer", "Params", "Outcome", "hookimpl", "hookspec", "load", "loads", "read", "evaluate",
    "check_doc", "evaluation_doc", "plugin_manager", "RatingMethod", "LevelModel", "Standing", "Reader", "Unit",
    "Writer", "CivscoreError", "CriteriaError", "SubmissionError", "PluginError", "UsageError",
    # for plugin authors: batch answers, and SPEC §2's lenient reading of values
    "Batch", "ValueScorer", "ValueInvalid", "is_missing", "to_bool", "to_count", "to_list", "to_number", "to_text",
]
