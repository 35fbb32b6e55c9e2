r"""Compare forecasts of two or more runs: did an intervention lift the ceiling?

For each run :math:`k` against a baseline run :math:`0` and each quantity
:math:`\theta \in \{` ceiling, law ceiling, entropy floor :math:`H_\infty`, saturation
step :math:`\}` (defined in :mod:`entropy_law.forecast`), :func:`compare` reports

.. math::

    \Delta\theta = \hat\theta_k - \hat\theta_0,

with a percentile interval at ``level`` taken from
:math:`\{\theta_k^{(i)} - \theta_0^{(j_i)}\}_{i=1}^{M}`: the two runs' bootstrap draws are
independent (the runs are), so each draw of the difference pairs a draw of one run with
an independently chosen draw of the other.

Draws come, in order of preference, from

1. ``result.draws[name]`` when the forecast keeps its draws;
2. the entropy trajectory's ``floor_draws`` (entropy floor), or the sigmoid's
   ``A_draws`` when the ceiling is the sigmoid's (``method == "sigmoid"``);
3. otherwise a *quantile-matched* two-piece normal built from the estimate and its
   interval: :math:`\theta^{(i)} = \hat\theta + \sigma_\pm z_i`, :math:`z_i \sim N(0,1)`,
   with :math:`\sigma_- = (\hat\theta - \text{low})/z_{(1+\ell)/2}` below the median and
   :math:`\sigma_+ = (\text{high} - \hat\theta)/z_{(1+\ell)/2}` above it, so the median and
   the two interval ends are reproduced exactly. ``Difference.source`` says which.

Verdict (``Difference.verdict``): **lifted** when the interval of :math:`\Delta\theta`
lies above zero, **lowered** when it lies below, **no detectable change** when it holds
zero, **undetermined** when either estimate is missing. For the saturation step "lifted"
means *later*. With ``level=0.9`` two runs of the same configuration are called
different about 10% of the time per quantity (a false alarm rate of ``1 - level``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import EntropyLawError
from .forecast import forecast
from .forecast_result import ForecastResult
from .results import Estimate

__all__ = ["compare", "Comparison", "Difference", "QUANTITIES", "VERDICTS"]

#: Quantities compared, with their label and the words for "up" and "down".
QUANTITIES = {"ceiling": ("ceiling", "higher", "lower"),
              "law_ceiling": ("law ceiling", "higher", "lower"),
              "entropy_floor": ("entropy floor", "higher", "lower"),
              "saturation_step": ("saturation step", "later", "earlier")}
VERDICTS = ("lifted", "no detectable change", "lowered", "undetermined")
N_PAIRS = 4000      # draws of each difference (independent pairings of the two runs' draws)


@dataclass(frozen=True)
class Difference:
    """``run`` minus ``baseline`` for one quantity, with its interval and verdict."""

    quantity: str
    run: str
    baseline: str
    value: float
    ci: tuple[float, float]
    level: float
    verdict: str
    source: str
    run_estimate: Estimate
    baseline_estimate: Estimate
    note: str = ""

    @property
    def sentence(self) -> str:
        """The verdict in plain language."""
        label, up, down = QUANTITIES[self.quantity]
        lo, hi = _fmt(self.ci[0]), _fmt(self.ci[1])
        if self.verdict == "undetermined":
            s = f"{label}: undetermined ({self.note or 'an estimate is missing'})"
        elif self.verdict == "no detectable change":
            s = (f"{label}: no detectable change (difference {_fmt(self.value, True)}, "
                 f"{self.level:.0%} interval [{lo}, {hi}] holds 0)")
        else:
            word = up if self.verdict == "lifted" else down
            s = (f"{label}: {self.verdict} -- {word} by {_fmt(abs(self.value))} "
                 f"({self.level:.0%} interval of the difference [{lo}, {hi}])")
        return s + (f"; note: {self.note}" if self.note and self.verdict != "undetermined"
                    else "")

    def to_dict(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "run": self.run, "baseline": self.baseline,
                "difference": _num(self.value), "ci": [_num(self.ci[0]), _num(self.ci[1])],
                "level": self.level, "verdict": self.verdict, "source": self.source,
                "run_estimate": self.run_estimate.to_dict(),
                "baseline_estimate": self.baseline_estimate.to_dict(), "note": self.note,
                "sentence": self.sentence}


@dataclass(frozen=True)
class Comparison:
    """Differences of every run against the baseline (see the module docstring).

    Attributes
    ----------
    baseline : str
    runs : tuple of str
        Every run, the baseline first.
    forecasts : dict
        Run name -> :class:`~entropy_law.forecast_result.ForecastResult`.
    differences : tuple of Difference
        One per (non-baseline run, quantity).
    level, n_boot, seed : the settings that produced the comparison.
    """

    baseline: str
    runs: tuple[str, ...]
    forecasts: dict[str, ForecastResult] = field(repr=False)
    differences: tuple[Difference, ...]
    level: float
    n_boot: int
    seed: int | None

    def get(self, run: str, quantity: str) -> Difference:
        """The difference of *run* against the baseline for *quantity*."""
        for d in self.differences:
            if d.run == run and d.quantity == quantity:
                return d
        raise EntropyLawError(f"no difference for run={run!r}, quantity={quantity!r}; runs "
                              f"compared: {list(self.runs[1:])}, quantities: "
                              f"{list(QUANTITIES)}.")

    def verdict(self, run: str, quantity: str) -> str:
        return self.get(run, quantity).verdict

    def to_frame(self) -> pd.DataFrame:
        """One row per (run, quantity): difference, low, high, verdict, source."""
        return pd.DataFrame([{"run": d.run, "baseline": d.baseline, "quantity": d.quantity,
                              "difference": d.value, "low": d.ci[0], "high": d.ci[1],
                              "verdict": d.verdict, "source": d.source,
                              "run_value": d.run_estimate.value,
                              "baseline_value": d.baseline_estimate.value}
                             for d in self.differences])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record (the CLI's ``--json`` document)."""
        return {"baseline": self.baseline, "runs": list(self.runs),
                "confidence_level": self.level, "n_boot": self.n_boot, "seed": self.seed,
                "differences": [d.to_dict() for d in self.differences],
                "forecasts": {k: v.to_dict() for k, v in self.forecasts.items()}}

    def report(self) -> str:
        lines = [f"Comparison against baseline {self.baseline!r} ({self.level:.0%} intervals "
                 f"from independent bootstrap draws, B = {self.n_boot}, seed = {self.seed})"]
        for name in self.runs:
            f = self.forecasts[name]
            lines.append(f"  {name:<24} status {f.status:<18} ceiling {f.ceiling}   "
                         f"entropy floor {f.entropy_floor}   saturation step "
                         f"{f.saturation_step}")
        for run in self.runs[1:]:
            lines.append(f"{run} vs {self.baseline}:")
            lines += [f"  {d.sentence}" for d in self.differences if d.run == run]
        return "\n".join(lines)

    __str__ = report

    def _repr_html_(self) -> str:
        e = html.escape
        body = "".join(
            f"<tr><td>{e(d.run)}</td><td>{e(QUANTITIES[d.quantity][0])}</td>"
            f"<td>{_fmt(d.value, True)}</td><td>[{_fmt(d.ci[0])}, {_fmt(d.ci[1])}]</td>"
            f"<td><b>{e(d.verdict)}</b></td><td>{e(d.source)}</td></tr>"
            for d in self.differences)
        return (f"<p><b>Comparison</b> against baseline <code>{e(self.baseline)}</code></p>"
                f"<table><tr><th>run</th><th>quantity</th><th>difference</th>"
                f"<th>{self.level:.0%} interval</th><th>verdict</th><th>draws</th></tr>"
                f"{body}</table>")

    def plot(self, ax=None):
        """Overlay the runs: performance and entropy against step with their forecasts."""
        from .plotting.compare import plot_comparison

        return plot_comparison(self, ax=ax)


