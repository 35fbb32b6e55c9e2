r"""A live summary of one forecast: the numbers a training loop or a terminal shows, and a verdict.

Shared by the TRL callback (:mod:`entropy_law.integrations.trl`) and ``entropy-law watch``
(:mod:`entropy_law.cli.watch_cmd`), so that both report the same words and codes. The mapping
from verdict words to numeric codes (a metric logger only takes numbers) lives here and only
here: :data:`VERDICT_CODES`.

Quantities (from a :class:`~entropy_law.forecasting.result.ForecastResult` ``f`` on the steps
logged so far):

``plateau`` (``_low``, ``_high``)  the forecast ceiling ``f.ceiling`` and its interval;
``expected_gain``                  :math:`\hat R(t_h) - L_{now}`, the forecast performance at
                                   the horizon minus the current level (mean of the last 10% of
                                   the slice); ``f.expected_gain`` when the forecaster provides it;
``saturation_step``                ``f.saturation_step`` (``inf`` when beyond the forecast grid);
``entropy_spent``                  :math:`(H_0 - H_{now}) / (H_0 - H_\infty)`, the share of the
                                   entropy the run can still lose that it has already lost
                                   (:math:`H_0`, :math:`H_{now}`: means of the first and last 10%
                                   of the logged entropy; :math:`H_\infty` the forecast floor, 0
                                   when unavailable). 1 means the entropy is at its floor.

Verdict (``f.verdict`` when the forecaster provides one; until then this rule):

``unforecastable``  status ``too_early`` / ``insufficient_data``, or nothing could be fitted
                    (the "forecast" is the last value);
``degrading``       the mean of the last 10% of points (at least 5) lies more than
                    :data:`DEGRADE_SE` standard errors of a difference of means below the best
                    earlier window of the same length (point noise from first differences):
                    performance has fallen beyond noise (a collapse or an instability);
``plateaued``       the expected gain to the horizon is below the noise of the current level,
                    :math:`\hat R(t_h) - L_{now} < \sigma / \sqrt{n}` (:math:`\sigma` the spread of
                    the last 10% of points, :math:`n` their number);
``improving``       otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..forecasting.result import ForecastResult

__all__ = ["VERDICT_CODES", "LiveSummary", "summarize", "verdict_code", "DEGRADE_SE", "METRIC_PREFIX"]

#: verdict word -> the numeric code logged as ``entropy_law/verdict`` (unknown words: -1)
VERDICT_CODES: dict[str, int] = {"unforecastable": 0, "improving": 1, "plateaued": 2, "degrading": 3}
DEGRADE_SE = 3.0  # standard errors below the best earlier level that count as "fallen"
METRIC_PREFIX = "entropy_law/"
_TAIL = 0.10


def verdict_code(word: str) -> int:
    """The numeric code of a verdict word (-1 for a word this version does not know)."""
    return VERDICT_CODES.get(word, -1)


@dataclass(frozen=True)
class LiveSummary:
    """What a live forecast says at one step (see the module docstring for each field)."""

    step: int
    verdict: str
    plateau: float
    plateau_low: float
    plateau_high: float
    expected_gain: float
    saturation_step: float
    entropy_spent: float
    last_value: float
    status: str
    method: str
    reason: str

    @property
    def verdict_code(self) -> int:
        return verdict_code(self.verdict)

    def metrics(self) -> dict[str, float]:
        """The numbers to log, under ``entropy_law/`` keys (NaN where unknown)."""
        p = METRIC_PREFIX
        return {
            f"{p}plateau": self.plateau,
            f"{p}plateau_low": self.plateau_low,
            f"{p}plateau_high": self.plateau_high,
            f"{p}expected_gain": self.expected_gain,
            f"{p}saturation_step": self.saturation_step,
            f"{p}entropy_spent": self.entropy_spent,
            f"{p}verdict": float(self.verdict_code),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record (non-finite numbers become None)."""
        d = asdict(self)
        d["verdict_code"] = self.verdict_code
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _value(x: Any) -> float:
    """A float out of a number or an Estimate-like object (``.value``); NaN otherwise."""
    x = getattr(x, "value", x)
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _word(v: Any) -> str | None:
    """A verdict word out of a string or an object naming one (``.name`` / ``.verdict``)."""
    if v is None or isinstance(v, str):
        return v
    for attr in ("verdict", "name", "label"):
        w = getattr(v, attr, None)
        if isinstance(w, str):
            return w
    return None


