"""Collect logged metrics step by step and forecast on what has arrived so far.

:class:`LiveForecaster` is the framework-free core of the TRL callback and of
``entropy-law watch``: feed it ``(step, {key: value})`` records as they are logged
(:meth:`add`), ask it for a forecast when due (:meth:`forecast`). Keys missing at a step
are simply absent (TRL logs ``reward`` only on generation steps with
``steps_per_generation > 1``); non-numeric and non-finite values are ignored. The entropy
and performance keys are detected with :func:`entropy_law.table.metrics.detect` on every
key seen so far, unless given.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._defaults import N_BOOT_FLEET, SEED
from ..errors import MetricError
from ..forecasting.forecaster import RunSeries, forecast
from ..forecasting.result import ForecastResult
from ..table.metrics import detect
from .rules import StopRules
from .verdict import METRIC_PREFIX, LiveSummary, summarize

__all__ = ["LiveForecaster", "LiveForecast"]


@dataclass(frozen=True)
class LiveForecast:
    """One live forecast: the full result, its summary, a stop reason, and its cost."""

    result: ForecastResult
    summary: LiveSummary
    stop_reason: str | None
    seconds: float
    warnings: tuple[str, ...] = field(default=())


def _number(v) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


class LiveForecaster:
    """Metrics of one run as they arrive, and forecasts on demand.

    Parameters
    ----------
    run : str
        Run name (reported in the forecast).
    entropy, reward, kind
        Metric keys; detected as in :func:`entropy_law.table.metrics.detect` when omitted.
    n_boot : int
        Joint bootstrap size of each forecast (default :data:`entropy_law._defaults.N_BOOT_FLEET`,
        as ``check``: a forecast made at every new log must stay cheap).
    sigmoid : {"fallback", "always", "never"}
        As in ``check``: fit the ScaleRL sigmoid only when the law is not claimed (default).
    rules : StopRules, optional
        Stop rules evaluated on each forecast.
    level, seed, horizon
        Passed to :func:`entropy_law.forecast` (``horizon`` is overridden by
        ``rules.plateau_steps``).
    reference : optional
        Finished runs informing each forecast (``forecast(reference=...)``; a path is
        loaded and fitted once).
    """

    def __init__(
        self,
        run: str = "run",
        *,
        entropy: str | None = None,
        reward: str | None = None,
        kind: str = "auto",
        n_boot: int = N_BOOT_FLEET,
        sigmoid: str = "fallback",
        rules: StopRules | None = None,
        level: float = 0.9,
        seed: int = SEED,
        horizon: int | None = None,
        reference=None,
    ) -> None:
        if sigmoid not in ("fallback", "always", "never"):
            raise MetricError(f"sigmoid={sigmoid!r} must be 'fallback', 'always' or 'never'.", role="reward")
        self.run, self.entropy, self.reward, self.kind = run, entropy, reward, kind
        self.n_boot, self.sigmoid, self.level, self.seed, self.horizon = n_boot, sigmoid, level, seed, horizon
        self.rules = rules or StopRules(level=level)
        self.reference = reference
        self._data: dict[str, tuple[list[int], list[float]]] = {}
        self.last_step = -1

    # -- data -------------------------------------------------------------------------
    def add(self, step: int, values: dict) -> int:
        """Record the numeric values logged at *step*; returns how many were kept."""
        n = 0
        for k, v in values.items():
            if not isinstance(k, str) or k.startswith(METRIC_PREFIX) or k == "step":
                continue
            x = _number(v)
            if x is None:
                continue
            steps, vals = self._data.setdefault(k, ([], []))
            steps.append(int(step))
            vals.append(x)
            n += 1
        if n:
            self.last_step = max(self.last_step, int(step))
        return n

    @property
    def keys(self) -> list[str]:
        return list(self._data)

    def count(self, key: str) -> int:
        """Points logged so far under *key*."""
        return len(self._data.get(key, ((), ()))[0])

    def metrics(self) -> tuple[str, str] | None:
        """The ``(entropy, reward)`` keys, or None while they cannot be told yet."""
        try:
            return detect(self.keys, entropy=self.entropy, reward=self.reward, kind=self.kind, run=self.run)
        except MetricError:
            return None

    def series(self) -> RunSeries | None:
        keys = self.metrics()
        if keys is None:
            return None
        ent, rew = keys
        (es, ev), (ps, pv) = self._data[ent], self._data[rew]
        e_step, e_val = _sorted_unique(es, ev)
        p_step, p_val = _sorted_unique(ps, pv)
        return RunSeries(self.run, e_step, e_val, p_step, p_val, ent, rew)

    # -- forecasting ----------------------------------------------------------------------
    def forecast(self) -> LiveForecast | None:
        """Forecast on everything added so far (None when the metrics are not there yet)."""
        s = self.series()
        if s is None or not len(s.e_step) or not len(s.p_step):
            return None
        t0 = time.perf_counter()
        last = s.last_step
        horizon = self.rules.horizon(last) or self.horizon
        if horizon is not None and horizon <= last:
            horizon = None
        kw: dict[str, Any] = dict(
            n_boot=self.n_boot, level=self.level, seed=self.seed, horizon=horizon, reference=self.reference
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = forecast(s, sigmoid=self.sigmoid == "always", **kw)
            if (
                self.sigmoid == "fallback"
                and res.method == "last_value"
                and res.status in ("entropy_controlled", "law_not_holding")
            ):
                res = forecast(s, sigmoid=True, **kw)
        summary = summarize(res)
        reason = self.rules.fired(res, summary) if self.rules.any else None
        msgs = tuple(dict.fromkeys(str(w.message) for w in caught))
        return LiveForecast(res, summary, reason, time.perf_counter() - t0, msgs)


def _sorted_unique(steps: list[int], vals: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Steps in order, the last value kept where a step was logged twice."""
    s, v = np.asarray(steps, np.int64), np.asarray(vals, float)
    order = np.argsort(s, kind="stable")
    s, v = s[order], v[order]
    keep = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, bool)
    return s[keep], v[keep]
