r"""Automatic block length for the moving-block bootstrap (Politis & White 2004)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["auto_block_length"]


def auto_block_length(x) -> int:
    r"""Automatic block length for the moving-block bootstrap (Politis & White 2004).

    Uses the flat-top lag-window estimator of Politis & White (2004) with the
    correction of Patton, Politis & White (2009):

    .. math::

        \hat l = \left(\frac{2 \hat G^2}{\tfrac43 \hat g(0)^2}\right)^{1/3} n^{1/3},
        \quad \hat G = \sum_{|k| \le M} \lambda(k/M) |k| \hat\gamma(k),
        \quad \hat g(0) = \sum_{|k| \le M} \lambda(k/M) \hat\gamma(k)

    with :math:`\lambda` the trapezoid flat-top window and :math:`M = 2\hat m`, where
    :math:`\hat m` is the smallest lag after which :math:`K_n = \max(5, \log_{10} n)`
    autocorrelations in a row are insignificant (below :math:`2\sqrt{\log_{10} n / n}`).
    This is the MSE-optimal block length for the variance of a mean, which grows as
    :math:`n^{1/3}` (Hall, Horowitz & Jing 1995); it is data-driven, so a white-noise
    series gets ``l = 1`` (the pairs bootstrap) and a strongly autocorrelated one gets
    long blocks. The result is clipped to ``[1, max(1, n // 3)]`` so that a resample
    always mixes at least three blocks. Pass the residuals of a fit: their dependence is
    what the intervals must respect.

    Parameters
    ----------
    x : array_like
        A 1-D series (NaN are ignored).

    Returns
    -------
    int
        The block length, at least 1.
    """
    x = np.asarray(x, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = x.size
    if n < 6:
        return 1
    # the block length depends only on the shape of the autocorrelation, not on the
    # scale: work on x / max|x| so that values near the float range (rewards of 1e300)
    # cannot overflow the autocovariances to inf/NaN
    scale = float(np.max(np.abs(x)))
    if not np.isfinite(scale) or scale == 0.0:
        return 1
    x = x / scale
    eps = x - x.mean()
    kn = max(5, int(math.ceil(math.log10(n))))
    m_max = min(int(math.ceil(math.sqrt(n))) + kn, n - 1)
    acv = np.array([eps[: n - k] @ eps[k:] / n for k in range(m_max + 1)])
    if acv[0] <= 0:
        return 1
    rho = np.abs(acv[1:] / acv[0])
    crit = 2.0 * math.sqrt(math.log10(n) / n)
    m_hat = None
    for i in range(max(m_max - kn + 1, 1)):
        if np.all(rho[i : i + kn] < crit):
            m_hat = i
            break
    if m_hat is None:
        sig = np.nonzero(rho > crit)[0]
        m_hat = int(sig[-1]) + 1 if sig.size else 1
    big_m = min(2 * max(m_hat, 1), m_max)
    k = np.arange(1, big_m + 1)
    t = k / big_m
    lam = np.where(t <= 0.5, 1.0, 2.0 * (1.0 - t))
    g = 2.0 * np.sum(lam * k * acv[1 : big_m + 1])
    g0 = acv[0] + 2.0 * np.sum(lam * acv[1 : big_m + 1])
    if not (np.isfinite(g) and np.isfinite(g0)) or g0 <= 0 or g == 0:
        return 1
    length = (2.0 * g**2 / ((4.0 / 3.0) * g0**2)) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    if not np.isfinite(length):
        return 1
    return int(min(max(1, round(length)), max(1, n // 3)))
