"""W&B history rows -> points, one bad row costing only itself.

Shared by both sources of a W&B run's history (``files/wandb-history.jsonl`` lines and
``.wandb`` history records). A row is skipped, and counted in a
:class:`~entropy_law.errors.DataWarning` naming the file and the row, when its step is
not an exact whole number within int64 (``1e30``, ``2**64``, ``1.5``, text) or when the
row cannot be parsed at all (a line nested thousands of levels deep, a number of
thousands of digits). Values follow JSON's number grammar strictly: ``value_json`` of
``"1_000"`` or ``" 7 "`` is not a number (``float()`` would accept both).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd

from ..errors import DataWarning
from ..table.tidy import make_long
from ._jsonlines import loads
from ._numbers import exact_step, is_number, json_number

__all__ = ["Rows", "parse_value_json"]

_UNPARSED = object()  # value_json that is not JSON


def parse_value_json(vj: str) -> object:
    """The value of one history item's ``value_json``, or a sentinel when it is not JSON.

    Numbers are parsed by JSON's grammar (integers exactly); other JSON (text, lists,
    objects) is decoded; anything else, including surrounding whitespace, nesting too
    deep to decode or integers of thousands of digits, is not a value.
    """
    num = json_number(vj)
    if num is not None:
        return num
    if not vj or vj[0].isspace() or vj[-1].isspace():
        return _UNPARSED
    v, why = loads(vj)
    return _UNPARSED if why else v


class Rows:
    """Accumulates points; counts and names what was skipped."""

    def __init__(self, step_key: str):
        self.step_key = step_key
        self.step: list[int] = []
        self.metric: list[str] = []
        self.value: list[float] = []
        self.wall: list[float] = []
        self.skipped: Counter = Counter()
        self.no_step = 0
        self.bad_rows: list[tuple[str, str]] = []  # (where, why): rows lost to damage
        self.too_large: Counter = Counter()

    def bad_row(self, where: str, why: str) -> None:
        """A row that could not be read at all (a damaged line or record)."""
        self.bad_rows.append((where, why))

    def add_row(self, row: dict, fallback_step: int | None = None, where: str = "") -> None:
        s = row.get(self.step_key, fallback_step if self.step_key == "_step" else None)
        if not is_number(s):
            self.no_step += 1
            return
        step, why = exact_step(s)
        if step is None:
            if why == "not a whole number":
                self.no_step += 1
            else:
                self.bad_row(where, f"its {self.step_key} {s!r} is {why}"[:200])
            return
        ts = row.get("_timestamp")
        t = float(ts) if isinstance(ts, int | float) and is_number(ts) and abs(ts) < 2**1023 else math.nan
        for key, v in row.items():
            if key[:1] == "_" or key == self.step_key:
                continue
            if v.__class__ is float or is_number(v):
                if v.__class__ is int and abs(v) >= 2**1023:  # beyond float64
                    self.too_large[key] += 1
                    continue
                self.step.append(step)
                self.metric.append(key)
                self.value.append(float(v))
                self.wall.append(t)
            elif v is _UNPARSED or (v is not None and not (isinstance(v, dict) and "_type" in v)):
                self.skipped[key] += 1

    def frame(self, run: str, origin: Path) -> pd.DataFrame:
        if self.bad_rows:
            where, why = self.bad_rows[0]
            more = f" and {len(self.bad_rows) - 1} more" if len(self.bad_rows) > 1 else ""
            warnings.warn(
                f"{origin}: skipped {len(self.bad_rows)} damaged history row(s) ({where}: "
                f"{why}{more}); kept every other row.",
                DataWarning,
                stacklevel=3,
            )
        if self.no_step:
            warnings.warn(
                f"{origin}: skipped {self.no_step} history row(s) without a whole-number {self.step_key!r}.",
                DataWarning,
                stacklevel=3,
            )
        if self.skipped:
            detail = ", ".join(f"{k}: {c}" for k, c in sorted(self.skipped.items()))
            warnings.warn(
                f"{origin}: skipped {sum(self.skipped.values())} non-numeric "
                f"value(s) (text, booleans, lists, malformed numbers) -- {detail}.",
                DataWarning,
                stacklevel=3,
            )
        if self.too_large:
            detail = ", ".join(f"{k}: {c}" for k, c in sorted(self.too_large.items()))
            warnings.warn(
                f"{origin}: skipped {sum(self.too_large.values())} integer value(s) too large "
                f"for a float64 -- {detail}.",
                DataWarning,
                stacklevel=3,
            )
        out = make_long(run, self.step, self.metric, self.value, wall_time=self.wall)
        out["step"] = out["step"].astype("int64")
        return out
