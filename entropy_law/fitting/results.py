"""Result objects of a fit: :class:`Estimate`, :class:`FitSettings`, :class:`FitResult`.

All frozen. A :class:`FitResult` carries every estimate with its interval, the
diagnostics, the settings that produced it, the points used and the joint bootstrap
draws (read-only arrays) from which any derived quantity gets its interval
(:meth:`FitResult.predict`). It renders as text (``str``/:meth:`~FitResult.report`),
HTML (notebooks), a JSON-safe dict (:meth:`~FitResult.to_dict`) and a one-row
DataFrame (:meth:`~FitResult.to_frame`).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .intervals import percentile_interval

__all__ = ["Estimate", "FitSettings", "FitResult", "STATUSES"]

STATUSES = ("ok", "law_not_holding", "insufficient_data", "constant_entropy", "no_data", "fit_failed")


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval.

    Attributes
    ----------
    value : float
    ci : (float, float)
        ``(low, high)`` at confidence *level*.
    level : float
    clipped : bool
        True when value/interval were clipped to the metric's range (see warnings).
    """

    value: float
    ci: tuple[float, float]
    level: float
    clipped: bool = False

    @property
    def low(self) -> float:
        return self.ci[0]

    @property
    def high(self) -> float:
        return self.ci[1]

    def to_dict(self) -> dict[str, Any]:
        return {"value": _num(self.value), "ci": [_num(self.ci[0]), _num(self.ci[1])]}

    def __str__(self) -> str:
        if all(v is None or np.isnan(v) for v in (self.value, *self.ci)):
            return "n/a"
        return f"{_fmt(self.value)} [{_fmt(self.ci[0])}, {_fmt(self.ci[1])}]"


