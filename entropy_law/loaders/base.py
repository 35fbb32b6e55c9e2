"""The reader contract every log format implements.

A reader turns one file or one run folder into a long table with the columns
``step, metric, value`` and optionally ``run`` (when one file holds several runs) and
``wall_time``. :func:`entropy_law.load` adds ``run`` and ``source`` where missing and
passes the result through :func:`entropy_law.table.tidy`, which drops non-finite values
and duplicate steps with warnings.

A reader

* raises :class:`~entropy_law.errors.LoadError` naming the file, what was expected,
  what was found and what to do, when nothing usable can be read;
* warns with :class:`~entropy_law.errors.TruncatedLogWarning` and returns every intact
  point when a log is damaged part-way (a run killed mid-write);
* never downsamples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Reader"]


@dataclass(frozen=True)
class Reader:
    """One log format.

    Attributes
    ----------
    name : str
        The ``format=`` value users pass (``"csv"``, ``"tensorboard"``...).
    description : str
        One line for error messages and ``inspect``.
    read : callable
        ``read(path) -> DataFrame`` as described in the module docstring.
    sniff_file : callable, optional
        ``sniff_file(path) -> bool``: is this file in my format? Cheap (reads a header).
    sniff_dir : callable, optional
        ``sniff_dir(path) -> bool``: is this folder one unit of my format (a run folder,
        a store)? Folders claimed are not searched further.
    units : callable, optional
        ``units(path) -> list[Path]``: the independent parts of a claimed folder (an
        MLflow store's runs), each read and reported on its own so that one bad part
        costs only itself. Without it the claimed folder is one unit.
    """

    name: str
    description: str
    read: Callable[[Path], pd.DataFrame]
    sniff_file: Callable[[Path], bool] | None = None
    sniff_dir: Callable[[Path], bool] | None = None
    units: Callable[[Path], list[Path]] | None = None
    extra: dict = field(default_factory=dict)
