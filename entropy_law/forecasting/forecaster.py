r"""Forecast the ceiling, the saturation step and the value at a horizon from an early slice.

Method
------
From the slice of a run up to ``upto_step``:

1. the entropy law :math:`R = -a\,e^{H} + b` is fitted to the aligned entropy-vs-
   performance points (:func:`entropy_law.fit_arrays`, moving-block bootstrap);
2. the entropy trajectory :math:`H(t)` is fitted to every logged entropy value
   (:func:`entropy_law.trajectory.fit.fit_trajectory`: exponential and power-law decay to a
   floor :math:`H_\infty \ge 0`, AIC-averaged, block bootstrap);
3. draw *i* of the law is paired with draw *i* of the entropy path, so every forecast
   interval comes from one joint bootstrap.

**Anchoring.** By default (``anchor="level"``) the forecast predicts the *change* from the
current level rather than the level itself:

.. math::

    \hat R(t) = L_{now} - a\,\big(e^{H(t)} - \overline{e^{H}}_{now}\big)

where :math:`L_{now}` is the mean performance over the last 10% of the slice's evaluations (the
"last value" baseline) and :math:`\overline{e^{H}}_{now}` the mean of :math:`e^{H}` over
the same steps. This equals the law with its intercept re-estimated at the current
point, :math:`b' = L_{now} + a\,\overline{e^{H}}_{now}`. It keeps the law's slope and the
entropy forecast while removing the bias a misfit intercept (an early transient, train
vs validation offsets) would carry to the horizon. ``anchor="fit"`` uses the fitted
:math:`b` as is. ``docs/benchmarks.md`` compares the two on real and simulated runs.

**Combination.** The ScaleRL sigmoid :math:`R(C) = R_0 + (A - R_0)/(1 + (C_{mid}/C)^B)`
is fitted to performance against step as an independent second opinion and used only
when it passes the sanity gates of :mod:`entropy_law.forecasting.gates`. Then
(``method="combined"``, the default; ``combine=False`` keeps the law alone) the value at
the horizon is the mean of the two, paired draw by draw, with half the gap between them
added as a model-uncertainty spread; the ceiling and the saturation step stay the law's
(the ceiling ``check`` reports too). A model's forecast change from the current level is
shrunk by its signal-to-noise factor (:func:`entropy_law.forecasting.level.shrink_shift`),
unless the law beat the current level in the in-run backtest from the middle of the slice
and the change exceeds the level's noise (:mod:`entropy_law.forecasting.inrun`), which
also adds its in-run error to the predictive spread.

Reported quantities (each an :class:`~entropy_law.fitting.results.Estimate` at ``level``):

``ceiling``          the law's :math:`-a\,e^{H_\infty} + b'` (never above the hard
                     ceiling); in a fallback the gated sigmoid's :math:`A` or the level;
``law_ceiling``      always the law's :math:`-a\,e^{H_\infty} + b'`;
``hard_ceiling``     :math:`b' - a`, total entropy collapse (:math:`H = 0`);
``entropy_floor``    :math:`H_\infty`;
``saturation_step``  the first step at which the performance curve (observed and
                     smoothed up to ``upto_step``, forecast after) reaches
                     ``saturation_fraction`` of the way from the performance at the first
                     used step (mean of the first 10% of the slice) to the ceiling;
                     ``inf`` when that happens after the search grid (20x the slice);
``at_horizon``       the performance at the horizon step (default ``2 x upto_step``).
                     Its interval is *predictive*: it adds the noise of the mean of the
                     last 10% of evaluations and of the current level (residual spread
                     inflated for lag-1 autocorrelation) and the in-run error
                     (:mod:`.inrun`) to the bootstrap spread;
``sigmoid``          the ScaleRL sigmoid fitted to performance against step, its
                     asymptote ``A`` and its own saturation step: a second opinion.

Statuses
--------
``ok``                 law-based forecast;
``too_early``          the law ceiling's interval is wider than ``TOO_EARLY_WIDTH`` of the
                       metric's range (bounded) or of the observed spread, or the forecast
                       rests on fewer than ``MIN_LAW_ONLY_POINTS`` (6) aligned points: the
                       law's values are reported but should not be acted on, and the value
                       at the horizon is the fallback's (the current level, with a gated
                       sigmoid: :mod:`.fallback`);
``law_not_holding``    ``a <= 0`` or the law fit failed;
``entropy_controlled`` the entropy is held flat, rises or rebounds (an entropy bonus,
                       clip-higher, an adaptive controller): the law is not claimed;
``insufficient_data``  fewer than 3 aligned performance points or 5 entropy points.

The last three are fallbacks (:mod:`.fallback`): the current level with an interval
calibrated in the run, combined with the sigmoid only if it passes its gates. Every
result carries a verdict (:mod:`.verdict`): improving, plateaued, degrading or
unforecastable, with its reason and the expected gain to the horizon.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .. import _validate as v
from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..table.align import align_arrays
from ..table.metrics import choose
from .result import ForecastResult, ForecastSettings

__all__ = ["forecast", "prepare_run", "RunSeries", "HORIZON_MULTIPLE"]

HORIZON_MULTIPLE = 2.0  # default horizon = 2 x the last observed step


class RunSeries:
    """One run's entropy and performance series, as logged (every step / every eval)."""

    def __init__(
        self, run, e_step, e_val, p_step, p_val, entropy, reward, detection=None, x_axis=None, groups=None
    ):
        self.run, self.entropy, self.reward = run, entropy, reward
        self.detection, self.x_axis = detection, x_axis
        # entropy by group: name -> (key, steps, values) (forecasting.groups)
        self.groups: dict = dict(groups or {})
        self.e_step, self.e_val = np.asarray(e_step, np.int64), np.asarray(e_val, float)
        self.p_step, self.p_val = np.asarray(p_step, np.int64), np.asarray(p_val, float)

    def upto(self, step: int) -> RunSeries:
        ke, kp = self.e_step <= step, self.p_step <= step
        return RunSeries(
            self.run,
            self.e_step[ke],
            self.e_val[ke],
            self.p_step[kp],
            self.p_val[kp],
            self.entropy,
            self.reward,
            self.detection,
            self.x_axis,
            {g: (k, t[t <= step], h[t <= step]) for g, (k, t, h) in self.groups.items()},
        )

    def after(self, step: int) -> tuple:
        """``(e_step, e_val, p_step, p_val)`` logged after *step* (the held-out data)."""
        ke, kp = self.e_step > step, self.p_step > step
        return (self.e_step[ke], self.e_val[ke], self.p_step[kp], self.p_val[kp])

    @property
    def last_step(self) -> int:
        """The last step at which either series was logged."""
        return int(np.r_[self.e_step, self.p_step].max())

    @property
    def first_step(self) -> int:
        """The first step at which either series was logged."""
        return int(np.r_[self.e_step, self.p_step].min())

    def aligned(self) -> pd.DataFrame:
        """Performance points with their entropy (the ``window`` rule of
        :mod:`entropy_law.table.tidy`): columns ``step, entropy, reward``."""
        step, h, y = align_arrays(self.e_step, self.e_val, self.p_step, self.p_val)
        return pd.DataFrame({"step": step, "entropy": h, "reward": y})


