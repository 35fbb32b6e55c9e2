"""Benchmark: one default ``forecast`` per run, in-process, over the runs in ``sample_runs/``.

Default forecast = ``el.forecast(table)``: the entropy law, the entropy trajectory and the
ScaleRL sigmoid, combined, ``N_BOOT`` (1000) joint resamples. Each run is forecast ``--repeat`` times
after a warm-up; the table gives the median per run and the median over the runs.
``--before SRC`` times the same in a subprocess importing the package from another source
tree (e.g. the main checkout) in the same run, as the peer.

Run:  python benchmarks/bench_forecast.py [--repeat 5] [--before /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CODE = r"""
import json, statistics, sys, time, warnings
sys.path.insert(0, sys.argv[1]) if sys.argv[1] else None
import entropy_law as el
warnings.simplefilter("ignore")
out = {}
for folder in ("csv", "tensorboard", "mlruns", "wandb-export"):
    table = el.load(f"sample_runs/{folder}")
    for run, sub in table.groupby("run", sort=True):
        el.forecast(sub)  # warm-up (imports, caches)
        ts = []
        for _ in range(int(sys.argv[2])):
            t0 = time.perf_counter()
            res = el.forecast(sub)
            ts.append(time.perf_counter() - t0)
        out[str(run)] = [statistics.median(ts), res.status, res.method, res.ceiling.value, list(res.ceiling.ci)]
print(json.dumps(out))
"""


def _measure(src: str, repeat: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CODE, src, str(repeat)], capture_output=True, text=True, cwd=REPO
    )
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--before", default="")
    args = ap.parse_args()
    load0 = os.getloadavg()
    now = _measure("", args.repeat)
    before = _measure(args.before, args.repeat) if args.before else {}
    load1 = os.getloadavg()
    print(
        f"{os.cpu_count()} cores; median of {args.repeat} per run after a warm-up; load average "
        f"(1 min) {load0[0]:.1f} at the start, {load1[0]:.1f} at the end"
    )
    print()
    head = "| run | this branch (s) | ceiling [90% interval] |"
    if before:
        head += " before (s) | ceiling before | speed-up |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for run, (t, status, method, c, ci) in now.items():
        row = f"| {run} | {t:.3f} | {c:.4f} [{ci[0]:.4f}, {ci[1]:.4f}] ({status}, {method}) |"
        if before:
            tb, _, _, cb, cib = before[run]
            row += f" {tb:.3f} | {cb:.4f} [{cib[0]:.4f}, {cib[1]:.4f}] | {tb / t:.1f}x |"
        print(row)
    med = statistics.median(v[0] for v in now.values())
    line = f"| **median over {len(now)} runs** | **{med:.3f}** | |"
    if before:
        medb = statistics.median(v[0] for v in before.values())
        line += f" **{medb:.3f}** | | **{medb / med:.1f}x** |"
    print(line)


if __name__ == "__main__":
    main()
