"""The forecast's grid of future steps, shared by the forecast paths and the entropy budget."""

from __future__ import annotations

import numpy as np

__all__ = ["GRID_MULTIPLE", "future_grid"]

GRID_MULTIPLE = 20.0  # saturation is searched up to 20 x the slice (or the horizon, if later)


def future_grid(upto: int, horizon: int) -> np.ndarray:
    """Future steps: dense to the horizon, geometric beyond it (bounded size), up to the later
    of the horizon and ``GRID_MULTIPLE`` x *upto*."""
    end = max(horizon, int(GRID_MULTIPLE * max(upto, 1)))
    near = np.linspace(upto + 1, horizon, min(400, max(horizon - upto, 1)))
    far = np.geomspace(max(horizon, 1), max(end, 2), 200)
    return np.unique(np.r_[np.round(near), np.round(far), horizon]).astype(np.int64)
