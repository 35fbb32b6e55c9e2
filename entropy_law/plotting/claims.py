"""What a forecast plot draws beyond the forecast itself: the data held out after the cut.
The claims (which parts are drawn greyed, and why) are :mod:`entropy_law.forecasting.claims`,
re-exported here."""

from __future__ import annotations

import math

import numpy as np

from ..forecasting.claims import Claims, claims

__all__ = ["Claims", "claims", "held_out_of"]


def held_out_of(result, full=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(e_step, e_val, p_step, p_val)`` logged after the forecast's cut.

    From *full* (the whole run: a tidy long table, or a
    :class:`~entropy_law.forecasting.forecaster.RunSeries`) when given, else from
    ``result.held_out`` (what :func:`entropy_law.forecast` keeps of the run after the cut).
    """
    upto = result.settings.upto_step
    if full is not None:
        if hasattr(full, "p_step"):  # a RunSeries
            e = (np.asarray(full.e_step), np.asarray(full.e_val))
            p = (np.asarray(full.p_step), np.asarray(full.p_val))
        else:  # a tidy long table: the forecast's own metrics, its run when several
            st = result.settings
            if "run" in full.columns and full["run"].nunique() > 1:
                full = full[full["run"].astype(str) == result.run]
            e, p = (_series(full, key) for key in (st.entropy, st.reward))
        ke, kp = e[0] > upto, p[0] > upto
        return e[0][ke], e[1][ke], p[0][kp], p[1][kp]
    held = getattr(result, "held_out", None) or ()
    if len(held) == 4:
        return tuple(np.asarray(a) for a in held)  # type: ignore[return-value]
    empty = np.array([], dtype=float)
    return empty, empty, empty, empty


def _series(table, key) -> tuple[np.ndarray, np.ndarray]:
    sub = table[table["metric"] == key].sort_values("step")
    return sub["step"].to_numpy(), sub["value"].to_numpy(float)


def finite(*values) -> bool:
    """True when every value is a finite number."""
    return all(isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v) for v in values)
