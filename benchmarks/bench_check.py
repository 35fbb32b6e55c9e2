"""Benchmark ``entropy-law check`` over a fleet of simulator runs written as CSV files.

    python benchmarks/bench_check.py                  # 1,000 runs, all cores, print only
    python benchmarks/bench_check.py --write          # ... and record in docs/benchmarks.md

Target: at most 30 s wall time for 1,000 runs on 2 cores, loading included. The runs are
made once by the simulator (default 300 steps; a mix of learning rates, hard-prompt
fractions and 10% entropy-bonus runs) into a cache folder, not timed. The timed command
is the CLI itself, started as a subprocess, so interpreter start-up, discovery, loading,
worker start-up, forecasting and the JSON report all count.

It also times, on a sample of runs and in this process, where a check's time goes (the
entropy law's alternative-law comparison, the entropy-trajectory fit, the rest), and the
peer approach: one ``entropy-law forecast`` per run with that command's defaults
(combined law + sigmoid, the default resample count), extrapolated to the fleet.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

MIN_CEILING = 0.5


def _config(i: int) -> dict:
    rng = np.random.default_rng([i, 2025])
    cfg = {"lr": float(rng.choice([0.1, 0.2, 0.3])), "hard_fraction": float(rng.choice([0.2, 0.3, 0.5, 0.7]))}
    if i % 10 == 9:
        cfg["entropy_coef"] = 0.05
    return cfg


def _write_one(args: tuple[int, str, int]) -> None:
    import entropy_law as el

    i, folder, n_steps = args
    target = Path(folder) / f"run-{i:04d}.csv"
    if target.exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = el.simulate(seed=i, run=f"run-{i:04d}", n_steps=n_steps, **_config(i))
    wide = el.to_wide(t).droplevel("run").reset_index()
    tmp = target.with_suffix(".tmp")
    wide.to_csv(tmp, index=False, float_format="%.7g")
    tmp.rename(target)


def make_fleet(folder: Path, n: int, n_steps: int, jobs: int) -> float:
    """Write *n* simulator runs as CSV (skipping existing files); seconds taken."""
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_write_one, [(i, str(folder), n_steps) for i in range(n)], chunksize=8))
    return time.perf_counter() - t0


def _run_sampling_memory(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    """Run *cmd*; return it and the peak total RSS (MB) of its process tree, sampled every 0.1 s."""
    import psutil  # a dependency of dask's distributed (the dask/test extras)

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        root, peak = psutil.Process(proc.pid), 0.0
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())
    return done, peak


def time_cli(folder: Path, jobs: int, extra: list[str]) -> tuple[float, dict, float]:
    out = Path(tempfile.mkdtemp()) / "check.json"
    cmd = [
        sys.executable,
        "-c",
        "from entropy_law.cli import main; main()",
        "check",
        str(folder),
        "--min-ceiling",
        str(MIN_CEILING),
        "--jobs",
        str(jobs),
        "--format",
        "json",
        "--output",
        str(out),
        "--no-progress",
        *extra,
    ]
    t0 = time.perf_counter()
    proc, peak = _run_sampling_memory(cmd)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, json.loads(out.read_text()), peak


def breakdown(folder: Path, sample: int) -> dict:
    """Per-run seconds in this process: check fast path (and its parts) vs forecast defaults."""
    import entropy_law as el
    from entropy_law.checking.result import CheckSettings
    from entropy_law.checking.runner import _check_table
    from entropy_law.fitting import diagnostics
    from entropy_law.fitting import engine as fitting
    from entropy_law.forecasting import core as _forecast_core
    from entropy_law.trajectory import fit as trajectory

    spent = {"compare_laws": 0.0, "fit_trajectory": 0.0}

    def timed(mod, name, key):
        fn = getattr(mod, name)

        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.perf_counter() - t0

        setattr(mod, name, wrapper)
        return fn

    files = sorted(folder.glob("*.csv"))[:sample]
    tables = [el.load(f) for f in files]
    st = CheckSettings(min_ceiling=MIN_CEILING)
    orig = [
        timed(fitting, "compare_laws", "compare_laws"),
        timed(_forecast_core, "fit_trajectory", "fit_trajectory"),
    ]
    t0 = time.perf_counter()
    for t in tables:
        _check_table(t, st, None)
    fast = (time.perf_counter() - t0) / len(tables)
    fitting.compare_laws, _forecast_core.fit_trajectory = orig
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in tables:
            el.forecast(t)  # the defaults (entropy_law._defaults.N_BOOT resamples)
    full = (time.perf_counter() - t0) / len(tables)
    del diagnostics, trajectory
    return {
        "check": fast,
        "compare_laws": spent["compare_laws"] / len(tables),
        "fit_trajectory": spent["fit_trajectory"] / len(tables),
        "forecast_default": full,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sample", type=int, default=20, help="runs for the breakdown")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "entropy-law-bench-check")
    ap.add_argument("--write", action="store_true", help="record in docs/benchmarks.md")
    ap.add_argument("--repeat", type=int, default=1, help="timed CLI runs (the median is reported)")
    args = ap.parse_args()
    folder = args.cache / f"n{args.n}-steps{args.steps}"
    made = make_fleet(folder, args.n, args.steps, args.jobs)
    print(f"fleet: {args.n} CSV runs in {folder} ({made:.1f} s to make, not timed)")
    load_before = os.getloadavg()[0]
    walls, peaks = [], []
    for _ in range(args.repeat):
        wall, doc, peak = time_cli(folder, args.jobs, [])
        walls.append(wall)
        peaks.append(peak)
        s = doc["summary"]
        print(
            f"entropy-law check: {wall:.1f} s wall, peak RSS {peak:.0f} MB, for {len(doc['runs'])} "
            f"runs ({args.jobs} jobs; load {os.getloadavg()[0]:.1f}) -> {s}"
        )
    load_after = os.getloadavg()[0]
    wall = sorted(walls)[len(walls) // 2]
    peak = max(peaks)
    b = breakdown(folder, args.sample)
    n_per_core = args.n / args.jobs
    print(json.dumps(b, indent=2))
    if not args.write:
        return
    from _report import machine, write_section

    from entropy_law._defaults import N_BOOT

    cmd = f"python benchmarks/bench_check.py --n {args.n} --steps {args.steps} --jobs {args.jobs} --write"
    body = f"""## `entropy-law check` over a fleet of runs

