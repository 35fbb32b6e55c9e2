"""Benchmark: B = 10,000 moving-block resamples of an n = 1,000 run, block lengths 1, 5, 15.

Ours (closed-form least squares from count-matrix block sums, vectorised) against a loop
of lmfit fits of R = -a*exp(H) + b on the same resamples, in the same run. For each block
length a series is made whose AR(1) noise makes the *automatic* block length (Politis-White,
what ``entropy-law fit`` uses) come out at exactly that length, so the CLI is timed on it too.
The lmfit loop is timed on the first ``--lmfit-subset`` resamples and extrapolated linearly
to B (said in the output).

Timed, medians of ``--repeat`` runs:

* in-process: ``linear_draws`` with the fit default (block-length extrapolation: 2 x B
  draws) and ``fit_arrays`` (the whole fit the CLI makes);
* through the CLI: ``entropy-law fit run.csv --n-boot 10000 --seed 0 --json`` invoked on the
  CLI's own code path in this process (Typer's ``CliRunner``: reading the CSV, metric
  detection, the fit, the JSON document; imports already done), and once as a whole
  subprocess (interpreter start-up and imports included; noisy on a loaded machine).

Run:  python benchmarks/bench_bootstrap.py [--n 1000] [--n-boot 10000] [--lmfit-subset 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lmfit
import numpy as np
import pandas as pd

from entropy_law.fitting.block_length import auto_block_length
from entropy_law.fitting.bootstrap import linear_draws, moving_block_indices
from entropy_law.fitting.engine import fit_arrays


def series(n: int, target: int, seed: int = 0):
    """(H, R) of length n whose automatic block length is *target* (AR(1) noise, phi searched)."""
    t = np.arange(n)
    H = 0.05 + 0.5 * np.exp(-t / (n / 3))
    x = np.exp(H)
    for phi in np.r_[0.0, np.linspace(0.05, 0.97, 300)]:
        rng = np.random.default_rng(seed)
        e = np.zeros(n)
        z = rng.normal(0, 0.016, n)
        for i in range(1, n):
            e[i] = phi * e[i - 1] + z[i]
        R = -0.5 * x + 1.3 + e
        slope, icpt = np.polyfit(x, R, 1)
        if auto_block_length(R - (icpt + slope * x)) == target:
            return H, R, float(phi)
    raise SystemExit(f"no AR(1) coefficient gives an automatic block length of {target}")


def _median_time(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def _cli_inprocess(csv: Path, n_boot: int) -> tuple[float, dict]:
    from typer.testing import CliRunner

    from entropy_law.cli import app

    t0 = time.perf_counter()
    res = CliRunner().invoke(app, ["fit", str(csv), "--n-boot", str(n_boot), "--seed", "0", "--json"])
    wall = time.perf_counter() - t0
    if res.exit_code != 0:
        raise SystemExit(f"entropy-law fit failed: {res.output[-2000:]}")
    return wall, json.loads(res.stdout)["runs"][0]


def _cli(csv: Path, n_boot: int) -> tuple[float, dict]:
    cmd = [sys.executable, "-c", "from entropy_law.cli import main; main()", "fit", str(csv)]
    cmd += ["--n-boot", str(n_boot), "--seed", "0", "--json"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"entropy-law fit failed: {proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout)["runs"][0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--n-boot", type=int, default=10_000)
    ap.add_argument("--lmfit-subset", type=int, default=100)
    ap.add_argument("--lengths", default="1,5,15")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n, B = args.n, args.n_boot
    tmp = Path(tempfile.mkdtemp())
    rows = []
    load_start = os.getloadavg()
    for length in (int(v) for v in args.lengths.split(",")):
        H, R, phi = series(n, length)
        x = np.exp(H)
        slope, icpt = np.polyfit(x, R, 1)

        def draws(x=x, R=R, length=length):
            return linear_draws(x, R, n_boot=B, block_length=length, rng=np.random.default_rng(1))

        draws()  # warm-up
        t_draws = _median_time(draws, args.repeat)
        t_fit = _median_time(lambda H=H, R=R: fit_arrays(H, R, n_boot=B, seed=0), args.repeat)
        d = linear_draws(x, R, n_boot=B, block_length=length, rng=np.random.default_rng(1), extrapolate=False)
        idx = moving_block_indices(n, B, length, np.random.default_rng(1))  # the same resamples
        model = lmfit.Model(lambda h, a, b: -a * np.exp(h) + b, independent_vars=["h"])
        m = args.lmfit_subset
        a_lm = np.empty(m)
        t0 = time.perf_counter()
        for i in range(m):
            r = model.fit(R[idx[i]], model.make_params(a=-slope, b=icpt), h=H[idx[i]])
            a_lm[i] = r.params["a"].value
        t_lm = (time.perf_counter() - t0) / m * B
        err = float(np.max(np.abs(a_lm + d.slope[:m]) / np.abs(a_lm)))

        csv = tmp / f"run-l{length}.csv"
        pd.DataFrame({"step": np.arange(n), "entropy": H, "val_acc": R}).to_csv(csv, index=False)
        _cli_inprocess(csv, B)  # warm-up: the command's module and its imports
        inproc = [_cli_inprocess(csv, B) for _ in range(args.repeat)]
        used = inproc[0][1]["block_length"]
        t_cli_in = statistics.median(w for w, _ in inproc)
        t_cli = statistics.median(_cli(csv, B)[0] for _ in range(args.repeat))
        rows.append((length, phi, used, t_draws, t_fit, t_cli_in, t_cli, t_lm, err))
    load_end = os.getloadavg()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy "
        f"{np.__version__}, lmfit {lmfit.__version__}; n = {n}, B = {B}; medians of {args.repeat}; "
        f"load average (1/5/15 min) {load_start[0]:.1f}/{load_start[1]:.1f}/{load_start[2]:.1f} "
        f"at the start, {load_end[0]:.1f}/{load_end[1]:.1f}/{load_end[2]:.1f} at the end"
    )
    print()
    print(
        "| block length (AR(1) phi; CLI's automatic length) | lmfit loop (s, extrapolated) "
        "| `linear_draws` in-process (s, x lmfit) | `fit_arrays` in-process (s, x lmfit) "
        "| `entropy-law fit` on the CLI code path (s, x lmfit) | `entropy-law fit` whole process (s, x lmfit) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for length, phi, used, t_draws, t_fit, t_cli_in, t_cli, t_lm, _ in rows:
        print(
            f"| {length} (phi {phi:.2f}; CLI: {used}) | {t_lm:.1f} "
            f"| {t_draws:.3f} ({t_lm / t_draws:,.0f}x) | {t_fit:.3f} ({t_lm / t_fit:,.0f}x) "
            f"| {t_cli_in:.3f} ({t_lm / t_cli_in:,.0f}x) | {t_cli:.2f} ({t_lm / t_cli:,.0f}x) |"
        )
    print()
    print(
        f"lmfit loop timed on {args.lmfit_subset} resamples per length and extrapolated x"
        f"{B / args.lmfit_subset:.0f}; max relative difference of a, ours vs lmfit, on the "
        f"shared resamples: {max(r[-1] for r in rows):.1e}"
    )


if __name__ == "__main__":
    main()
