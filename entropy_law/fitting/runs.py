"""Fit the law to one run of a table, or to each run: the table-level entry points over :func:`fit_arrays`."""

from __future__ import annotations

import pandas as pd

from .. import _validate as v
from .._validate import fit_argument_error as _bad_argument
from ..errors import EntropyLawError, FitError
from .engine import _ER_COLUMNS, fit_arrays
from .laws import Law, get_law
from .results import FitResult

__all__ = ["fit", "fit_each"]


def fit(
    data, law: str | Law = "entropy", *, entropy: str | None = None, reward: str | None = None, **kwargs
) -> FitResult:
    """Fit *law* to one run.

    Parameters
    ----------
    data : DataFrame or (H, R) pair
        The entropy-vs-reward table (``run, step, entropy, reward``) of one run, a tidy
        long table (``run, step, metric, value``; aligned with
        :func:`entropy_law.table.align.entropy_reward`) holding one run, or a pair of arrays.
    law : str or Law
        ``"entropy"`` (default), ``"entropy_scaled"``, ``"linear"`` or ``"sigmoid"``
        (the sigmoid is fitted against the step).
    entropy, reward : str, optional
        Metric keys in a long table; detected when omitted.
    **kwargs
        The options of :func:`fit_arrays` (``from_step, upto_step, drop_transient,
        resample, n_boot, block_length, level, seed, at_entropy, bounded, weights``).

    Returns
    -------
    FitResult
    """
    v.metric_name("fit", "entropy", entropy, _bad_argument)
    v.metric_name("fit", "reward", reward, _bad_argument)
    for name in ("from_step", "upto_step"):
        v.step("fit", name, kwargs.get(name), _bad_argument)
    if isinstance(data, tuple | list) and len(data) in (2, 3):
        return fit_arrays(*data, law=law, **kwargs)
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
    get_law(law)
    x = table["step"] if get_law(law).variable == "C" else table["entropy"]
    return fit_arrays(
        x.to_numpy(dtype=float),
        table["reward"].to_numpy(dtype=float),
        table["step"].to_numpy(),
        law=law,
        run=run,
        entropy_name=ent,
        reward_name=rew,
        **kwargs,
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

    if not isinstance(data, pd.DataFrame):
        raise FitError(
            f"data must be a DataFrame (entropy-vs-reward or long table) or a "
            f"pair of arrays (H, R); got {type(data).__name__}. For arrays use "
            "fit_arrays(H, R, steps).",
            status="bad_argument",
        )
    cols = set(map(str, data.columns))
    if set(_ER_COLUMNS) <= cols:
        return data
    if {"run", "step", "metric", "value"} <= cols:
        return entropy_reward(tidy(data, warn=False), entropy=entropy, reward=reward)
    raise FitError(
        f"data has columns {sorted(cols)}; expected an entropy-vs-reward table "
        "(step, entropy, reward [, run]) or a tidy long table (run, step, "
        "metric, value). Load logs with entropy_law.load().",
        status="bad_argument",
    )
