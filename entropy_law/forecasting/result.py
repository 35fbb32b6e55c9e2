"""Frozen results of :func:`entropy_law.forecasting.forecaster`: estimates, statuses, settings, renderings."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..fitting.intervals import percentile_interval
from ..fitting.results import Estimate

__all__ = ["ForecastResult", "ForecastSettings", "SigmoidOpinion", "FORECAST_STATUSES", "VERDICTS", "contain"]

FORECAST_STATUSES = ("ok", "too_early", "law_not_holding", "entropy_controlled", "insufficient_data")
VERDICTS = ("improving", "plateaued", "degrading", "unforecastable")
_NAN = Estimate(math.nan, (math.nan, math.nan), math.nan)


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _est_dict(e: Estimate | None) -> dict:
    """JSON-safe estimate. JSON has no infinity: a saturation step beyond the search grid
    (``inf``) is written as null with ``"beyond_grid": true``, so it is not mistaken for
    a missing value."""
    if e is None:
        return {"value": None, "ci": [None, None]}
    out = {"value": _num(e.value), "ci": [_num(e.ci[0]), _num(e.ci[1])]}
    if any(math.isinf(float(v)) for v in (e.value, *e.ci)):
        out["beyond_grid"] = True
    return out


def _floor_text(e: Estimate) -> str:
    """An entropy floor as read: ``~0`` for a fit at its lower bound (1e-09), not ``1e-09``."""
    if math.isfinite(e.value) and 0 <= e.value < 1e-6:
        return f"~0 [0, {e.ci[1]:.4g}]" if math.isfinite(e.ci[1]) else "~0"
    return str(e)


def contain(point, lo, hi, level, bounds=None) -> Estimate:
    """An estimate whose point lies inside its interval: the point is clipped to the
    metric's range like its draws, and an interval that misses its own point (a
    percentile interval of a skewed bootstrap) is widened to reach it."""
    point, lo, hi = float(point), float(lo), float(hi)
    if bounds is not None and np.isfinite(point):
        point = float(np.clip(point, *bounds))
    if np.isfinite(point):
        if not np.isnan(lo) and lo > point:
            lo = point
        if not np.isnan(hi) and hi < point:
            hi = point
    return Estimate(point, (lo, hi), level)


def censored_quantile(draws, q: float) -> float:
    """The q-quantile of draws in which a non-finite value means "beyond the grid" (+inf).

    Linear interpolation between two censored draws is inf - inf (NaN, with a numpy
    warning): where the quantile falls among or next to them it is +inf, "not before the
    grid's end"; elsewhere it is the usual linearly interpolated quantile.
    """
    x = np.where(np.isfinite(draws), draws, np.inf)
    with np.errstate(invalid="ignore"):
        out = float(np.quantile(x, q))
    return np.inf if np.isnan(out) else out


def est(draws, level, point=None, bounds=None) -> Estimate:
    """An estimate from bootstrap draws: the point (their median unless given) inside a
    percentile interval, draws clipped to *bounds*; +inf draws (censored) open the top."""
    draws = np.asarray(draws, float)
    if bounds is not None:
        draws = np.clip(draws, *bounds)
    finite = draws[np.isfinite(draws)]
    if point is None:
        point = (
            float(np.median(draws))
            if draws.size and np.isfinite(np.median(draws))
            else (float(np.median(finite)) if finite.size else np.nan)
        )
    if finite.size < 0.5 * max(draws.size, 1):  # mostly censored (inf): no finite interval
        lo = censored_quantile(draws, (1 - level) / 2) if draws.size else np.nan
        return contain(point, lo, np.inf, level, bounds)
    lo, hi = percentile_interval(np.where(np.isfinite(draws), draws, np.nan), level)
    if np.isinf(draws).any():
        hi = float(np.quantile(draws, (1 + level) / 2, method="higher"))
    return contain(point, lo, hi, level, bounds)


@dataclass(frozen=True)
class ForecastSettings:
    """The choices that produced a forecast."""

    upto_step: int
    horizon: int
    anchor: str
    saturation_fraction: float
    n_boot: int
    level: float
    seed: int | None
    entropy: str | None = None
    reward: str | None = None
    combine: bool = True


@dataclass(frozen=True)
class SigmoidOpinion:
    """The ScaleRL sigmoid's forecast: asymptote ``A``, saturation step, horizon value."""

    ok: bool
    message: str
    fit: Any = None
    A: Estimate = _NAN
    saturation_step: Estimate = _NAN
    at_horizon: Estimate = _NAN
    path: tuple | None = None
    curves: np.ndarray | None = field(default=None, repr=False)
    curve_pt: np.ndarray | None = field(default=None, repr=False)
    A_draws: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def failed(cls, message: str, fit=None) -> SigmoidOpinion:
        return cls(ok=False, message=message, fit=fit)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "message": self.message,
            "A": _est_dict(self.A),
            "saturation_step": _est_dict(self.saturation_step),
            "at_horizon": _est_dict(self.at_horizon),
        }


