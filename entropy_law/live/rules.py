"""Stop rules for a run being trained: the thresholds of ``check`` plus plateau and degradation.

A rule *fires* on one forecast; the TRL callback then stops training and ``entropy-law watch
--exit-on`` exits with ``check``'s code 1. Rules:

``min_ceiling`` / ``min_saturation_step``
    ``check``'s rules (:func:`entropy_law.checking.runner.judge`): fires when the run is
    **flagged**, i.e. the forecast interval lies confidently below the bar, and only on a
    forecast that may be acted on (not ``too_early`` / ``insufficient_data`` / last value).
``plateau_gain`` (with ``plateau_steps``)
    fires when the expected gain over the next ``plateau_steps`` steps (the forecast horizon
    is then ``last step + plateau_steps``; without it, the forecaster's default horizon) is
    below ``plateau_gain``, on an actionable forecast;
``degrading``
    fires when the verdict is ``degrading``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..checking.result import CheckSettings
from ..checking.runner import judge
from ..errors import EntropyLawError
from ..forecasting.result import ForecastResult
from .verdict import LiveSummary

__all__ = ["StopRules"]


@dataclass(frozen=True)
class StopRules:
    """Which forecasts end a run (see the module docstring); all off by default."""

    min_ceiling: float | None = None
    min_saturation_step: int | None = None
    plateau_gain: float | None = None
    plateau_steps: int | None = None
    degrading: bool = False
    level: float = 0.9

    def __post_init__(self) -> None:
        if self.plateau_steps is not None and self.plateau_steps < 1:
            raise EntropyLawError(
                f"plateau_steps must be a positive number of steps; got {self.plateau_steps}."
            )
        if self.plateau_steps is not None and self.plateau_gain is None:
            raise EntropyLawError(
                f"plateau_steps={self.plateau_steps} needs plateau_gain (the smallest expected gain "
                "over those steps worth training for)."
            )

    @property
    def any(self) -> bool:
        return (
            self.min_ceiling is not None
            or self.min_saturation_step is not None
            or self.plateau_gain is not None
            or self.degrading
        )

    def horizon(self, last_step: int) -> int | None:
        """The forecast horizon these rules need (None: the forecaster's default)."""
        return last_step + self.plateau_steps if self.plateau_steps is not None else None

    def fired(self, res: ForecastResult, summary: LiveSummary) -> str | None:
        """Why the run should stop now, or None."""
        actionable = summary.verdict != "unforecastable"
        if self.min_ceiling is not None or self.min_saturation_step is not None:
            st = CheckSettings(
                min_ceiling=self.min_ceiling, min_saturation_step=self.min_saturation_step, level=self.level
            )
            rc = judge(res, st)
            if rc.status == "flag":
                return f"check flag: {rc.message}"
        if self.degrading and summary.verdict == "degrading":
            return f"degrading: {summary.reason}"
        if self.plateau_gain is not None and actionable:
            g = summary.expected_gain
            over = f"over the next {self.plateau_steps} steps" if self.plateau_steps else "to the horizon"
            if math.isfinite(g) and g < self.plateau_gain:
                return f"plateaued: expected gain {g:.3g} {over} is below {self.plateau_gain:g}"
        return None
