"""Timing of the GRPO simulator: one default run, and 1,000 default runs in one table.

Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_simulate.py [n_runs]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from entropy_law.simulate import simulate, simulate_many

n_runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
simulate(seed=0)  # warm-up (imports, BLAS init)
single = []
for s in range(20):
    t = time.perf_counter()
    simulate(seed=s)
    single.append(time.perf_counter() - t)
t = time.perf_counter()
table = simulate_many(None, seeds=n_runs)
many = time.perf_counter() - t
print(f"load average at end: {os.getloadavg()}")
print(
    f"one default run (300 steps), 20 repeats: median {np.median(single):.3f} s, min {np.min(single):.3f} s"
)
print(
    f"{n_runs} default runs via simulate_many: {many:.1f} s total, "
    f"{many / n_runs * 1e3:.0f} ms per run, table {len(table):,} rows, "
    f"{table.memory_usage(deep=True).sum() / 1e6:.0f} MB"
)
