"""The bottom layer: what scorers, readers, writers and rating methods are
written with, the errors and the lenient reading of values (SPEC §2).

Imports nothing else of civscore; every other module builds on it.
"""
from .errors import CivscoreError as CivscoreError
from .errors import CriteriaError as CriteriaError
from .errors import PluginError as PluginError
from .errors import SubmissionError as SubmissionError
from .errors import UsageError as UsageError
from .i18n import N_ as N_
from .i18n import _ as _
from .i18n import ngettext as ngettext
from .rating import FloorsLevel as FloorsLevel
from .rating import LevelModel as LevelModel
from .rating import NextLevel as NextLevel
from .rating import RatingMethod as RatingMethod
from .rating import Standing as Standing
from .scoring import STATUSES as STATUSES
from .scoring import Batch as Batch
from .scoring import Outcome as Outcome
from .scoring import Params as Params
from .scoring import Scorer as Scorer
from .scoring import ValueScorer as ValueScorer
from .units import Reader as Reader
from .units import Unit as Unit
from .values import ValueInvalid as ValueInvalid
from .values import fmt as fmt
from .values import is_missing as is_missing
from .values import to_bool as to_bool
from .values import to_count as to_count
from .values import to_list as to_list
from .values import to_number as to_number
from .values import to_text as to_text
from .writers import Writer as Writer