def compare(runs, *, baseline: str | None = None, upto_step: int | None = None,
            upto_fraction: float | None = None, horizon: int | None = None,
            level: float = 0.9, n_boot: int = 300, seed: int | None = 0,
            entropy: str | None = None, reward: str | None = None, kind: str = "auto",
            sigmoid: bool = True, combine: bool = True,
            quantities: Sequence[str] = tuple(QUANTITIES)) -> Comparison:
    """Compare two or more runs against a baseline (see the module docstring).

    Parameters
    ----------
    runs : DataFrame, sequence or mapping
        A tidy long table holding two or more runs, or a list / dict (name -> item) of
        one-run tables and :class:`~entropy_law.forecast_result.ForecastResult` objects.
    baseline : str, optional
        The run the others are compared with (default: the first, in the order of the
        list / dict, or of the table's rows).
    upto_step, upto_fraction, horizon, n_boot, seed, entropy, reward, kind, sigmoid, combine
        Passed to :func:`entropy_law.forecast` for every table (ForecastResults are used
        as they are).
    level : float
        Level of the intervals of the differences.
    quantities : sequence of str
        Subset of :data:`QUANTITIES` to compare.

    Returns
    -------
    Comparison
    """
    if not 0 < level < 1:
        raise EntropyLawError(f"level={level} must lie in (0, 1).")
    bad = [q for q in quantities if q not in QUANTITIES]
    if bad or not quantities:
        raise EntropyLawError(f"quantities={list(quantities)!r}: choose among "
                              f"{list(QUANTITIES)}.")
    items = _items(runs)
    kw = dict(upto_step=upto_step, upto_fraction=upto_fraction, horizon=horizon,
              n_boot=n_boot, seed=seed, level=level, entropy=entropy, reward=reward,
              kind=kind, sigmoid=sigmoid, combine=combine)
    fc = {name: (it if isinstance(it, ForecastResult) else forecast(it, **kw))
          for name, it in items}
    names = list(fc)
    if baseline is None:
        baseline = names[0]
    elif baseline not in fc:
        raise EntropyLawError(f"baseline={baseline!r} is not one of the runs {names}.")
    order = (baseline, *[n for n in names if n != baseline])
    rng = np.random.default_rng([0 if seed is None else int(seed), 11])
    diffs = tuple(_difference(q, name, baseline, fc[name], fc[baseline], level, rng)
                  for name in order[1:] for q in quantities)
    return Comparison(baseline=baseline, runs=order, forecasts=fc, differences=diffs,
                      level=level, n_boot=int(n_boot), seed=seed)


