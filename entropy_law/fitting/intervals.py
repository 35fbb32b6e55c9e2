"""Bootstrap and parametric confidence intervals."""

from __future__ import annotations

import numpy as np

from ..errors import FitError

__all__ = ["percentile_interval", "t_interval", "check_level"]


def percentile_interval(draws, level: float = 0.95) -> tuple:
    """Percentile bootstrap interval: the ``(1-level)/2`` and ``(1+level)/2`` quantiles.

    Parameters
    ----------
    draws : array_like, shape (B,) or (B, m)
        Bootstrap draws along axis 0. NaN draws (failed resamples) are ignored.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    (low, high)
        Floats for 1-D *draws*, arrays of length ``m`` for 2-D.
    """
    check_level(level)
    draws = np.asarray(draws, dtype=float)
    alpha = (1.0 - level) / 2.0
    if draws.size == 0 or np.all(np.isnan(draws)):
        shape = draws.shape[1:]
        nan = np.full(shape, np.nan) if shape else np.nan
        return nan, nan
    q = [alpha, 1.0 - alpha]
    if draws.ndim == 1:
        finite = draws[~np.isnan(draws)]
        low, high = np.quantile(finite, q)
    elif not np.isnan(draws).any():  # np.quantile is vectorised; nanquantile loops
        low, high = np.quantile(draws, q, axis=0)
    else:
        low, high = _nanquantile_columns(draws, q)
    if draws.ndim == 1:
        return float(low), float(high)
    return low, high


def _nanquantile_columns(draws: np.ndarray, q: list[float]) -> np.ndarray:
    """``np.nanquantile(draws, q, axis=0)`` (linear interpolation), vectorised over columns.

    NumPy's nanquantile loops over columns in Python when any value is NaN; sorting
    once (NaN sorts last) and interpolating between order statistics does all columns
    in one pass and gives the same numbers.
    """
    srt = np.sort(draws, axis=0)
    m = np.sum(~np.isnan(draws), axis=0)  # finite values per column
    out = np.full((len(q), draws.shape[1]), np.nan)
    cols = np.nonzero(m > 0)[0]
    for i, p in enumerate(q):
        pos = (m[cols] - 1) * p
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, m[cols] - 1)
        frac = pos - lo
        a, b = srt[lo, cols], srt[hi, cols]
        out[i, cols] = a + (b - a) * frac
    return out


def t_interval(value: float, se: float, dof: int, level: float = 0.95) -> tuple[float, float]:
    """Parametric interval ``value ± t_{dof, (1+level)/2} · se`` (covariance based)."""
    check_level(level)
    if dof < 1 or not np.isfinite(se):
        return float("nan"), float("nan")
    from scipy.special import stdtrit  # the t quantile, without scipy.stats' import cost

    q = float(stdtrit(dof, 0.5 + level / 2.0))
    return float(value - q * se), float(value + q * se)


def check_level(level: float) -> None:
    if not (isinstance(level, int | float) and 0.0 < float(level) < 1.0):
        raise FitError(
            f"level must be a probability strictly between 0 and 1 (e.g. 0.95); got {level!r}.",
            status="bad_argument",
        )