def _tail(step: np.ndarray) -> np.ndarray:
    if not len(step):
        return np.zeros(0, bool)
    first, last = step.min(), step.max()
    m = step >= last - _TAIL * (last - first)
    m[-1] = True
    return m


def _fallen(p_step: np.ndarray, p_val: np.ndarray) -> tuple[bool, float]:
    r"""Whether the current level is DEGRADE_SE standard errors (of a difference of two
    window means) below the best earlier window; and the standard error of one window mean.

    The point noise is estimated from first differences, :math:`\sigma = sd(\Delta R)/\sqrt 2`,
    which a trend does not inflate."""
    m = _tail(p_step)
    k = max(int(m.sum()), 5)
    if len(p_val) < 3 * k:
        return False, math.nan
    sigma = float(np.std(np.diff(p_val), ddof=1)) / math.sqrt(2)
    se = sigma / math.sqrt(k)
    means = np.convolve(p_val, np.ones(k) / k, mode="valid")
    earlier, now = means[:-k], means[-1]
    if not len(earlier) or not math.isfinite(se):
        return False, se
    return bool(earlier.max() - now > DEGRADE_SE * math.sqrt(2) * max(se, 1e-12)), se


def _entropy_spent(e_val: np.ndarray, e_step: np.ndarray, floor: float) -> float:
    if len(e_val) < 2:
        return math.nan
    m = _tail(e_step)
    k = max(int(m.sum()), 1)
    h0, hnow = float(np.mean(e_val[:k])), float(np.mean(e_val[m]))
    hinf = floor if math.isfinite(floor) else 0.0
    span = h0 - min(hinf, hnow)
    return (h0 - hnow) / span if span > 0 else 0.0


def summarize(res: ForecastResult) -> LiveSummary:
    """The :class:`LiveSummary` of a forecast (rules in the module docstring)."""
    e_step, e_val, p_step, p_val = (np.asarray(a, float) for a in (res.observed or ([], [], [], [])))
    last = float(res.last_value)
    gain = _value(getattr(res, "expected_gain", None))
    if not math.isfinite(gain):
        gain = _value(res.at_horizon) - last
    fallen, se = _fallen(p_step, p_val)
    if not math.isfinite(se):  # too few points for the difference-based estimate
        m = _tail(p_step)
        se = float(np.std(p_val[m], ddof=1)) / math.sqrt(m.sum()) if m.sum() > 1 else math.nan
    word = _word(getattr(res, "verdict", None))
    if word is not None:
        reason = "the forecaster's verdict"
    elif res.status in ("too_early", "insufficient_data") or res.method == "last_value":
        word, reason = "unforecastable", f"forecast status {res.status} (method {res.method})"
    elif fallen:
        word, reason = (
            "degrading",
            f"the current level {last:.4g} is over {DEGRADE_SE:g} SE below an earlier one",
        )
    elif math.isfinite(gain) and math.isfinite(se) and gain < se:
        word, reason = "plateaued", f"expected gain {gain:.3g} to the horizon is within noise ({se:.3g})"
    else:
        word, reason = "improving", f"expected gain {gain:.3g} to step {res.settings.horizon}"
    ceil = res.ceiling
    return LiveSummary(
        step=int(res.settings.upto_step),
        verdict=word,
        plateau=_value(ceil),
        plateau_low=float(ceil.ci[0]),
        plateau_high=float(ceil.ci[1]),
        expected_gain=gain,
        saturation_step=_value(res.saturation_step),
        entropy_spent=_entropy_spent(e_val, e_step, _value(res.entropy_floor)),
        last_value=last,
        status=res.status,
        method=res.method,
        reason=reason,
    )
