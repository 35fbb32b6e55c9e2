"""Fit the law to one run of a table, or to each run: the table-level entry points over :func:`fit_arrays`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .. import _validate as v
from .._defaults import N_BOOT, SEED
from .._validate import fit_argument_error as _bad_argument
from ..errors import EntropyLawError, FitError
from .engine import _ER_COLUMNS, fit_arrays
from .laws import Law, get_law
from .results import FitResult

__all__ = ["fit", "fit_each"]


def fit(
    data,
    law: str | Law = "entropy",
    *,
    entropy: str | None = None,
    reward: str | None = None,
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
) -> FitResult:
    """Fit *law* to one run.

    Parameters
    ----------
    data : DataFrame or (H, R) pair
        One run as a tidy long table (``run, step, metric, value``, as :func:`entropy_law.load`
        returns; aligned with :func:`entropy_law.table.align.entropy_reward`), an
        entropy-vs-reward table (``step, entropy, reward [, run]``), a wide table (``step``
        and one column per metric, as ``pd.read_csv`` gives it), or a pair (or triple with
        the steps) of arrays.
    law : str or Law
        ``"entropy"`` (default), ``"entropy_scaled"``, ``"linear"`` or ``"sigmoid"``
        (the sigmoid is fitted against the step).
    entropy, reward : str, optional
        Metric keys (columns of a wide table); detected when omitted, preferring a
        validation metric (:mod:`entropy_law.table.metrics`). A table with ``entropy`` and
        ``reward`` columns is read as already aligned, unless it also holds a validation
        column (``val_acc``, ``val/test_score/...``): then it is a wide log, the validation
        column is fitted as :func:`entropy_law.load` would, and a
        :class:`~entropy_law.errors.DataWarning` says so (``reward="reward"`` fits the
        training reward instead).
    from_step, upto_step : int, optional
        Keep the points with ``from_step <= step <= upto_step``.
    drop_transient : False, "auto" or int
        Drop an initial format-learning transient: ``"auto"`` uses the rule of
        :mod:`entropy_law.fitting.transient`; an int drops that many leading points.
    resample : {"block", "pairs", "residual"}
        Bootstrap scheme (:mod:`entropy_law.fitting.bootstrap`); the moving-block default
        respects the autocorrelation of RL curves.
    n_boot : int
        Bootstrap resamples (default :data:`entropy_law._defaults.N_BOOT`, the same as every
        other function and command).
    block_length : int or "auto"
        Moving-block length; ``"auto"`` = Politis-White on the residuals.
    level : float
        Confidence level of every interval, strictly between 0 and 1.
    seed : int or None
        Seed of the bootstrap (default :data:`entropy_law._defaults.SEED`: the same call
        gives the same result); ``None`` draws a fresh seed, recorded in the result.
    at_entropy : float or sequence of float, optional
        Entropies at which to report the law's value with its interval.
    bounded : "auto", (low, high) or None
        Range of the metric; ``"auto"`` = [0, 1] when every value lies in it.
    weights : array_like, optional
        Observation weights (inverse variances), one per aligned point.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import entropy_law as el
    >>> res = el.fit(el.load("sample_runs/csv/grpo-baseline.csv"))  # doctest: +SKIP
    >>> res.ceiling  # doctest: +SKIP
    """
    v.metric_name("fit", "entropy", entropy, _bad_argument)
    v.metric_name("fit", "reward", reward, _bad_argument)
    for name, value in (("from_step", from_step), ("upto_step", upto_step)):
        v.step("fit", name, value, _bad_argument)
    options = dict(
        from_step=from_step,
        upto_step=upto_step,
        drop_transient=drop_transient,
        resample=resample,
        n_boot=n_boot,
        block_length=block_length,
        level=level,
        seed=seed,
        at_entropy=at_entropy,
        bounded=bounded,
        weights=weights,
    )
    if isinstance(data, tuple | list) and len(data) in (2, 3):
        return fit_arrays(*data, law=law, **options)
    table = _er_table(data, entropy=entropy, reward=reward)
    runs = table["run"].unique().tolist() if "run" in table else [""]
    if len(runs) > 1:
        raise FitError(
            f"the table holds {len(runs)} runs {runs[:10]}; fit() fits one run. "
            "Use fit_each(table) for all of them, or select one, e.g. "
            f"table[table['run'] == {runs[0]!r}].",
            status="bad_argument",
        )
    run = str(runs[0]) if runs else ""
    ent, rew = table.attrs.get("metrics", {}).get(run, (entropy, reward))
    x = table["step"] if get_law(law).variable == "C" else table["entropy"]
    return fit_arrays(
        x.to_numpy(dtype=float),
        table["reward"].to_numpy(dtype=float),
        table["step"].to_numpy(),
        law=law,
        run=run,
        entropy_name=ent,
        reward_name=rew,
        **options,
    )


def fit_each(
    table: pd.DataFrame,
    law: str | Law = "entropy",
    *,
    entropy: str | None = None,
    reward: str | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Fit every run of *table*; one row per run (see :meth:`FitResult.to_frame`).

    *kwargs* are the keyword options of :func:`fit` (``n_boot``, ``seed``, ``level``,
    ``resample``...), with the same defaults.

    A run that cannot be fitted (missing metric, too few points...) gets its status and
    message in its row; it never stops the others.
    """
    if not isinstance(table, pd.DataFrame) or "run" not in table.columns:
        raise FitError(
            "fit_each needs a DataFrame with a 'run' column (a long table or an entropy-vs-reward table).",
            status="bad_argument",
        )
    rows = []
    for run, sub in table.groupby("run", sort=True):
        try:
            res = fit(sub.reset_index(drop=True), law, entropy=entropy, reward=reward, **kwargs)
            rows.append(res.to_frame())
        except FitError as exc:
            if exc.status == "bad_argument":
                raise
            rows.append(
                pd.DataFrame([{"run": str(run), "law": str(law), "status": exc.status, "message": str(exc)}])
            )
        except EntropyLawError as exc:  # MetricError: this run lacks a metric
            rows.append(
                pd.DataFrame([{"run": str(run), "law": str(law), "status": "no_data", "message": str(exc)}])
            )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _er_table(data, *, entropy, reward) -> pd.DataFrame:
    from ..table.align import entropy_reward
    from ..table.tidy import tidy
    from ..table.wide import is_ambiguous, warn_ambiguous, wide_to_long

    if not isinstance(data, pd.DataFrame):
        raise FitError(
            f"data must be a DataFrame (entropy-vs-reward or long table) or a "
            f"pair of arrays (H, R); got {type(data).__name__}. For arrays use "
            "fit_arrays(H, R, steps).",
            status="bad_argument",
        )
    cols = set(map(str, data.columns))
    if {"run", "step", "metric", "value"} <= cols:
        return entropy_reward(tidy(data, warn=False), entropy=entropy, reward=reward)
    if val := is_ambiguous(data, entropy, reward):
        warn_ambiguous(data, val, "fit", stacklevel=3)
    elif set(_ER_COLUMNS) <= cols and entropy in (None, "entropy") and reward in (None, "reward"):
        return data  # already aligned (entropy_law.entropy_reward)
    if "step" in cols:  # a wide table: one column per metric
        long = tidy(wide_to_long(data), warn=False)
        return entropy_reward(long, entropy=entropy, reward=reward)
    raise FitError(
        f"data has columns {sorted(cols)}; expected an entropy-vs-reward table "
        "(step, entropy, reward [, run]), a wide table (step and one column per metric) "
        "or a tidy long table (run, step, metric, value). Load logs with entropy_law.load().",
        status="bad_argument",
    )