def _items(runs) -> list[tuple[str, Any]]:
    """Normalise *runs* to ``[(name, table or ForecastResult), ...]`` with unique names."""
    if isinstance(runs, pd.DataFrame):
        if "run" not in runs.columns:
            raise EntropyLawError("compare(): the table has no 'run' column; pass a tidy "
                                  "long table (run, step, metric, value) of two or more runs.")
        items = [(str(r), sub) for r, sub in runs.groupby("run", sort=False)]
    elif isinstance(runs, Mapping):
        items = [(str(k), v) for k, v in runs.items()]
    elif isinstance(runs, Sequence) and not isinstance(runs, str):
        items = [(_name(v, i), v) for i, v in enumerate(runs)]
    else:
        raise EntropyLawError("compare(runs): runs must be a long table of two or more runs, "
                              "or a list or dict of one-run tables / ForecastResults; got "
                              f"{type(runs).__name__}.")
    for name, v in items:
        if not isinstance(v, pd.DataFrame | ForecastResult):
            raise EntropyLawError(f"compare(): run {name!r} is a {type(v).__name__}; expected "
                                  "a tidy long table of one run or a ForecastResult.")
    if len(items) < 2:
        raise EntropyLawError(f"compare() needs at least 2 runs; got {len(items)}.")
    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise EntropyLawError(f"compare(): run names {dup} appear more than once; pass a "
                              "dict name -> run to name them.")
    return items


def _name(v, i: int) -> str:
    if isinstance(v, ForecastResult):
        return v.run
    if isinstance(v, pd.DataFrame) and "run" in v.columns and v["run"].nunique() == 1:
        return str(v["run"].iloc[0])
    return f"run{i}"


