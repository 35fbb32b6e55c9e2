"""What a forecast plot may claim: which parts come from a model the forecast stands
behind, and, for the rest (drawn greyed), the reason printed on the plot."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Claims", "claims", "held_out_of"]

_STATUS_WORDS = {
    "entropy_controlled": "entropy is held up (bonus, clip-higher or a controller), so the entropy law "
    "implies no ceiling",
    "law_not_holding": "the entropy law does not hold on this slice",
    "too_early": "too early to tell: the law's interval is too wide to act on",
    "insufficient_data": "too few points to fit a model",
}
_METHOD_WORDS = {
    "sigmoid": "showing the ScaleRL sigmoid",
    "last_value": "showing the current level (no ceiling)",
}


@dataclass(frozen=True)
class Claims:
    """Per part of the plot, ``None`` when claimed, else the reason it is not.

    ``note`` is the sentence printed on the plot ('' when everything is claimed).
    """

    ceiling: str | None
    path: str | None
    trajectory: str | None
    note: str


def claims(result) -> Claims:
    """The claims of a :class:`~entropy_law.forecasting.result.ForecastResult`."""
    status, method = result.status, result.method
    why = _STATUS_WORDS.get(status)
    tr = result.trajectory
    traj = None
    if status in ("entropy_controlled", "insufficient_data"):
        traj = why
    elif tr is not None and getattr(tr, "regime", "decaying") != "decaying":
        traj = f"entropy not decaying ({tr.regime})"
    elif status == "law_not_holding":
        traj = "not used: " + _STATUS_WORDS["law_not_holding"]
    ceiling: str | None
    path: str | None
    if method == "last_value":
        ceiling, path = "no ceiling: the level already reached is shown", "no model"
    elif status == "too_early":
        ceiling = path = why
    else:
        ceiling = path = None
    note = ""
    if why is not None:
        note = f"greyed: not claimed. {why[0].upper()}{why[1:]}"
        if method in _METHOD_WORDS:
            note += f"; {_METHOD_WORDS[method]}"
        note += "."
    elif traj is not None:
        note = f"greyed: not claimed. {traj[0].upper()}{traj[1:]}."
    return Claims(ceiling=ceiling, path=path, trajectory=traj, note=note)


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
