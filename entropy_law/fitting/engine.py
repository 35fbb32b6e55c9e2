r"""Fit a law to one run (:func:`fit`, :func:`fit_arrays`) or to every run (:func:`fit_each`).

The default law is :math:`R = -a\,e^{H} + b` (Cui et al. 2025), solved exactly by
weighted least squares in :math:`x = e^H`; its intervals come from a vectorised
moving-block bootstrap (:mod:`entropy_law.fitting.bootstrap`). The hard ceiling :math:`b - a`
and the law's value at any entropy get their intervals from the same joint draws.

Data conditions never raise: a result comes back with ``status``

``ok``                 the fit was made;
``law_not_holding``    ``a <= 0``: performance rises with entropy (estimates reported);
``insufficient_data``  fewer than 3 aligned points (or fewer than parameters + 1);
``constant_entropy``   the entropy (the law's variable) does not vary;
``no_data``            no finite value of the reward or entropy metric;
``fit_failed``         an lmfit law did not converge, or \|performance\| > ``MAX_ABS_VALUE``.

Bad arguments (unknown law, level outside (0, 1)...) raise :class:`FitError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _validate as v
from .._defaults import N_BOOT, N_BOOT_FLEET, SEED
from .._validate import fit_argument_error as _bad_argument
from ..errors import FitError
from . import bootstrap as bs
from .batch_lm import refit_law_batch
from .block_length import auto_block_length
from .diagnostics import (
    clip_to_bounds,
    compare_laws,
    goodness,
    lag1_autocorr,
    resolve_bounds,
    verdict,
)
from .intervals import check_level, percentile_interval, t_interval
from .laws import Law, get_law
from .results import Estimate, FitResult, FitSettings
from .transient import resolve_transient

__all__ = ["fit_arrays"]

_ER_COLUMNS = ("step", "entropy", "reward")
#: Largest |performance| fitted: beyond it sums of squares overflow float64 (1e300 rewards did).
MAX_ABS_VALUE = 1e100


def fit_arrays(
    H,
    R,
    steps=None,
    *,
    law: str | Law = "entropy",
    run: str = "",
    from_step: int | None = None,
    upto_step: int | None = None,
    drop_transient: bool | str | int = False,
    resample: str = "block",
    n_boot: int = N_BOOT,
    block_length: int | str = "auto",
    level: float = 0.95,
    seed: int | None = SEED,
    at_entropy: float | Sequence[float] | None = None,
    bounded: str | tuple[float, float] | None = "auto",
    weights=None,
    entropy_name: str | None = None,
    reward_name: str | None = None,
) -> FitResult:
    """Fit *law* to arrays: performance *R* against entropy *H* (or C for the sigmoid).

    Parameters
    ----------
    H, R : array_like
        The law's variable and performance, one value per logged point (NaN pairs are
        dropped).
    steps : array_like of int, optional
        The trainer step of each point (default ``0 .. n-1``); points are put in step
        order, which the block bootstrap needs.
    from_step, upto_step : int, optional
        Keep points with ``from_step <= step <= upto_step``.
    drop_transient : False, "auto" or int
        Drop an initial format-learning transient: ``"auto"`` uses the rule of
        :mod:`entropy_law.fitting.transient`; an int drops that many leading points.
    resample : {"block", "pairs", "residual"}
        Bootstrap scheme (:mod:`entropy_law.fitting.bootstrap`).
    n_boot : int
        Bootstrap resamples (default :data:`entropy_law._defaults.N_BOOT`, for every law;
        ``None`` also means the default).
    block_length : int or "auto"
        Moving-block length; ``"auto"`` = Politis–White on the residuals.
    level : float
        Confidence level of every interval.
    seed : int or None
        Seed of ``np.random.default_rng`` (default :data:`entropy_law._defaults.SEED`, so the
        same call gives the same result); ``None`` draws a fresh seed, recorded in the result.
    at_entropy : float or sequence, optional
        Entropies at which to report the law's value with its interval.
    bounded : "auto", (low, high) or None
        Range of the metric; ``"auto"`` = [0, 1] when every value lies in it.
    weights : array_like, optional
        Observation weights (inverse variances) for weighted least squares.
    """
    law = get_law(law)
    _check_options(resample, level, n_boot, block_length, seed)
    for name, value in (("from_step", from_step), ("upto_step", upto_step)):
        v.step("fit_arrays", name, value, _bad_argument)
    n_boot = N_BOOT if n_boot is None else int(n_boot)
    seed = int(np.random.default_rng().integers(2**32)) if seed is None else int(seed)
    x = v.numbers_1d("fit_arrays", "H", H, _bad_argument)
    y = v.numbers_1d("fit_arrays", "R", R, _bad_argument)
    st = np.arange(x.size) if steps is None else np.asarray(steps).ravel()
    if steps is not None:
        v.numbers_1d("fit_arrays", "steps", steps, _bad_argument)
    w = np.ones_like(x) if weights is None else v.numbers_1d("fit_arrays", "weights", weights, _bad_argument)
    if not (x.size == y.size == st.size == w.size):
        raise FitError(
            f"H, R, steps and weights must have one value per point; got lengths "
            f"{x.size}, {y.size}, {st.size}, {w.size}.",
            status="bad_argument",
        )
    order = np.argsort(st, kind="stable")
    x, y, st, w = x[order], y[order], st[order], w[order]
    keep = np.ones(x.size, bool)
    if from_step is not None:
        keep &= st >= from_step
    if upto_step is not None:
        keep &= st <= upto_step
    x, y, st, w = x[keep], y[keep], st[keep], w[keep]
    bounds = resolve_bounds(bounded, y, name=reward_name)
    settings: dict[str, Any] = dict(
        resample=resample,
        n_boot=n_boot,
        block_length=None,
        level=level,
        seed=seed,
        from_step=from_step,
        upto_step=upto_step,
        drop_transient=drop_transient,
        bounded=bounds,
        entropy=entropy_name,
        reward=reward_name,
    )
    var = "entropy" if law.variable == "H" else "step/compute"
    what = f"reward metric {reward_name!r}" if reward_name else "reward"
    window = "" if from_step is None and upto_step is None else f" in steps [{from_step}, {upto_step}]"
    if x.size == 0 or not np.isfinite(y).any() or not np.isfinite(x).any():
        empty = (
            "the reward" if x.size and not np.isfinite(y).any() else ("the " + var if x.size else "the data")
        )
        return _failed(
            law,
            run,
            "no_data",
            f"{empty} has no finite value{window}; check the {what} and the {var} metric.",
            settings,
        )
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(w)
    x, y, st, w = x[ok], y[ok], st[ok], w[ok]
    if y.size and (big := float(np.max(np.abs(y)))) > MAX_ABS_VALUE:
        msg = f"the {what} reaches {big:.3g}, beyond ±{MAX_ABS_VALUE:.0e}: rescale it (divide by 10**k)."
        return _failed(law, run, "fit_failed", msg, settings)
    dropped = resolve_transient(drop_transient, x, y, law) if x.size > 5 else 0
    settings["dropped_steps"] = tuple(int(s) for s in st[:dropped])
    x, y, st, w = x[dropped:], y[dropped:], st[dropped:], w[dropped:]
    need = max(3, len(law.param_names) + 1)
    if x.size < need:
        return _failed(
            law,
            run,
            "insufficient_data",
            f"{x.size} aligned point(s){window} where the {law.name} law needs at "
            f"least {need}; log the {what} more often, or widen the step range.",
            settings,
            st,
            x,
            y,
        )
    if np.ptp(x) <= 1e-12 * max(1.0, float(np.abs(x).max())):
        return _failed(
            law,
            run,
            "constant_entropy",
            f"the {var} is constant ({x[0]:.6g}) over the {x.size} points, so "
            f"the law's slope cannot be estimated; check that the entropy key "
            f"is the policy entropy, or use more steps.",
            settings,
            st,
            x,
            y,
        )
    best = law.solve(x, y, w)
    if not best.success:
        return _failed(
            law,
            run,
            "fit_failed",
            f"lmfit did not converge for the {law.name} "
            f"law: {best.message}. Try the entropy law or more points.",
            settings,
            st,
            x,
            y,
        )
    rng = np.random.default_rng(seed)
    draws, length, n_failed, inflation = _draws(law, x, y, w, best, resample, n_boot, block_length, rng)
    settings["block_length"] = length
    settings["inflation"] = inflation
    return _assemble(
        law, run, x, y, w, st, best, draws, n_failed, bounds, level, at_entropy, FitSettings(**settings)
    )


def _draws(law: Law, x, y, w, best, resample, n_boot, block_length, rng):
    """Joint bootstrap draws of every parameter and of the ceiling."""
    resid = y - best.fitted
    if block_length != "auto":  # a fixed length longer than a short run: one block
        block_length = min(int(block_length), x.size)
    inflation = 1.0
    if law.linear:
        assert law.basis is not None  # linear laws carry their regressor
        ld = bs.linear_draws(
            law.basis(x), y, weights=w, method=resample, n_boot=n_boot, block_length=block_length, rng=rng
        )
        draws = {
            p: np.asarray(v, dtype=float) for p, v in law.params_from_line(ld.intercept, ld.slope).items()
        }
        length, n_failed, inflation = ld.block_length, ld.n_failed, ld.inflation
    else:
        length = (
            (auto_block_length(resid) if block_length == "auto" else int(block_length))
            if resample == "block"
            else 1
        )
        idx = bs.resample_indices(resample, x.size, n_boot, min(length, x.size), rng)
        out = refit_law_batch(law, x, y, w, best, resid, idx, resample)
        draws = {p: out[:, j] for j, p in enumerate(law.param_names)}
        n_failed = int(np.isnan(out).any(axis=1).sum())
    draws["ceiling"] = np.asarray(law.ceiling(draws), dtype=float)
    return draws, (length if resample == "block" else None), n_failed, inflation


def _assemble(law, run, x, y, w, st, best, draws, n_failed, bounds, level, at_entropy, settings) -> FitResult:
    k = len(law.param_names)
    params = {
        p: Estimate(best.params[p], percentile_interval(draws[p], level), level) for p in law.param_names
    }
    ceil_value = float(law.ceiling(best.params))
    ceiling = Estimate(ceil_value, percentile_interval(draws["ceiling"], level), level)
    parametric = _parametric(law, best, x.size - k, level)
    gof = goodness(y, best.fitted, k, w)
    lag1 = lag1_autocorr(y - best.fitted)
    alternatives = compare_laws(x, y, law, w)
    holds, text = verdict(law, params, gof["aic"], alternatives, x.size)
    warns = []
    status, message = "ok", ""
    if law.variable == "H" and "a" in params and params["a"].value <= 0:
        status = "law_not_holding"
        message = (
            f"a = {params['a'].value:.4g} <= 0: performance rises with entropy, the "
            "opposite of the entropy law; the ceiling b - a is meaningless here."
        )
    ceiling_clipped, msg = clip_to_bounds(ceiling, bounds)
    if msg:
        warns.append(msg)
    if n_failed:
        warns.append(
            f"{n_failed} of {settings.n_boot} resamples could not be fitted "
            "(no spread in a resample, or no convergence) and were left out."
        )
    if settings.resample != "block" and np.isfinite(lag1) and lag1 > 0.3:
        warns.append(
            f"the residuals are autocorrelated (lag-1 {lag1:.2f}); "
            f"{settings.resample} resampling ignores that and its intervals are "
            "too narrow. Use resample='block'."
        )
    if x.size < 10:
        warns.append(f"only {x.size} points: bootstrap intervals are rough at this size.")
    if settings.n_boot < N_BOOT_FLEET:
        warns.append(
            f"n_boot = {settings.n_boot} resamples: the interval ends are mostly Monte Carlo "
            f"noise at this size (at {N_BOOT_FLEET} an end moves by 5-9% of the interval's "
            f"width between seeds, at {N_BOOT} by about 2%); use n_boot >= {N_BOOT_FLEET}."
        )
    if settings.dropped_steps:
        warns.append(
            f"dropped {len(settings.dropped_steps)} leading point(s) as an initial "
            f"transient (steps {list(settings.dropped_steps)})."
        )
    at = {}
    if at_entropy is not None and law.variable == "H":
        at = {
            float(h): est
            for h, est in zip(
                np.atleast_1d(at_entropy),
                _predict(law, best.params, draws, np.atleast_1d(np.asarray(at_entropy, float)), level),
            )
        }
    return FitResult(
        run=run,
        law=law.name,
        params=params,
        ceiling=ceiling_clipped,
        r2=gof["r2"],
        rmse=gof["rmse"],
        aic=gof["aic"],
        bic=gof["bic"],
        lag1_autocorr=lag1,
        n_points=int(x.size),
        status=status,
        message=message,
        warnings=tuple(warns),
        settings=settings,
        verdict=text,
        parametric=parametric,
        alternatives=alternatives,
        ceiling_unclipped=ceiling if msg else None,
        at_entropy=at,
        steps=np.asarray(st),
        x=x,
        y=y,
        fitted=np.asarray(best.fitted, dtype=float),
        draws=draws,
    )


def _predict(law, params, draws, xs, level) -> list[Estimate]:
    value = law(xs, **params)
    with np.errstate(all="ignore"):
        curves = law(xs[None, :], **{p: draws[p][:, None] for p in law.param_names})
    low, high = percentile_interval(np.asarray(curves, dtype=float), level)
    return [Estimate(float(v), (float(lo), float(hi)), level) for v, lo, hi in zip(value, low, high)]


def _parametric(law: Law, best, dof: int, level: float) -> dict[str, Estimate]:
    """Covariance (t-based) intervals of the parameters and of the ceiling."""
    if best.cov is None or dof < 1:
        return {}
    cov = np.asarray(best.cov)
    names = law.param_names
    out = {
        p: Estimate(best.params[p], t_interval(best.params[p], np.sqrt(cov[i, i]), dof, level), level)
        for i, p in enumerate(names)
    }
    grad = np.zeros(len(names))  # the ceilings are linear in the parameters
    for i, p in enumerate(names):
        up = dict(best.params, **{p: best.params[p] + 1.0})
        grad[i] = float(law.ceiling(up)) - float(law.ceiling(best.params))
    c = float(law.ceiling(best.params))
    out["ceiling"] = Estimate(c, t_interval(c, float(np.sqrt(grad @ cov @ grad)), dof, level), level)
    return out


def _failed(law, run, status, message, settings, st=None, x=None, y=None) -> FitResult:
    level = settings["level"]
    nan = Estimate(float("nan"), (float("nan"), float("nan")), level)
    empty = np.empty(0)
    return FitResult(
        run=run,
        law=law.name,
        params={p: nan for p in law.param_names},
        ceiling=nan,
        r2=float("nan"),
        rmse=float("nan"),
        aic=float("nan"),
        bic=float("nan"),
        lag1_autocorr=float("nan"),
        n_points=0 if x is None else int(x.size),
        status=status,
        message=message,
        warnings=(),
        settings=FitSettings(**settings),
        verdict="no fit: " + status.replace("_", " "),
        steps=np.asarray(st if st is not None else np.empty(0, np.int64)),
        x=empty if x is None else x,
        y=empty if y is None else y,
        fitted=np.full(0 if x is None else x.size, np.nan),
    )


def _check_options(resample, level, n_boot, block_length, seed) -> None:
    bs._check_method(resample)
    v.real("fit_arrays", "level", level, _bad_argument)
    check_level(level)
    v.fit_counts(n_boot, block_length, seed)
