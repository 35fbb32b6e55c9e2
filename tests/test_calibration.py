"""Coverage of the bootstrap intervals on autocorrelated synthetic runs (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from entropy_law.fitting.engine import fit_arrays

N_SERIES, N_POINTS, PHI, SD = 200, 200, 0.6, 0.02
A, B = 0.5, 1.3


def _series(rng):
    t = np.arange(N_POINTS)
    H = 0.05 + 0.45 * np.exp(-t / (N_POINTS / 3))
    e = np.empty(N_POINTS)
    e[0] = rng.normal(0, SD)
    z = rng.normal(0, SD * np.sqrt(1 - PHI**2), N_POINTS)
    for i in range(1, N_POINTS):
        e[i] = PHI * e[i - 1] + z[i]
    return t, H, -A * np.exp(H) + B + e


@pytest.mark.slow
def test_block_intervals_cover_and_pairs_undercover_with_ar1_noise():
    rng = np.random.default_rng(2024)
    hits = {"block": 0, "pairs": 0}
    for s in range(N_SERIES):
        t, H, R = _series(rng)
        for method in hits:
            res = fit_arrays(H, R, t, resample=method, level=0.9, seed=s, n_boot=2000, bounded=None)
            lo, hi = res.ceiling.ci
            hits[method] += lo <= B - A <= hi
    cover = {k: v / N_SERIES for k, v in hits.items()}
    # 200 series: the binomial sd of a coverage near 0.9 is 0.021, so the acceptance
    # band 0.84-0.95 is about +-2.5 sd around the nominal 0.90
    assert 0.84 <= cover["block"] <= 0.95, cover
    # AR(1) noise with phi = 0.6 inflates the variance of the fit by ~(1+phi)/(1-phi)
    # for slowly varying regressors; iid pairs ignore it and must fall well short
    assert cover["pairs"] < 0.80, cover
    assert cover["block"] - cover["pairs"] > 0.1, cover
