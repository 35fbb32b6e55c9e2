"""Options of one :func:`entropy_law.load` call that readers may honour.

``step``
    the key to use as the step axis (``el.load(path, step="train/global_step")``, CLI
    ``--step KEY``). Readers that choose a step key themselves (tables, typed JSON lines)
    look for it first; for every other format :func:`reindex_steps` re-labels the points
    after reading: each point's step becomes the value of *step* logged at the same
    original step.
``logging_steps``
    the Trainer's ``logging_steps`` (HF / TRL console logs, whose dicts carry no step).
``aggregate``
    how several records of one type at one step are combined (typed JSON lines):
    ``"mean"`` (default) or ``"last"`` (the record written last).

The options travel in a :class:`contextvars.ContextVar` set by ``load`` for the
duration of the call, so the reader contract ``read(path)`` stays unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError

__all__ = ["LoadOptions", "current", "using", "reindex_steps", "AGGREGATES"]

AGGREGATES = ("mean", "last")


@dataclass(frozen=True)
class LoadOptions:
    """See the module docstring."""

    step: str | None = None
    aggregate: str = "mean"
    logging_steps: int | None = None

    def __post_init__(self) -> None:
        if self.aggregate not in AGGREGATES:
            raise LoadError(
                None, f"aggregate={self.aggregate!r} is not a known rule; choose one of {list(AGGREGATES)}."
            )
        if self.logging_steps is not None and (
            isinstance(self.logging_steps, bool)
            or not isinstance(self.logging_steps, int)
            or self.logging_steps < 1
        ):
            raise LoadError(None, f"logging_steps={self.logging_steps!r} must be a positive whole number.")
        if self.step is not None and (not isinstance(self.step, str) or not self.step):
            raise LoadError(None, f"step={self.step!r} must be a metric key (a non-empty string).")


_DEFAULT = LoadOptions()  # frozen, so sharing it as the default is safe
_CURRENT: ContextVar[LoadOptions] = ContextVar("entropy_law_load_options", default=_DEFAULT)


def current() -> LoadOptions:
    """The options of the :func:`entropy_law.load` call in progress (defaults outside one)."""
    return _CURRENT.get()


@contextmanager
def using(options: LoadOptions) -> Iterator[LoadOptions]:
    """Make *options* current inside the block."""
    token = _CURRENT.set(options)
    try:
        yield options
    finally:
        _CURRENT.reset(token)


def reindex_steps(df: pd.DataFrame, key: str, origin) -> pd.DataFrame:
    """Use the logged metric *key* as the step axis of a reader's raw frame.

    Every point's step becomes the value of *key* at the same original step (per run);
    points at steps where *key* was not logged are dropped with a :class:`DataWarning`
    that counts them. *key* itself is kept as a metric (against the new axis).

    Raises
    ------
    LoadError
        *key* is not logged, or holds values that are not whole numbers.
    """
    if key not in set(df["metric"].unique()):
        near = sorted(m for m in df["metric"].unique() if "step" in str(m).lower())[:8]
        raise LoadError(
            origin,
            f"step={key!r}: no such key in this log; keys that look like steps: {near or 'none'}. "
            "Pass one of them (CLI: --step KEY) or leave the step to be detected.",
        )
    by = ["run", "step"] if "run" in df.columns else ["step"]
    axis = df.loc[df["metric"] == key, [*by, "value"]].drop_duplicates(by, keep="last")
    vals = axis["value"].to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals != np.round(vals))
    if bad.any():
        raise LoadError(
            origin,
            f"step={key!r} must hold whole numbers to be a step axis; found {vals[bad][0]!r}. "
            "A compute or time column belongs on the forecasting axis instead (x=KEY, CLI --x KEY).",
        )
    axis = axis.rename(columns={"value": "_new_step"})
    out = df.merge(axis, on=by, how="left", sort=False)
    lost = out["_new_step"].isna()
    if lost.any():
        warnings.warn(
            f"{origin}: step={key!r}: dropped {int(lost.sum())} point(s) logged at steps where "
            f"{key!r} was not logged.",
            DataWarning,
            stacklevel=3,
        )
        out = out.loc[~lost]
    out["step"] = out.pop("_new_step").astype(np.int64)
    return out
