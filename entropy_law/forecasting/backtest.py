r"""Backtests: truncate a finished run, forecast, and compare with what the run then did.

For each fraction *f* the run is cut at ``first + f·(last − first)`` and forecast with
the horizon at the run's last step. Compared with:

``realised``            the mean of the metric over the last 10% of the run's steps (at
                        least one evaluation point);
``realised saturation`` the first step at which the smoothed full curve (centred moving
                        average over ~10% of the points) reaches ``saturation_fraction``
                        of the way from the start level to ``realised`` — the forecast's
                        own definition;
``last_value``          baseline: the mean of the last 10% of the slice;
``sigmoid``             baseline: the ScaleRL sigmoid alone, at the horizon.

Each row also says whether the forecast's interval covered the realised value.

``given_entropy=True`` runs the paper's protocol instead (Cui et al. 2025): fit
:math:`(a, b)` on the slice and predict performance at every later evaluation from the
entropy actually logged there; the row reports the RMSE over the predicted points and
the error at the final one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import _validate as v
from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..fitting.engine import fit_arrays
from .core import TAIL, saturation_steps, smooth, tail_mask
from .forecaster import RunSeries, forecast, prepare_run
from .inrun import inrun_backtest, law_shift
from .level import draw_spread, level_forecast

__all__ = ["backtest", "backtest_many", "given_entropy"]


def _realised(s: RunSeries, fraction: float) -> tuple[float, float]:
    first, last = s.first_step, s.last_step
    final = float(np.mean(s.p_val[tail_mask(s.p_step, first, last)]))
    head = s.p_step <= first + TAIL * (last - first)
    start = float(np.mean(s.p_val[head])) if head.any() else float(s.p_val[0])
    sat = saturation_steps(
        s.p_step, smooth(s.p_val), np.array([last]), np.full((1, 1), final), start, [final], fraction
    )[0]
    return final, float(sat)


def given_entropy(
    s: RunSeries, upto: int, *, anchor: str = "fit", level: float = 0.9, seed: int = SEED
) -> dict:
    """The paper's protocol on one cut: predict later performance from logged entropy.

    ``anchor="fit"`` is the paper's (the fitted ``b``); ``"level"`` re-anchors ``b`` at the
    mean of the slice's last 10% and keeps or shrinks the law's change as the forecaster
    does (:func:`_level_anchored`).
    """
    al = s.aligned()
    early, late = al[al["step"] <= upto], al[al["step"] > upto]
    if len(early) < 3 or len(late) == 0:
        return {
            "status": "insufficient_data",
            "rmse": np.nan,
            "final_error": np.nan,
            "n_fit": len(early),
            "n_pred": len(late),
        }
    lf = fit_arrays(
        early["entropy"].to_numpy(),
        early["reward"].to_numpy(),
        early["step"].to_numpy(),
        n_boot=N_BOOT,  # the spread of a, for the level anchor's shrinkage of the change
        level=level,
        seed=seed,
    )
    a, b = lf.params["a"].value, lf.params["b"].value
    x = np.exp(late["entropy"].to_numpy())
    if anchor == "level":
        pred = _level_anchored(s, upto, a, np.asarray(lf.draws["a"], float), x)
    else:
        pred = -a * x + b
    err = pred - late["reward"].to_numpy()
    return {
        "status": lf.status,
        "rmse": float(np.sqrt(np.mean(err**2))),
        "final_error": float(err[-1]),
        "n_fit": len(early),
        "n_pred": len(late),
    }


def _level_anchored(s: RunSeries, upto: int, a: float, a_draws: np.ndarray, x: np.ndarray) -> np.ndarray:
    r"""The forecaster's law-based value at entropies :math:`x = e^{H}` logged after the cut.

    Anchored at the slice's last-10% level :math:`L` and its mean :math:`\bar x_{now}`, the
    change :math:`\Delta = -a\,(x - \bar x_{now})` is kept or shrunk by the forecaster's own
    rule (:func:`entropy_law.forecasting.inrun.law_shift`: kept where the law beat the
    level inside the slice, else shrunk by its signal-to-noise factor with the spread of
    :math:`a`'s bootstrap draws), so the protocol scores what a forecast would say.
    """
    sl = s.upto(upto)
    tail = tail_mask(sl.p_step, sl.first_step, upto)
    w_lo, w_hi = float(sl.p_step[tail].min()), float(sl.p_step[tail].max())
    x_now = float(np.mean(np.exp(sl.e_val[sl.e_step >= w_lo])))
    delta = -a * (x - x_now)
    lvl = level_forecast(sl.p_step, sl.p_val, sl.first_step, upto, upto)
    inrun = inrun_backtest(sl, sl.first_step, (w_lo, w_hi), lvl.rmse, lvl.phi)
    sd = draw_spread(a_draws) * np.abs(x - x_now)
    return float(np.mean(sl.p_val[tail])) + delta + law_shift(delta, sd, inrun, lvl.s_now)


def backtest(
    run,
    fractions: Sequence[float] = (0.1, 0.25, 0.5),
    *,
    given: bool = False,
    entropy: str | None = None,
    reward: str | None = None,
    kind: str = "auto",
    saturation_fraction: float = 0.95,
    level: float = 0.9,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    anchor: str = "level",
) -> pd.DataFrame:
    """Backtest one run at each fraction; one row per fraction (module docstring).

    Parameters
    ----------
    run : DataFrame or RunSeries
        A tidy long table of one finished run.
    fractions : sequence of float
        Where to cut, as fractions of the run's steps, each in (0, 1).
    given : bool
        Run the paper's given-entropy protocol instead of the forecaster.
    """
    fractions = v.real_sequence("backtest", "fractions", fractions)
    v.integer("backtest", "n_boot", n_boot)
    v.integer("backtest", "seed", seed)
    v.real("backtest", "level", level)
    v.real("backtest", "saturation_fraction", saturation_fraction)
    s = run if isinstance(run, RunSeries) else prepare_run(run, entropy=entropy, reward=reward, kind=kind)
    bad = [f for f in fractions if not 0 < f < 1]
    if bad:
        raise EntropyLawError(f"fractions must lie in (0, 1); got {bad}.")
    if len(s.p_step) < 3:
        raise EntropyLawError(
            f"run {s.run!r} has {len(s.p_step)} performance point(s); a backtest needs at least 3."
        )
    first, last = s.first_step, s.last_step
    final, sat_real = _realised(s, saturation_fraction)
    rows = []
    for f in fractions:
        upto = int(round(first + f * (last - first)))
        row = {
            "run": s.run,
            "fraction": f,
            "upto_step": upto,
            "horizon_step": last,
            "realised": final,
            "realised_saturation_step": sat_real,
            "entropy_metric": s.entropy,
            "reward_metric": s.reward,
        }
        if given:
            row.update(given_entropy(s, upto, anchor="fit", level=level, seed=seed))
            lv = given_entropy(s, upto, anchor="level", level=level, seed=seed)
            row.update(rmse_level_anchor=lv["rmse"], final_error_level_anchor=lv["final_error"])
            rows.append(row)
            continue
        fc = forecast(
            s,
            upto_step=upto,
            horizon=last,
            saturation_fraction=saturation_fraction,
            n_boot=n_boot,
            level=level,
            seed=seed,
            anchor=anchor,
        )
        lo, hi = fc.at_horizon.ci
        sig = fc.sigmoid
        sig_val = sig.at_horizon.value if sig is not None and sig.ok else np.nan
        row.update(
            status=fc.status,
            method=fc.method,
            horizon_method=fc.horizon_method,
            verdict=fc.verdict,
            forecast=fc.at_horizon.value,
            low=lo,
            high=hi,
            error=fc.at_horizon.value - final,
            covered=bool(lo <= final <= hi) if np.isfinite([lo, hi]).all() else np.nan,
            last_value=fc.last_value,
            last_value_error=fc.last_value - final,
            sigmoid=sig_val,
            sigmoid_error=sig_val - final,
            ceiling=fc.ceiling.value,
            saturation_step=fc.saturation_step.value,
            saturation_error=fc.saturation_step.value - sat_real,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def backtest_many(
    table: pd.DataFrame, fractions: Sequence[float] = (0.1, 0.25, 0.5), **kwargs
) -> pd.DataFrame:
    """Backtest every run of a tidy long table; a run that fails gets an ``error`` row."""
    frames = []
    for run, sub in table.groupby("run", sort=True):
        try:
            frames.append(backtest(sub, fractions, **kwargs))
        except EntropyLawError as exc:
            frames.append(pd.DataFrame([{"run": str(run), "status": "error", "message": str(exc)}]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