@dataclass(frozen=True)
class ForecastResult:
    r"""A forecast of one run (see :mod:`entropy_law.forecasting.forecaster` for every definition).

    ``method`` says where ``ceiling``, ``saturation_step`` and ``at_horizon`` come from:
    ``"combined"`` (``at_horizon`` is the mean of the law's and the sigmoid's forecasts;
    the ceiling and saturation step stay the law's), ``"law"`` (entropy law + entropy
    trajectory alone), ``"sigmoid"`` (a fallback where the sigmoid passed its sanity
    gates: ceiling = its asymptote, ``at_horizon`` = its mean with the current level) or
    ``"last_value"`` (a fallback on the current level, :mod:`~entropy_law.forecasting.level`).
    ``horizon_method`` says where ``at_horizon`` alone comes from, in the same words; it
    differs from ``method`` only on a ``too_early`` law-based result, whose ceiling and
    saturation step are the law's (reported, not to be acted on) while its value at the
    horizon is the fallback's: ``"last_value"`` (the current level) or ``"sigmoid"`` (the
    level combined with a gated sigmoid).
    ``verdict`` (one of ``VERDICTS``), ``verdict_reason`` and ``expected_gain`` (the
    value at the horizon minus the current level) are defined in
    :mod:`entropy_law.forecasting.verdict`.
    ``draws`` maps ``ceiling``, ``law_ceiling``, ``saturation_step``, ``at_horizon`` and
    ``entropy_floor`` to their joint bootstrap draws (law-based forecasts only), so that
    differences between runs (:func:`entropy_law.fleet.compare`) get honest intervals.
    ``law_ceiling`` is always the law's own :math:`-a e^{H_\infty} + b'`.
    ``budget`` is the :class:`~entropy_law.forecasting.budget.EntropyBudget` (law-based
    forecasts); ``entropy_groups`` the :class:`~entropy_law.forecasting.groups.EntropyGroups`
    of a log that splits entropy by group (which groups still explore, and the
    hidden-exploration flag), else None.
    """

    run: str
    status: str
    message: str
    method: str
    settings: ForecastSettings
    ceiling: Estimate
    hard_ceiling: Estimate
    entropy_floor: Estimate
    saturation_step: Estimate
    at_horizon: Estimate
    last_value: float
    start_level: float
    law_ceiling: Estimate = _NAN
    observed: tuple = field(repr=False, default=())
    bounds: tuple | None = None
    law_fit: Any = field(repr=False, default=None)
    trajectory: Any = field(repr=False, default=None)
    sigmoid: SigmoidOpinion | None = field(repr=False, default=None)
    path: tuple | None = field(repr=False, default=None)
    warnings: tuple[str, ...] = ()
    draws: dict = field(repr=False, default_factory=dict)
    compute: dict | None = field(repr=False, default=None)
    detection: str | None = field(repr=False, default=None)
    verdict: str = "unforecastable"
    verdict_reason: str = ""
    expected_gain: Estimate = _NAN
    budget: Any = None  # EntropyBudget (forecasting.budget); None on fallbacks
    entropy_groups: Any = None  # EntropyGroups (forecasting.groups); None unless entropy is split
    #: ``(e_step, e_val, p_step, p_val)`` logged after ``upto_step`` (not used by the
    #: forecast; drawn "held out" by :meth:`plot`); empty when the table ended at the cut
    held_out: tuple = field(repr=False, default=())
    reference: Any = None  # ReferencePrior (forecasting.reference) when references were given
    horizon_method: str = ""  # where at_horizon comes from; "" = the same as method

    def __post_init__(self) -> None:
        if not self.horizon_method:
            object.__setattr__(self, "horizon_method", self.method)

    # -- derived ------------------------------------------------------------------------
    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def ceiling_claimed(self) -> bool:
        """Whether the forecast stands behind its ceiling (:func:`.claims.claims`): False when
        too early, entropy held up, or the current level is carried forward; the plot greys
        it then and the text says "not claimed"."""
        from .claims import claims

        return claims(self).ceiling is None

    @property
    def ceilings_agree(self) -> bool | None:
        """Whether the law's ceiling and the sigmoid's asymptote intervals overlap."""
        if self.method not in ("law", "combined") or self.sigmoid is None or not self.sigmoid.ok:
            return None
        a, b = self.law_ceiling.ci, self.sigmoid.A.ci
        if not all(map(math.isfinite, (*a, *b))):
            return None
        return bool(a[0] <= b[1] and b[0] <= a[1])

    # -- rendering ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record (the CLI's ``--json`` entry for this run)."""
        st = self.settings
        sig = self.sigmoid.to_dict() if self.sigmoid is not None else None
        return {
            "run": self.run,
            "status": self.status,
            "message": self.message,
            "method": self.method,
            "horizon_method": self.horizon_method,
            "verdict": self.verdict,
            "verdict_reason": self.verdict_reason,
            "headline": self.headline(),
            "expected_gain": _est_dict(self.expected_gain),
            "fitted_upto_step": int(st.upto_step),
            "horizon_step": int(st.horizon),
            "ceiling": _est_dict(self.ceiling),
            "law_ceiling": _est_dict(self.law_ceiling),
            "hard_ceiling": _est_dict(self.hard_ceiling),
            "saturation_step": _est_dict(self.saturation_step),
            "at_horizon": {"step": int(st.horizon), **_est_dict(self.at_horizon)},
            "entropy_floor": _est_dict(self.entropy_floor),
            "sigmoid": sig,
            "ceilings_agree": self.ceilings_agree,
            "last_value": _num(self.last_value),
            "entropy_metric": st.entropy,
            "reward_metric": st.reward,
            "entropy_regime": getattr(self.trajectory, "regime", None),
            "confidence_level": st.level,
            "n_boot": st.n_boot,
            "seed": st.seed,
            "anchor": st.anchor,
            "saturation_fraction": st.saturation_fraction,
            "warnings": list(self.warnings),
            "detection": self.detection,
            "entropy_budget": None if self.budget is None else self.budget.to_dict(),
            "entropy_groups": None if self.entropy_groups is None else self.entropy_groups.to_dict(),
            "reference": None if self.reference is None else self.reference.to_dict(),
            "compute": None
            if self.compute is None
            else {
                "key": self.compute["key"],
                "saturation": _est_dict(self.compute["saturation"]),
                "fitted_upto": _num(self.compute["upto"]),
                "horizon": _num(self.compute["horizon"]),
            },
        }

    def headline(self) -> str:
        """One line: level now, plateau, gain, saturation step, verdict (see ``headline``)."""
        from .headline import headline

        return headline(self)

    def to_frame(self):
        """A one-row DataFrame of the summary columns (``headline.summary_row``)."""
        import pandas as pd

        from .headline import summary_row

        return pd.DataFrame([summary_row(self)])

    def report(self) -> str:
        st = self.settings
        lv = f"{st.level:.0%}"
        lines = [
            f"Forecast for run {self.run!r}: status={self.status} (method: {self.method}"
            + (
                f"; value at the horizon: {self.horizon_method})"
                if self.horizon_method != self.method
                else ")"
            ),
            f"  {self.message}" if self.message else "",
            f"  verdict: {self.verdict.upper()} ({self.verdict_reason})",
            f"  data up to step {st.upto_step}; horizon step {st.horizon}; "
            f"intervals {lv}; metrics {st.entropy} / {st.reward}",
            f"  ceiling          {self.ceiling}"
            if self.method != "last_value"
            else "  ceiling          n/a   (none claimed: the forecast carries the current level forward)",
            f"  law ceiling      {self.law_ceiling}   (-a exp(H_inf) + b')",
            f"  hard ceiling     {self.hard_ceiling}   (b' - a, entropy fully collapsed)",
            f"  saturation step  {self.saturation_step}   "
            f"({st.saturation_fraction:.0%} of the way to the ceiling)",
            f"  at step {st.horizon:<8} {self.at_horizon}",
            f"  expected gain    {self.expected_gain}   (at the horizon minus the current level)",
            f"  entropy floor    {_floor_text(self.entropy_floor)}",
            f"  last value       {self.last_value:.4g}",
        ]
        if self.compute is not None:
            c = self.compute
            lines.append(
                f"  saturation at    {c['saturation']}   {c['key']} "
                f"(data up to {c['upto']:.6g}, horizon {c['horizon']:.6g} {c['key']})"
            )
        if self.sigmoid is not None and self.sigmoid.ok:
            agree = {True: "agree", False: "DISAGREE", None: "n/a"}[self.ceilings_agree]
            used = "" if self.method in ("combined", "sigmoid") else "; not used in the forecast"
            lines.append(
                f"  sigmoid A        {self.sigmoid.A}   saturation step "
                f"{self.sigmoid.saturation_step}   (ceilings {agree}{used})"
            )
        if self.budget is not None:
            lines.append(f"  entropy budget   {self.budget.phrase()}")
        if self.entropy_groups is not None:
            lines += [f"  {ln}" for ln in self.entropy_groups.lines()]
        if self.reference is not None:
            lines += [f"  {ln}" for ln in self.reference.describe()]
        lines += [f"  warning: {w}" for w in self.warnings if "down-weighted" not in w]
        return "\n".join(ln for ln in lines if ln)

    __str__ = report

    def _repr_html_(self) -> str:
        rows = [
            ("ceiling", self.ceiling),
            ("law ceiling", self.law_ceiling),
            ("hard ceiling", self.hard_ceiling),
            ("saturation step", self.saturation_step),
            (f"at step {self.settings.horizon}", self.at_horizon),
            ("expected gain", self.expected_gain),
            ("entropy floor", self.entropy_floor),
        ]
        if self.sigmoid is not None and self.sigmoid.ok:
            rows.append(("sigmoid asymptote A", self.sigmoid.A))
        body = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{e.value:.4g}</td><td>[{e.ci[0]:.4g}, {e.ci[1]:.4g}]</td></tr>"
            for k, e in rows
        )
        return (
            f"<p><b>Forecast</b> run <code>{html.escape(self.run)}</code>: "
            f"status <code>{self.status}</code>, method {self.method}. "
            f"Verdict <b>{html.escape(self.verdict)}</b> ({html.escape(self.verdict_reason)}). "
            f"{html.escape(self.message)}</p><table><tr><th>quantity</th><th>value</th>"
            f"<th>{self.settings.level:.0%} interval</th></tr>{body}</table>"
        )

    def plot(self, ax=None, *, full=None):
        """Performance and entropy against step with the forecast and the data held out
        after the cut; returns the Figure (:func:`entropy_law.plotting.forecast.plot_forecast`)."""
        from ..plotting.forecast import plot_forecast

        return plot_forecast(self, ax=ax, full=full)
