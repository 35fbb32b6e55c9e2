"""Tables of the cross-run law (:class:`~entropy_law.fleet.scaling.ScalingResult`)."""

from __future__ import annotations

import pandas as pd

__all__ = ["coefficient_frame"]


def coefficient_frame(result) -> pd.DataFrame:
    """One row per coefficient (``alpha_a, beta_a, alpha_b, beta_b``): ``value, low, high``
    at ``result.level``, and the scatter of runs around that coefficient's line
    (``tau_a`` for the ``a`` line, ``tau_b`` for the ``b`` line). The runs used are in
    ``result.runs``."""
    rows = [
        {
            "coefficient": k,
            "value": e.value,
            "low": e.ci[0],
            "high": e.ci[1],
            "level": result.level,
            "scatter": result.scatter.get(f"tau_{k[-1]}"),
        }
        for k, e in result.coefficients.items()
    ]
    return pd.DataFrame(rows)