def prepare_run(
    table: pd.DataFrame, *, entropy=None, reward=None, kind="auto", x=None, groups="auto"
) -> RunSeries:
    """Pull one run's entropy and performance series out of a tidy long table.

    *x*: a logged compute column (tokens, samples, GPU-hours, wall-clock) in whose units
    the forecast's step quantities are also reported (:mod:`.compute_axis`). *groups*: the
    entropy-by-group keys, ``"auto"`` (:mod:`entropy_law.table.entropy_groups`), ``None``,
    a list of keys or a mapping name -> key (:mod:`.groups`).
    """
    v.metric_name("prepare_run", "entropy", entropy)
    v.metric_name("prepare_run", "reward", reward)
    v.metric_name("prepare_run", "x", x)
    if isinstance(table, pd.DataFrame) and "step" in table.columns and "metric" not in table.columns:
        from ..table.wide import is_ambiguous, warn_ambiguous, wide_to_long

        if val := is_ambiguous(table, entropy, reward):  # pd.read_csv of a log: val_acc wins
            warn_ambiguous(table, val, "forecast", stacklevel=3)
        table = wide_to_long(table)
    if not isinstance(table, pd.DataFrame) or not {"run", "step", "metric", "value"} <= set(table.columns):
        raise EntropyLawError(
            "forecast() needs a tidy long table (run, step, metric, value) of one run, as "
            "returned by entropy_law.load(), or a wide table (step and one column per metric)."
        )
    runs = table["run"].unique().tolist()
    if len(runs) != 1:
        raise EntropyLawError(
            f"forecast() takes one run; the table holds {len(runs)}: "
            f"{runs[:10]}. Select one, e.g. table[table.run == {runs[0]!r}]."
        )
    counts = table["metric"].value_counts().to_dict()
    meta = (table.attrs.get("run_meta") or {}).get(str(runs[0]))
    d = choose(
        list(counts), entropy=entropy, reward=reward, kind=kind, run=str(runs[0]), counts=counts, meta=meta
    )
    ent, rew = d.entropy, d.reward
    e = table[table["metric"] == ent].sort_values("step")
    p = table[table["metric"] == rew].sort_values("step")
    axis = None
    if x is not None:
        from .compute_axis import compute_axis

        axis = compute_axis(table, x)
    from ..table.entropy_groups import resolve_groups

    split = {}
    for name, key in resolve_groups(groups, sorted(counts), ent).items():
        g = table[table["metric"] == key].sort_values("step")
        split[name] = (key, g["step"].to_numpy(np.int64), g["value"].to_numpy(float))
    return RunSeries(
        str(runs[0]), e["step"], e["value"], p["step"], p["value"], ent, rew, d.reason, axis, split
    )


