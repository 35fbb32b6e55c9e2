"""What a forecast claims: which of its parts come from a model it stands behind, and, for the
rest, the reason in words. The plot greys those parts (:mod:`entropy_law.plotting`), the
headline, summary table, ``watch`` and exports say "not claimed"
(:attr:`~entropy_law.forecasting.result.ForecastResult.ceiling_claimed`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Claims", "claims"]

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
