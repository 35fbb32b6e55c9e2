"""Benchmark: whole-process start-up of the CLI, against `python -c "import pandas"`.

Each command is run ``--repeat`` times as a fresh process (interleaved, so load changes hit
all of them alike); the table gives the median wall time and its ratio to the peer,
``python -c "import pandas"``, measured in the same run. ``--before SRC`` also times the
same commands on another source tree (e.g. ``/work/main``) for a before/after comparison.

Run:  python benchmarks/bench_startup.py [--repeat 5] [--before /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _cli(src: Path | None, *args: str) -> list[str]:
    path = f"import sys; sys.path.insert(0, {str(src)!r}); " if src else ""
    return [sys.executable, "-c", f"{path}from entropy_law.cli import main; main()", *args]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--before", type=Path, default=None)
    args = ap.parse_args()
    cases = {
        "`python -c pass`": [sys.executable, "-c", "pass"],
        '`python -c "import pandas"` (peer)': [sys.executable, "-c", "import pandas"],
        "`entropy-law --help`": _cli(None, "--help"),
        "`entropy-law inspect sample_runs/csv`": _cli(None, "inspect", "sample_runs/csv"),
    }
    if args.before:
        cases["before: `entropy-law --help`"] = _cli(args.before, "--help")
        cases["before: `entropy-law inspect sample_runs/csv`"] = _cli(
            args.before, "inspect", "sample_runs/csv"
        )
    times: dict[str, list[float]] = {k: [] for k in cases}
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    load0 = os.getloadavg()
    for _ in range(args.repeat):
        for name, cmd in cases.items():
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, cwd=REPO, env=env)
            times[name].append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise SystemExit(f"{name} failed: {proc.stderr.decode()[-1000:]}")
    load1 = os.getloadavg()
    peer = statistics.median(times['`python -c "import pandas"` (peer)'])
    print(
        f"{os.cpu_count()} cores; median of {args.repeat} interleaved runs; load average (1 min) "
        f"{load0[0]:.1f} at the start, {load1[0]:.1f} at the end"
    )
    print()
    print("| command | median wall (s) | min-max (s) | ratio to `import pandas` |")
    print("| --- | --- | --- | --- |")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.3f} | {min(ts):.3f}-{max(ts):.3f} | {med / peer:.2f} |")


if __name__ == "__main__":
    main()
