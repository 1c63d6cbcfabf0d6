"""Tools for pack authors: ``scaffold`` (``adventure new``) and ``playtest`` (``adventure playtest``)."""

from .playtest import FREE_ACTIONS, PlaytestReport, Problem, format_report, playtest, playtest_path
from .scaffold import ScaffoldError, scaffold

__all__ = ["FREE_ACTIONS", "PlaytestReport", "Problem", "ScaffoldError", "format_report", "playtest",
           "playtest_path", "scaffold"]
