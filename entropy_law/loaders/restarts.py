"""Restarted runs inside one table: the step goes back, and the later rows win.

A script restarted into the same CSV (rasbt's ``7_3`` log: five rows of an aborted run,
then the full run from step 1 again) writes steps ``1..5, 1..500``. Keeping the latest
write *per step and metric* would mix the two runs where the second does not log a
metric the first did (its step-1 evaluation). The rule here is a restart's: when the step
decreases to *s*, every earlier row with a step >= *s* was superseded and is dropped.
Rows at the same step written one after another (a train row and an eval row) are not a
restart and are kept.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import DataWarning

__all__ = ["superseded"]


def superseded(steps, origin, *, what: str = "row(s)") -> np.ndarray:
    """Boolean mask of the rows of *steps* (in file order) that a later restart overwrote.

    Warns with a :class:`DataWarning` naming *origin* and the count when any are found.
    """
    s = np.asarray(steps)
    drop = np.zeros(len(s), dtype=bool)
    if len(s) < 2 or not (s[1:] < s[:-1]).any():  # not np.diff: it overflows at int64's ends
        return drop
    kept: list[int] = []  # indices of kept rows; their steps are non-decreasing
    restarts = 0
    for i, v in enumerate(s):
        if kept and v < s[kept[-1]]:
            restarts += 1
            while kept and s[kept[-1]] >= v:
                drop[kept.pop()] = True
        kept.append(i)
    warnings.warn(
        f"{origin}: the step went back {restarts} time(s) (a restarted run written into the same "
        f"file); dropped {int(drop.sum())} earlier {what} at steps the restart logged again.",
        DataWarning,
        stacklevel=3,
    )
    return drop
