r"""Compare forecasts of two or more runs: did an intervention lift the ceiling?

For each run :math:`k` against a baseline run :math:`0` and each quantity
:math:`\theta \in \{` ceiling, law ceiling, entropy floor :math:`H_\infty`, saturation
step :math:`\}` (defined in :mod:`entropy_law.forecasting.forecaster`), :func:`compare` reports

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
zero, **undetermined** when either estimate is missing, or, for the ceilings and the
saturation step, when either run's plateau is not claimed
(:attr:`~entropy_law.forecasting.result.ForecastResult.ceiling_claimed`: too early, or the
current level carried forward); the note says whose and why. ``Comparison.ranking`` orders
the runs by claimed ceiling only; ``Comparison.not_ranked`` names the others with the
reason. For the saturation step "lifted" means *later*. With ``level=0.9`` two runs of
the same configuration are called different about 10% of the time per quantity (a false
alarm rate of ``1 - level``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..fitting.results import Estimate
from ..forecasting.forecaster import forecast
from ..forecasting.result import ForecastResult
from .comparison import N_PAIRS, QUANTITIES, Comparison, Difference, not_claimed

__all__ = ["compare", "draws_of", "interval_draws"]


def compare(
    runs,
    *,
    baseline: str | None = None,
    upto_step: int | None = None,
    upto_fraction: float | None = None,
    horizon: int | None = None,
    level: float = 0.9,
    n_boot: int = N_BOOT,
    seed: int | None = SEED,
    entropy: str | None = None,
    reward: str | None = None,
    kind: str = "auto",
    sigmoid: bool = True,
    combine: bool = True,
    quantities: Sequence[str] = tuple(QUANTITIES),
) -> Comparison:
    """Compare two or more runs against a baseline (see the module docstring).

    Parameters
    ----------
    runs : DataFrame, sequence or mapping
        A tidy long table holding two or more runs, or a list / dict (name -> item) of
        one-run tables and :class:`~entropy_law.forecasting.result.ForecastResult` objects.
    baseline : str, optional
        The run the others are compared with (default: the first, in the order of the
        list / dict, or of the table's rows).
    upto_step, upto_fraction, horizon, n_boot, seed, entropy, reward, kind, sigmoid, combine
        Passed to :func:`entropy_law.forecasting.forecaster` for every table (ForecastResults are used
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
        raise EntropyLawError(f"quantities={list(quantities)!r}: choose among {list(QUANTITIES)}.")
    items = _items(runs)
    kw: dict[str, Any] = dict(
        upto_step=upto_step,
        upto_fraction=upto_fraction,
        horizon=horizon,
        n_boot=n_boot,
        seed=seed,
        level=level,
        entropy=entropy,
        reward=reward,
        kind=kind,
        sigmoid=sigmoid,
        combine=combine,
    )
    fc = {name: (it if isinstance(it, ForecastResult) else forecast(it, **kw)) for name, it in items}
    names = list(fc)
    if baseline is None:
        baseline = names[0]
    elif baseline not in fc:
        raise EntropyLawError(f"baseline={baseline!r} is not one of the runs {names}.")
    order = (baseline, *[n for n in names if n != baseline])
    rng = np.random.default_rng([0 if seed is None else int(seed), 11])
    diffs = tuple(
        _difference(q, name, baseline, fc[name], fc[baseline], level, rng)
        for name in order[1:]
        for q in quantities
    )
    return Comparison(
        baseline=baseline,
        runs=order,
        forecasts=fc,
        differences=diffs,
        level=level,
        n_boot=int(n_boot),
        seed=seed,
    )


def _items(runs) -> list[tuple[str, Any]]:
    """Normalise *runs* to ``[(name, table or ForecastResult), ...]`` with unique names."""
    if isinstance(runs, pd.DataFrame):
        if "run" not in runs.columns:
            raise EntropyLawError(
                "compare(): the table has no 'run' column; pass a tidy "
                "long table (run, step, metric, value) of two or more runs."
            )
        items = [(str(r), sub) for r, sub in runs.groupby("run", sort=False)]
    elif isinstance(runs, Mapping):
        items = [(str(k), v) for k, v in runs.items()]
    elif isinstance(runs, Sequence) and not isinstance(runs, str):
        items = [(_name(v, i), v) for i, v in enumerate(runs)]
    else:
        raise EntropyLawError(
            "compare(runs): runs must be a long table of two or more runs, "
            "or a list or dict of one-run tables / ForecastResults; got "
            f"{type(runs).__name__}."
        )
    for name, v in items:
        if not isinstance(v, pd.DataFrame | ForecastResult):
            raise EntropyLawError(
                f"compare(): run {name!r} is a {type(v).__name__}; expected "
                "a tidy long table of one run or a ForecastResult."
            )
    if len(items) < 2:
        raise EntropyLawError(f"compare() needs at least 2 runs; got {len(items)}.")
    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise EntropyLawError(
            f"compare(): run names {dup} appear more than once; pass a dict name -> run to name them."
        )
    return items


def _name(v, i: int) -> str:
    if isinstance(v, ForecastResult):
        return v.run
    if isinstance(v, pd.DataFrame) and "run" in v.columns and v["run"].nunique() == 1:
        return str(v["run"].iloc[0])
    return f"run{i}"


#: quantities that stand on the forecast's plateau: not compared where it is not claimed
_ON_PLATEAU = ("ceiling", "law_ceiling", "saturation_step")


def _difference(q, run, base, fr, fb, level, rng) -> Difference:
    er, eb = getattr(fr, q), getattr(fb, q)
    notes = [f"{n} forecast status is {f.status}" for n, f in ((run, fr), (base, fb)) if f.status != "ok"]
    unclaimed = [
        f"{n}'s plateau is not claimed ({not_claimed(f)})"
        for n, f in ((run, fr), (base, fb))
        if not f.ceiling_claimed
    ]
    if q in _ON_PLATEAU and unclaimed:
        return Difference(
            q, run, base, math.nan, (math.nan, math.nan), level, "undetermined", "none", er, eb,
            "; ".join(unclaimed),
        )  # fmt: skip
    with np.errstate(invalid="ignore"):
        value = float(np.subtract(float(er.value), float(eb.value)))
    if math.isnan(value):
        return Difference(
            q,
            run,
            base,
            math.nan,
            (math.nan, math.nan),
            level,
            "undetermined",
            "none",
            er,
            eb,
            "; ".join(notes + ["an estimate is NaN"]),
        )
    xr, sr = draws_of(fr, q, rng)
    xb, sb = draws_of(fb, q, rng)
    with np.errstate(invalid="ignore"):  # inf - inf (both censored) -> NaN
        d = xr[rng.integers(len(xr), size=N_PAIRS)] - xb[rng.integers(len(xb), size=N_PAIRS)]
    lo, hi = _interval(d, level)
    verdict = "lifted" if lo > 0 else "lowered" if hi < 0 else "no detectable change"
    source = sr if sr == sb else f"{sr} / {sb}"
    return Difference(q, run, base, value, (lo, hi), level, verdict, source, er, eb, "; ".join(notes))


def draws_of(result: ForecastResult, quantity: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
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
    if (
        quantity == "ceiling"
        and result.method == "sigmoid"
        and sig is not None
        and sig.A_draws is not None
        and len(sig.A_draws)
    ):
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
    lo = -math.inf if math.isnan(lo) else lo  # an unknown end is an unbounded one
    hi = math.inf if math.isnan(hi) else hi
    from scipy.special import (
        ndtri,  # the normal quantile, without scipy.stats' import cost
    )

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
