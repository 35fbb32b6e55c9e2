"""Which logged columns are compute axes (tokens, samples, GPU-hours, wall-clock), by name.

``inspect`` lists them as candidates for ``--x KEY``; the forecast on such an axis is made
by :mod:`entropy_law.forecasting.compute_axis`. Kept here, with metric detection, so that
``inspect`` does not import the forecasting stack.
"""

from __future__ import annotations

__all__ = ["COMPUTE_KEYS", "compute_keys"]

COMPUTE_KEYS = (
    "perf/total_num_tokens",
    "num_tokens",
    "train/num_tokens",
    "_runtime",
    "train/train_runtime",
    "progress/done_frac",
    "env/all/total_ac_tokens",
    "samples",
    "train/samples",
    "gpu_hours",
    "wall_time",
)


def compute_keys(names) -> list[str]:
    """The usual compute columns among *names*, in :data:`COMPUTE_KEYS` order."""
    names = set(names)
    return [k for k in COMPUTE_KEYS if k in names]