def _check_forecast_args(args: dict) -> None:
    for name in ("upto_step", "horizon"):
        v.step("forecast", name, args[name])
    v.real("forecast", "upto_fraction", args["upto_fraction"], optional=True)
    for name in ("saturation_fraction", "level"):
        v.real("forecast", name, args[name])
    v.integer("forecast", "n_boot", args["n_boot"])
    v.integer("forecast", "seed", args["seed"], optional=True)
    for name in ("entropy", "reward"):
        v.metric_name("forecast", name, args[name])


def forecast(
    table: pd.DataFrame | RunSeries,
    *,
    upto_step: int | None = None,
    upto_fraction: float | None = None,
    horizon: int | None = None,
    saturation_fraction: float = 0.95,
    entropy: str | None = None,
    reward: str | None = None,
    kind: str = "auto",
    anchor: str = "level",
    n_boot: int = N_BOOT,
    level: float = 0.9,
    seed: int | None = SEED,
    bounded="auto",
    sigmoid: bool = True,
    combine: bool = True,
    x: str | None = None,
    groups="auto",
    reference=None,
) -> ForecastResult:
    """Forecast one run from its slice up to *upto_step* (see the module docstring).

    Parameters
    ----------
    table : DataFrame or RunSeries
        A tidy long table of one run (``entropy_law.load``), a wide table of one run (``step``
        and one column per metric, as ``pd.read_csv`` gives it; the metrics are detected as
        for a long table, so a validation column such as ``val_acc`` wins over ``reward``), or
        a :class:`RunSeries`.
    upto_step, upto_fraction : optional
        Use the steps up to this step, or up to this fraction of the logged steps
        (default: everything logged).
    horizon : int, optional
        Step at which to report ``at_horizon``; default ``HORIZON_MULTIPLE x upto_step``,
        or ``upto_step + (upto_step - first step)`` when that would not lie after
        ``upto_step`` (steps logged as negative offsets).
    saturation_fraction : float
        Fraction of the way from the start level to the ceiling that counts as saturated.
    entropy, reward, kind
        Metric keys (detected when omitted; ``kind`` as in :func:`entropy_law.table.metrics.detect`).
    anchor : {"level", "fit"}
        Predict the change from the current level (default) or the fitted level.
    n_boot, level, seed
        Joint bootstrap size, interval level and seed (defaults
        :data:`entropy_law._defaults.N_BOOT` and ``SEED``, the same as the CLI's).
    bounded : "auto", (low, high) or None
        Range of the metric; forecasts are clipped to it.
    sigmoid : bool
        Also fit the ScaleRL sigmoid (a second opinion; a few seconds).
    combine : bool
        Report the combination of the law's and the sigmoid's forecasts (default) rather
        than the law's alone; see the module docstring.
    x : str, optional
        A logged compute column (``num_tokens``, ``_runtime``, ``perf/total_num_tokens``...):
        the saturation point, the last used step and the horizon are also reported in its
        units (``result.compute``; :mod:`entropy_law.forecasting.compute_axis`).
    groups : "auto", None, list of keys or mapping name -> key
        Entropy split by group (data source, task, token class): ``"auto"`` finds the keys
        (:mod:`entropy_law.table.entropy_groups`), ``None`` skips it. The result's
        ``entropy_groups`` says which groups still explore and flags a global collapse
        that hides a group's exploration (:mod:`entropy_law.forecasting.groups`).
    reference : DataFrame, sequence of DataFrames or ReferenceSet, optional
        Finished runs of the same model and data: their fits form an empirical-Bayes prior
        on the law's slope, the entropy floor and decay, and the sigmoid's shape
        (:mod:`entropy_law.forecasting.reference`, :mod:`entropy_law.forecasting.informed`);
        ``result.reference`` reports the prior, the weights and the down-weighted runs.
    """
    _check_forecast_args(locals())
    series = (
        table
        if isinstance(table, RunSeries)
        else prepare_run(table, entropy=entropy, reward=reward, kind=kind, x=x, groups=groups)
    )
    if anchor not in ("level", "fit"):
        raise EntropyLawError(f"anchor={anchor!r} must be 'level' or 'fit'.")
    if not 0 < saturation_fraction < 1:
        raise EntropyLawError(f"saturation_fraction={saturation_fraction} must lie in (0, 1).")
    if upto_step is not None and upto_fraction is not None:
        raise EntropyLawError("give upto_step or upto_fraction, not both.")
    first, last = series.first_step, series.last_step
    if upto_fraction is not None:
        if not 0 < upto_fraction <= 1:
            raise EntropyLawError(f"upto_fraction={upto_fraction} must lie in (0, 1].")
        upto_step = int(round(first + upto_fraction * (last - first)))
    upto = last if upto_step is None else int(upto_step)
    if horizon is None:
        # 2 x the last used step, or (steps logged as offsets: all negative, or ending
        # at 0) the last used step plus the span used, so the default is never before it
        horizon = int(round(HORIZON_MULTIPLE * upto))
        if horizon <= upto:
            horizon = upto + max(upto - first, 1)
    else:
        horizon = int(horizon)
    if horizon < upto:
        raise EntropyLawError(
            f"horizon={horizon} is before the last used step {upto}; choose a later horizon."
        )
    settings = ForecastSettings(
        upto_step=upto,
        horizon=horizon,
        anchor=anchor,
        saturation_fraction=saturation_fraction,
        n_boot=n_boot,
        level=level,
        seed=seed,
        entropy=series.entropy,
        reward=series.reward,
        combine=combine and sigmoid,
    )
    from .core import run_forecast

    res = run_forecast(series.upto(upto), settings, bounded=bounded, use_sigmoid=sigmoid)
    from .groups import entropy_by_group

    s_up = series.upto(upto)
    eg = entropy_by_group(s_up.groups, s_up.e_step, s_up.e_val, n_boot=n_boot, level=level, seed=seed)
    res = replace(res, detection=series.detection, entropy_groups=eg, held_out=series.after(upto))
    if reference is not None:
        from .informed import use_reference

        res = use_reference(res, s_up, reference, kind=kind, prepare=prepare_run)
    axis = series.x_axis
    if axis is None:
        return res
    sat = res.saturation_step
    compute = {
        "key": axis.key,
        "saturation": axis.estimate(sat),
        "upto": axis(float(upto)),
        "horizon": axis(float(horizon)),
    }
    notes = axis.notes(sat.value, *sat.ci, float(horizon))
    return replace(res, compute=compute, warnings=tuple(res.warnings) + tuple(notes))


def forecast_each(table: pd.DataFrame, **kwargs) -> dict[str, ForecastResult]:
    """Forecast every run of a long *table* with :func:`forecast`; ``{run: result}``.

    A run that cannot be forecast raises, naming the run; summarise the results with
    :func:`entropy_law.forecasting.headline.summary_frame`.
    """
    if not isinstance(table, pd.DataFrame) or "run" not in table.columns:
        raise EntropyLawError("forecast_each needs a DataFrame with a 'run' column (entropy_law.load).")
    out: dict[str, ForecastResult] = {}
    for run, sub in table.groupby("run", sort=True):
        try:
            out[str(run)] = forecast(sub.reset_index(drop=True), **kwargs)
        except EntropyLawError as exc:
            raise EntropyLawError(f"run {run!r}: {exc}") from exc
    return out
