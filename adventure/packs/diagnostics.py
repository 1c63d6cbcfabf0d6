"""Located problems in story packs, printed as ``path:line:col: error CODE: message``.

Codes are stable so authors (and editors) can look them up; see ``CODES`` for the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

CODES: dict[str, str] = {
    "ADV001": "YAML syntax error",
    "ADV002": "file cannot be read (missing, not UTF-8, empty or too large)",
    "ADV003": "YAML tag that is not allowed",
    "ADV004": "YAML aliases expand beyond the allowed size",
    "ADV005": "duplicate key in a mapping",
    "ADV010": "schema violation",
    "ADV020": "included file not found",
    "ADV021": "include cycle",
    "ADV030": "unknown goto target",
    "ADV031": "duplicate id",
    "ADV032": "unreachable scene",
    "ADV033": "dead end: a scene with no choices that is not an ending",
    "ADV034": "unknown start scene",
    "ADV040": "condition or effect syntax error",
    "ADV041": "undeclared variable",
    "ADV042": "type mismatch",
    "ADV043": "template error",
    "ADV044": "unknown scene in visits()",
    "ADV045": "unknown or out-of-range sampling setting",
}


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity} {self.code}: {self.message}"

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.format()


@dataclass(frozen=True)
class Location:
    """A 1-based line and column in a file."""

    path: str
    line: int = 1
    col: int = 1

    def shifted(self, offset: int) -> "Location":
        """The location ``offset`` characters further along the same line."""
        return Location(self.path, self.line, self.col + offset)


class PackError(Exception):
    """A pack that could not be loaded; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


def error(loc: Location, code: str, message: str) -> Diagnostic:
    return Diagnostic(loc.path, loc.line, loc.col, "error", code, message)


def warning(loc: Location, code: str, message: str) -> Diagnostic:
    return Diagnostic(loc.path, loc.line, loc.col, "warning", code, message)