Command: `{cmd}` ({machine()}). {args.n} simulator runs of {args.steps} steps written as
CSV (mixed learning rates and hard-prompt fractions, 10% with an entropy bonus), checked
with `--min-ceiling {MIN_CEILING}` and the check defaults (law-only forecast, sigmoid only
as a fallback, 100 resamples, 90% intervals). Timed: the whole CLI process, start-up and
loading included. Target: <= 30 s. Load average (1 min) {load_before:.1f} when the timing
started, {load_after:.1f} at the end (other jobs running on the machine inflate the wall
time). Median of {args.repeat} run(s); peak total RSS of the process tree {peak:.0f} MB.

| what | wall time |
| --- | --- |
| `entropy-law check` on {args.n} runs, {args.jobs} jobs | **{wall:.1f} s** ({wall / args.n * 1000:.0f} ms/run) |
| peer: `forecast` defaults per run (combined, {N_BOOT} resamples), extrapolated | {b["forecast_default"] * n_per_core:.0f} s ({b["forecast_default"]:.2f} s/run/core, {args.sample} runs) |

Verdicts: {s["pass"]} pass, {s["flag"]} flag, {s["inconclusive"]} inconclusive,
{s["error"]} error.

Where one check's time goes (mean over {args.sample} runs, one core, in-process):
{b["check"]:.3f} s per run, of which {b["compare_laws"]:.3f} s in the law fit's
alternative-law comparison (`diagnostics.compare_laws`, a variable-projection fit of the 3-parameter
law used only for the verdict text) and {b["fit_trajectory"]:.3f} s in the entropy
trajectory fit and bootstrap (`trajectory.fit_trajectory`, batched Levenberg-Marquardt refits).
"""
    write_section("bench-check", body)
    print("recorded in docs/benchmarks.md")


if __name__ == "__main__":
    main()
