"""Paths this user may not open: found by discovery, reported as error units.

A folder or file without read (or search) permission anywhere under the path given must
not stop the search: discovery makes it a unit read by :data:`UNREADABLE`, whose reading
raises a :class:`~entropy_law.errors.LoadError` naming it, so that ``load``, ``inspect``,
``check`` and the other commands report it as an error entry and process the rest.
Sniffers that cannot look (no permission) do not claim the path (:func:`quiet`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import LoadError
from ._numbers import plain_reason
from .base import Reader

__all__ = ["UNREADABLE", "quiet", "refuse_unreadable", "unreadable"]


def refuse_unreadable(path: Path) -> pd.DataFrame:
    try:
        if path.is_dir():
            os.listdir(path)
        else:
            open(path, "rb").close()
    except OSError as exc:
        raise LoadError(
            path,
            f"cannot be read ({plain_reason(exc)}). Give this user read access "
            "(e.g. chmod -R u+rX PATH) or move it out of the folder.",
        ) from None
    raise LoadError(path, "could not be read when the folder was searched; load it again.")


# What discovery makes of a file or folder it may not open: a unit whose reading fails
# with a LoadError naming it, so that every command reports it as an error entry.
UNREADABLE = Reader(name="unreadable", description="a path this user may not read", read=refuse_unreadable)


def quiet(sniff: Callable[[Path], bool], path: Path) -> bool:
    """A sniffer's verdict; one that cannot look (no permission, content it cannot parse)
    does not claim the path."""
    try:
        return bool(sniff(path))
    except (OSError, ValueError, RecursionError, MemoryError):  # a sniffer never aborts a search
        return False


def unreadable(path: Path) -> bool:
    """True for a path this user may not open (not for missing paths or symlinks)."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:  # no search permission on a parent
        return True
    if stat.S_ISLNK(st.st_mode):  # broken or looping links are the readers' business
        return False
    return not os.access(path, os.R_OK | (os.X_OK if stat.S_ISDIR(st.st_mode) else 0))
