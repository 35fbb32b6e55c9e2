"""Exceptions and warnings raised by entropy-law.

Every error names what it was looking at (a file, a column, an argument), what was
expected, what was found and what to do about it. The exceptions carry those facts
as attributes so that callers (the CLI, ``check``) can report them without parsing
messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "EntropyLawError",
    "LoadError",
    "MetricError",
    "FitError",
    "EntropyLawWarning",
    "DataWarning",
    "TruncatedLogWarning",
    "closest",
]


class EntropyLawError(ValueError):
    """Base class of every error entropy-law raises on bad input."""


class LoadError(EntropyLawError):
    """A log file or folder could not be read.

    Parameters
    ----------
    path : str or Path
        The file or folder that failed.
    message : str
        What was expected, what was found and what to do.
    """

    def __init__(self, path: str | Path | None, message: str):
        self.path = None if path is None else str(path)
        self.reason = message
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(prefix + message)


class MetricError(EntropyLawError):
    """A requested metric is missing, or automatic detection is ambiguous.

    Attributes
    ----------
    role : str
        ``"entropy"`` or ``"reward"``.
    candidates : list of str
        The metrics that could be meant (for an ambiguous choice) or that exist (for a
        missing one).
    """

    def __init__(self, message: str, *, role: str, candidates: Sequence[str] = ()):
        self.role = role
        self.candidates = list(candidates)
        super().__init__(message)


class FitError(EntropyLawError):
    """A fit cannot be made from the data given (too few points, constant input...)."""

    def __init__(self, message: str, *, status: str = "error"):
        self.status = status
        super().__init__(message)


class EntropyLawWarning(UserWarning):
    """Base class of entropy-law's warnings."""


class DataWarning(EntropyLawWarning):
    """Input data was altered on the way in (dropped values, duplicate steps...)."""


class TruncatedLogWarning(DataWarning):
    """A log ended in a damaged record; everything before the damage was kept."""


def closest(name: str, options: Iterable[str], n: int = 3) -> list[str]:
    """Return up to *n* entries of *options* that look like *name* (for "did you mean")."""
    options = list(options)
    hits = difflib.get_close_matches(name, options, n=n, cutoff=0.5)
    if not hits:
        low = name.lower()
        hits = [o for o in options if low in o.lower() or o.lower() in low][:n]
    return hits
