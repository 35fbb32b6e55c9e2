"""The bootstrap module: resampling shapes, block sums, intervals, block length."""

from __future__ import annotations

import numpy as np
import pytest

from entropy_law.errors import FitError
from entropy_law.fitting.block_length import auto_block_length
from entropy_law.fitting.bootstrap import (
    linear_draws,
    linear_draws_from_indices,
    moving_block_indices,
    pairs_indices,
)
from entropy_law.fitting.intervals import percentile_interval, t_interval


def _ar1(rng, n, phi, sd=1.0):
    e = np.empty(n)
    e[0] = rng.normal(0, sd)
    z = rng.normal(0, sd * np.sqrt(1 - phi**2), n)
    for t in range(1, n):
        e[t] = phi * e[t - 1] + z[t]
    return e


def test_moving_block_indices_are_runs_of_consecutive_points():
    idx = moving_block_indices(23, 50, 5, np.random.default_rng(0))
    assert idx.shape == (50, 23)
    assert idx.min() >= 0 and idx.max() <= 22
    # within each block of 5 the indices step by one
    blocks = idx[:, :20].reshape(50, 4, 5)
    assert np.all(np.diff(blocks, axis=2) == 1)


def test_same_seed_same_resamples_and_pairs_shape():
    a = moving_block_indices(40, 10, 4, np.random.default_rng(3))
    b = moving_block_indices(40, 10, 4, np.random.default_rng(3))
    assert np.array_equal(a, b)
    p = pairs_indices(40, 7, np.random.default_rng(1))
    assert p.shape == (7, 40) and p.max() < 40


@pytest.mark.parametrize("length", [1, 4, 7, 31])
def test_block_sum_shortcut_equals_explicit_resamples(length):
    rng = np.random.default_rng(11)
    n = 97
    x = np.exp(np.linspace(0.6, 0.05, n))
    y = -0.7 * x + 1.6 + rng.normal(0, 0.02, n)
    fast = linear_draws(
        x, y, method="block", n_boot=64, block_length=length, rng=np.random.default_rng(5), extrapolate=False
    )
    idx = moving_block_indices(n, 64, length, np.random.default_rng(5))
    slow = linear_draws_from_indices(x, y, idx)
    # same resamples, two exact algebraic routes: agreement to rounding error
    np.testing.assert_allclose(fast.slope, slow.slope, rtol=1e-10)
    np.testing.assert_allclose(fast.intercept, slow.intercept, rtol=1e-10)
    # and each equals an ordinary least-squares fit of the resample
    for i in range(3):
        s, c = np.polyfit(x[idx[i]], y[idx[i]], 1)
        assert fast.slope[i] == pytest.approx(s, rel=1e-9)
        assert fast.intercept[i] == pytest.approx(c, rel=1e-9)


def test_residual_and_pairs_draws_centre_on_the_fit():
    rng = np.random.default_rng(2)
    x = np.linspace(1, 2, 200)
    y = 3 - 2 * x + rng.normal(0, 0.1, 200)
    s, c = np.polyfit(x, y, 1)
    for method in ("pairs", "residual"):
        d = linear_draws(x, y, method=method, n_boot=4000, rng=np.random.default_rng(0))
        # the bootstrap mean is unbiased for the fit; 4000 draws of an sd ~0.024
        # slope give a Monte-Carlo error ~4e-4, so 2e-3 is > 4 standard errors
        assert np.mean(d.slope) == pytest.approx(s, abs=2e-3)
        # iid errors: the bootstrap sd matches the OLS standard error within 10 %
        # (sd of a 4000-draw sd estimate ~1.1 %, plus O(1/n) bootstrap bias)
        se = 0.1 / np.sqrt(np.sum((x - x.mean()) ** 2))
        assert np.std(d.slope) == pytest.approx(se, rel=0.10)


def test_auto_block_length_follows_dependence():
    rng = np.random.default_rng(4)
    white = [auto_block_length(rng.normal(size=400)) for _ in range(20)]
    ar = [auto_block_length(_ar1(rng, 400, 0.8)) for _ in range(20)]
    # white noise: Politis-White picks (nearly) the iid bootstrap; strong AR(1) needs
    # long blocks (theory ~ (2 phi / (1 - phi^2))^(2/3) (1.5 n)^(1/3) ~ 23 for phi = 0.8)
    assert np.median(white) <= 3
    assert np.median(ar) >= 10
    assert auto_block_length([1.0, 2.0]) == 1
    assert auto_block_length(np.zeros(50)) == 1


def test_percentile_interval_matches_quantiles_and_ignores_nan():
    d = np.arange(1001, dtype=float)
    assert percentile_interval(d, 0.9) == pytest.approx((50.0, 950.0))
    d2 = np.concatenate([d, [np.nan] * 10])
    assert percentile_interval(d2, 0.9) == pytest.approx((50.0, 950.0))
    lo2, hi2 = percentile_interval(np.column_stack([d, 2 * d]), 0.9)
    np.testing.assert_allclose(hi2, [950.0, 1900.0])
    assert np.isnan(percentile_interval(np.full(5, np.nan), 0.9)[0])


def test_t_interval_uses_t_quantile():
    lo, hi = t_interval(1.0, 0.5, 3, 0.95)
    assert hi - 1.0 == pytest.approx(0.5 * 3.182446305, rel=1e-8)
    assert lo == pytest.approx(2.0 - hi)


@pytest.mark.parametrize(
    "kwargs",
    [dict(level=1.5), dict(level=0), dict(n_boot=0), dict(block_length=500), dict(method="jackknife")],
)
def test_bad_arguments_raise_fit_error(kwargs):
    x = np.linspace(0, 1, 20)
    args = dict(method="block", n_boot=10, block_length=2, rng=np.random.default_rng(0))
    level = kwargs.pop("level", None)
    args.update(kwargs)
    with pytest.raises(FitError):
        if level is not None:
            percentile_interval(x, level)
        else:
            linear_draws(x, x, **args)
