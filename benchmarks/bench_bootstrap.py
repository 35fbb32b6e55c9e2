"""Benchmark: B = 10,000 moving-block resamples of an n = 1,000 run.

Ours (closed-form least squares from block sums, vectorised) against a loop of lmfit
fits of R = -a*exp(H) + b on the same resamples. The lmfit loop is timed on the first
``--lmfit-subset`` resamples and extrapolated linearly to B (said in the output).

Run:  python benchmarks/bench_bootstrap.py [--n 1000] [--n-boot 10000] [--lmfit-subset 300]
"""

from __future__ import annotations

import argparse
import platform
import time

import lmfit
import numpy as np

from entropy_law.fitting.block_length import auto_block_length
from entropy_law.fitting.bootstrap import linear_draws, moving_block_indices


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--n-boot", type=int, default=10_000)
    ap.add_argument("--lmfit-subset", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n, B = args.n, args.n_boot
    t = np.arange(n)
    H = 0.05 + 0.5 * np.exp(-t / (n / 3))
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = 0.6 * e[i - 1] + rng.normal(0, 0.016)
    R = -0.5 * np.exp(H) + 1.3 + e
    x = np.exp(H)
    slope, icpt = np.polyfit(x, R, 1)
    length = auto_block_length(R - (icpt + slope * x))

    def ours(extrapolate):
        t0 = time.perf_counter()
        d = linear_draws(
            x,
            R,
            method="block",
            n_boot=B,
            block_length=length,
            rng=np.random.default_rng(1),
            extrapolate=extrapolate,
        )
        return time.perf_counter() - t0, d

    ours(False)  # warm-up
    t_plain = min(ours(False)[0] for _ in range(3))
    t_extra = min(ours(True)[0] for _ in range(3))
    _, d = ours(False)

    idx = moving_block_indices(n, B, length, np.random.default_rng(1))  # same resamples
    model = lmfit.Model(lambda h, a, b: -a * np.exp(h) + b, independent_vars=["h"])
    m = args.lmfit_subset
    t0 = time.perf_counter()
    a_lm = np.empty(m)
    for i in range(m):
        r = model.fit(R[idx[i]], model.make_params(a=-slope, b=icpt), h=H[idx[i]])
        a_lm[i] = r.params["a"].value
    t_lm = (time.perf_counter() - t0) / m * B
    err = np.max(np.abs(a_lm + d.slope[:m]) / np.abs(a_lm))

    print(
        f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}, "
        f"lmfit {lmfit.__version__}; n = {n}, B = {B}, block length {length}"
    )
    print("| method | time for B resamples (s) | speed-up vs lmfit loop |")
    print("| --- | --- | --- |")
    print(f"| entropy-law `linear_draws` (block sums) | {t_plain:.3f} | {t_lm / t_plain:,.0f}x |")
    print(
        f"| entropy-law, with block-length extrapolation (2 x B draws, the fit default) "
        f"| {t_extra:.3f} | {t_lm / t_extra:,.0f}x |"
    )
    print(f"| lmfit `Model.fit` loop (timed on {m}, extrapolated x{B / m:.1f}) | {t_lm:.1f} | 1x |")
    print(f"max relative difference of a, ours vs lmfit, on the {m} shared resamples: {err:.1e}")


if __name__ == "__main__":
    main()