def _difference(q, run, base, fr, fb, level, rng) -> Difference:
    er, eb = getattr(fr, q), getattr(fb, q)
    notes = [f"{n} forecast status is {f.status}" for n, f in ((run, fr), (base, fb))
             if f.status != "ok"]
    with np.errstate(invalid="ignore"):
        value = float(np.subtract(float(er.value), float(eb.value)))
    if math.isnan(value):
        return Difference(q, run, base, math.nan, (math.nan, math.nan), level, "undetermined",
                          "none", er, eb, "; ".join(notes + ["an estimate is NaN"]))
    xr, sr = draws_of(fr, q, rng)
    xb, sb = draws_of(fb, q, rng)
    with np.errstate(invalid="ignore"):          # inf - inf (both censored) -> NaN
        d = xr[rng.integers(len(xr), size=N_PAIRS)] - xb[rng.integers(len(xb), size=N_PAIRS)]
    lo, hi = _interval(d, level)
    verdict = ("lifted" if lo > 0 else "lowered" if hi < 0 else "no detectable change")
    source = sr if sr == sb else f"{sr} / {sb}"
    return Difference(q, run, base, value, (lo, hi), level, verdict, source, er, eb,
                      "; ".join(notes))


def draws_of(result: ForecastResult, quantity: str,
             rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Bootstrap draws of *quantity* of a forecast, and where they came from.

    Returns ``(draws, source)`` with source ``"draws"`` (kept by the forecast),
    ``"trajectory"``, ``"sigmoid"`` or ``"interval"`` (quantile-matched approximation).
    """
    kept = getattr(result, "draws", None)
    if isinstance(kept, Mapping) and quantity in kept and len(kept[quantity]):
        return np.asarray(kept[quantity], float), "draws"
    tr, sig = result.trajectory, result.sigmoid
    if quantity == "entropy_floor" and tr is not None and len(getattr(tr, "floor_draws", ())):
        x = np.asarray(tr.floor_draws, float)
        return x[np.isfinite(x)] if np.isfinite(x).any() else x, "trajectory"
    if quantity == "ceiling" and result.method == "sigmoid" and sig is not None \
            and sig.A_draws is not None and len(sig.A_draws):
        x = np.asarray(sig.A_draws, float)
        return (np.clip(x, *result.bounds) if result.bounds is not None else x), "sigmoid"
    return interval_draws(getattr(result, quantity), rng), "interval"


def interval_draws(e: Estimate, rng: np.random.Generator, n: int = N_PAIRS) -> np.ndarray:
    """Quantile-matched two-piece normal draws from an estimate and its interval.

    The median is ``e.value`` and the ``(1 -/+ level)/2`` quantiles are the interval ends;
    an infinite end makes every draw on that side infinite (a censored quantity), and so
    does a missing (NaN) end: what is unknown is treated as unbounded, never as certain.
    """
    v, (lo, hi) = float(e.value), (float(e.ci[0]), float(e.ci[1]))
    z = rng.standard_normal(n)
    lo = -math.inf if math.isnan(lo) else lo     # an unknown end is an unbounded one
    hi = math.inf if math.isnan(hi) else hi
    from scipy.special import ndtri  # the normal quantile, without scipy.stats' import cost

    zq = ndtri((1 + e.level) / 2) if math.isfinite(e.level) else ndtri(0.95)
    s_lo, s_hi = max(v - lo, 0.0) / zq, max(hi - v, 0.0) / zq
    with np.errstate(invalid="ignore"):
        out = np.where(z < 0, v + s_lo * z, v + s_hi * z)
    out[(z > 0) & np.isinf(s_hi)] = np.inf
    out[(z < 0) & np.isinf(s_lo)] = -np.inf
    return out


def _interval(d: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval; draws that are NaN (inf - inf) count against both ends."""
    alpha = (1 - level) / 2
    lo = float(np.quantile(np.where(np.isnan(d), -np.inf, d), alpha, method="lower"))
    hi = float(np.quantile(np.where(np.isnan(d), np.inf, d), 1 - alpha, method="higher"))
    return lo, hi


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _fmt(v, sign: bool = False) -> str:
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "+inf" if v > 0 else "-inf"
    return f"{v:+.4g}" if sign else f"{v:.4g}"
