"""Report a forecast on a compute axis: tokens, samples, GPU-hours, wall-clock.

Budgets are planned in compute, not steps. ``forecast(table, x="num_tokens")`` (CLI
``--x KEY``) fits and forecasts against the trainer step as usual, then maps the step
quantities (``saturation_step`` and its interval, the last used step, the horizon) to the
units of the logged column *KEY*:

* the column is read at the run's logged steps. A non-decreasing column is cumulative
  (TRL ``num_tokens``, W&B ``_runtime``, Tinker ``progress/done_frac``) and used as is; a
  column that goes up and down is a per-step amount (verl's ``perf/total_num_tokens``,
  the tokens of one batch) and is summed over the logged steps (right only when it is
  logged every step, which verl does), with a note;
* inside the logged range the map is linear interpolation between logged steps; beyond
  the last logged step it is extrapolated linearly at the mean rate (units per step) of
  the last 10% of logged steps (at least two points), with a note. ``inf`` stays ``inf``.

:data:`COMPUTE_KEYS` lists the columns :func:`compute_keys` recognises (for ``inspect``;
defined in :mod:`entropy_law.table.compute_keys`, re-exported here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MetricError
from ..fitting.results import Estimate
from ..table.compute_keys import COMPUTE_KEYS, compute_keys
from ..table.tidy import require_metric

__all__ = ["COMPUTE_KEYS", "ComputeAxis", "compute_keys", "compute_axis"]

TAIL = 0.1


@dataclass(frozen=True)
class ComputeAxis:
    """A step -> compute map built from one logged column."""

    key: str
    steps: np.ndarray
    values: np.ndarray
    rule: str

    def __call__(self, step: float) -> float:
        """The compute at *step* (interpolated inside, extrapolated after the last step)."""
        if not math.isfinite(step):
            return step
        s, v = self.steps, self.values
        if step <= s[-1]:
            return float(np.interp(step, s, v))
        return float(v[-1] + self.rate * (step - s[-1]))

    @property
    def rate(self) -> float:
        """Units per step over the last 10% of logged steps."""
        s, v = self.steps, self.values
        k = max(2, int(math.ceil(TAIL * len(s))))
        s, v = s[-k:], v[-k:]
        return float((v[-1] - v[0]) / (s[-1] - s[0])) if s[-1] > s[0] else 0.0

    def estimate(self, est: Estimate) -> Estimate:
        """*est* (in steps) in the units of the column; the map is monotone, so the
        interval maps end to end."""
        return Estimate(self(est.value), (self(est.ci[0]), self(est.ci[1])), est.level, clipped=est.clipped)

    def notes(self, *steps: float) -> list[str]:
        out = [] if self.rule == "cumulative" else [self.rule]
        if any(math.isfinite(s) and s > self.steps[-1] for s in steps):
            out.append(
                f"{self.key} after step {int(self.steps[-1])} is extrapolated at {self.rate:.4g} per "
                f"step (the mean rate of the last {TAIL:.0%} of logged steps)"
            )
        return out


def compute_axis(table: pd.DataFrame, key: str) -> ComputeAxis:
    """Build the map of the module docstring from one run's long table."""
    names = table["metric"].unique().tolist()
    require_metric(names, key, role="x", run=str(table["run"].iloc[0]) if len(table) else "")
    sub = table[table["metric"] == key].sort_values("step")
    s = sub["step"].to_numpy(dtype=float)
    v = sub["value"].to_numpy(dtype=float)
    if len(s) < 2:
        raise MetricError(
            f"x={key!r} is logged at {len(s)} step(s); a compute axis needs at least 2. Choose another "
            f"column (usual ones: {list(COMPUTE_KEYS)}).",
            role="x",
            candidates=compute_keys(names),
        )
    if np.all(np.diff(v) >= 0):
        rule = "cumulative"
    else:
        v = np.cumsum(v)
        rule = (
            f"{key} goes up and down, so it was read as a per-step amount and summed over the "
            f"{len(s)} logged steps"
        )
    return ComputeAxis(key, s, v, rule)