@dataclass(frozen=True)
class FitSettings:
    """The choices that produced a fit (enough to reproduce it)."""

    resample: str
    n_boot: int
    block_length: int | None
    level: float
    seed: int | None
    from_step: int | None = None
    upto_step: int | None = None
    drop_transient: Any = False
    dropped_steps: tuple[int, ...] = ()
    bounded: tuple[float, float] | None = None
    entropy: str | None = None
    reward: str | None = None
    inflation: float = 1.0


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced (see the module docstring).

    ``status`` is one of :data:`STATUSES`; when it is not ``"ok"`` ``message`` says why
    and the estimates may be NaN. ``draws`` maps each parameter (and ``"ceiling"``) to
    its ``(B,)`` joint bootstrap draws; ``parametric`` holds the covariance (t-based)
    intervals for comparison; ``alternatives`` the AIC of other laws on the same points.
    """

    run: str
    law: str
    params: dict[str, Estimate]
    ceiling: Estimate
    r2: float
    rmse: float
    aic: float
    bic: float
    lag1_autocorr: float
    n_points: int
    status: str
    message: str
    warnings: tuple[str, ...]
    settings: FitSettings
    verdict: str = ""
    parametric: dict[str, Estimate] = field(default_factory=dict)
    alternatives: dict[str, float] = field(default_factory=dict)
    ceiling_unclipped: Estimate | None = None
    at_entropy: dict[float, Estimate] = field(default_factory=dict)
    steps: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    x: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    y: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    fitted: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    draws: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for arr in (self.steps, self.x, self.y, self.fitted, *self.draws.values()):
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False

    # -- convenience -----------------------------------------------------------------
    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def level(self) -> float:
        return self.settings.level

    @property
    def residuals(self) -> np.ndarray:
        return self.y - self.fitted

    def predict(self, x, level: float | None = None):
        """The law's value at *x* (entropy H, or C for the sigmoid) with its interval.

        The interval comes from the same joint bootstrap draws as the parameters.

        Returns
        -------
        Estimate or DataFrame
            An :class:`Estimate` for a scalar *x*; for an array a DataFrame with
            columns ``x, value, low, high``.
        """
        from .laws import get_law

        law = get_law(self.law)
        level = self.level if level is None else level
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        best = {p: e.value for p, e in self.params.items()}
        value = np.asarray(law(xs, **best), dtype=float)
        if self.draws:
            d = {p: self.draws[p][:, None] for p in law.param_names}
            with np.errstate(all="ignore"):
                curves = np.asarray(law(xs[None, :], **d), dtype=float)
            low, high = percentile_interval(curves, level)
        else:
            low = high = np.full(xs.shape, np.nan)
        if np.ndim(x) == 0:
            return Estimate(float(value[0]), (float(low[0]), float(high[0])), level)
        return pd.DataFrame({"x": xs, "value": value, "low": low, "high": high})

    # -- rendering ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (NaN and inf become None); the CLI's ``--json`` record."""
        s = self.settings
        return {
            "run": self.run,
            "law": self.law,
            "n_points": int(self.n_points),
            "params": {p: e.to_dict() for p, e in self.params.items()},
            "ceiling": self.ceiling.to_dict(),
            "ceiling_clipped": bool(self.ceiling.clipped),
            "r2": _num(self.r2),
            "rmse": _num(self.rmse),
            "aic": _num(self.aic),
            "bic": _num(self.bic),
            "lag1_autocorr": _num(self.lag1_autocorr),
            "confidence_level": s.level,
            "n_boot": int(s.n_boot),
            "resample": s.resample,
            "block_length": s.block_length,
            "block_inflation": s.inflation,
            "seed": s.seed,
            "status": self.status,
            "message": self.message,
            "verdict": self.verdict,
            "warnings": list(self.warnings),
            "parametric": {p: e.to_dict() for p, e in self.parametric.items()},
            "alternatives_aic": {k: _num(v) for k, v in self.alternatives.items()},
            "from_step": s.from_step,
            "upto_step": s.upto_step,
            "dropped_steps": [int(v) for v in s.dropped_steps],
            "at_entropy": [{"x": float(k), **e.to_dict()} for k, e in self.at_entropy.items()],
            "entropy_metric": s.entropy,
            "reward_metric": s.reward,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row: run, law, status, each parameter with low/high, ceiling, fit stats."""
        row: dict[str, Any] = {"run": self.run, "law": self.law, "status": self.status}
        for p, e in self.params.items():
            row[p], row[f"{p}_low"], row[f"{p}_high"] = e.value, e.ci[0], e.ci[1]
        c = self.ceiling
        row.update(
            ceiling=c.value,
            ceiling_low=c.ci[0],
            ceiling_high=c.ci[1],
            r2=self.r2,
            rmse=self.rmse,
            aic=self.aic,
            bic=self.bic,
            lag1_autocorr=self.lag1_autocorr,
            n_points=self.n_points,
            message=self.message,
        )
        return pd.DataFrame([row])

    def _rows(self) -> list[tuple[str, Estimate, Estimate | None]]:
        rows = [(p, e, self.parametric.get(p)) for p, e in self.params.items()]
        rows.append(("ceiling", self.ceiling, self.parametric.get("ceiling")))
        return rows

    def report(self) -> str:
        """Plain-text report for the terminal."""
        from .laws import get_law

        law = get_law(self.law)
        s = self.settings
        pct = f"{100 * s.level:g}%"
        lines = [
            f"[[{self.law} law fit: run {self.run!r}]]  {law.equation}",
            f"status      {self.status}" + (f": {self.message}" if self.message else ""),
        ]
        span = f" (steps {int(self.steps.min())}-{int(self.steps.max())})" if self.steps.size else ""
        dropped = f"; transient dropped: steps {list(s.dropped_steps)}" if s.dropped_steps else ""
        lines.append(f"points      {self.n_points}{span}{dropped}")
        blk = f" (block length {s.block_length})" if s.resample == "block" else ""
        lines.append(f"bootstrap   {s.resample}{blk}, B = {s.n_boot}, seed = {s.seed}")
        lines.append(f"{'':15}{'value':>11}  {pct + ' CI (bootstrap)':>26}  {pct + ' CI (t)':>24}")
        for name, e, t in self._rows():
            label = f"ceiling {law.ceiling_text.split(' (')[0]}" if name == "ceiling" else name
            tci = f"[{_fmt(t.ci[0])}, {_fmt(t.ci[1])}]" if t else ""
            lines.append(
                f"{label:<15}{_fmt(e.value):>11}  "
                f"{'[' + _fmt(e.ci[0]) + ', ' + _fmt(e.ci[1]) + ']':>26}  {tci:>24}"
            )
        lines.append(
            f"fit         R2 {_fmt(self.r2)}  RMSE {_fmt(self.rmse)}  AIC "
            f"{_fmt(self.aic)}  BIC {_fmt(self.bic)}  lag-1 residual autocorr "
            f"{_fmt(self.lag1_autocorr)}"
        )
        if self.verdict:
            lines.append(f"verdict     {self.verdict}")
        lines += [f"warning     {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _repr_html_(self) -> str:
        from .laws import get_law

        law = get_law(self.law)
        s = self.settings
        e = html.escape
        pct = f"{100 * s.level:g}%"
        body = "".join(
            f"<tr><td>{e(n)}</td><td>{_fmt(v.value)}</td><td>[{_fmt(v.ci[0])}, "
            f"{_fmt(v.ci[1])}]</td><td>{'' if t is None else f'[{_fmt(t.ci[0])}, {_fmt(t.ci[1])}]'}"
            f"</td></tr>"
            for n, v, t in self._rows()
        )
        warn = "".join(f"<li>{e(w)}</li>" for w in self.warnings)
        return (
            f"<div><b>{e(self.law)} law fit, run {e(self.run)}</b>: {e(law.equation)}<br>"
            f"status <b>{e(self.status)}</b> {e(self.message)}<br>"
            f"{self.n_points} points; {e(s.resample)} bootstrap, B = {s.n_boot}, "
            f"seed = {s.seed}<table><tr><th></th><th>value</th><th>{pct} CI (bootstrap)</th>"
            f"<th>{pct} CI (t)</th></tr>{body}</table>"
            f"R&sup2; {_fmt(self.r2)}, RMSE {_fmt(self.rmse)}, AIC {_fmt(self.aic)}, "
            f"BIC {_fmt(self.bic)}, lag-1 residual autocorrelation {_fmt(self.lag1_autocorr)}"
            f"<br>{e(self.verdict)}" + (f"<ul>{warn}</ul>" if warn else "") + "</div>"
        )

    def plot(self, ax=None, **kwargs):
        """Plot R against H coloured by step, the fit, its band and the ceiling.

        See :func:`entropy_law.plotting.plot_fit`; returns the matplotlib Figure (the
        Axes drawn into is ``fig.axes[0]``, or the *ax* given).
        """
        from ..plotting.fit import plot_fit

        return plot_fit(self, ax=ax, **kwargs)


def _num(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _fmt(v) -> str:
    """A number as users read it: ``n/a`` for a missing value, ``unbounded`` for an infinite end."""
    if v is None or np.isnan(v):
        return "n/a"
    if np.isinf(v):
        return "unbounded" if v > 0 else "-unbounded"
    return f"{v:.4g}"
