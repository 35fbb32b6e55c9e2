"""A/B in one process: check's per-run path with the package's trajectory solvers against
the solvers as they were before issue 14's speed work (``tests/_trajectory_reference.py``:
the Jacobian re-evaluated after rejected LM steps, ``np.power`` in the power family, the
lmfit polish of the full-data fit).

The two are alternated run by run (A B, B A, ...) on the first ``--n`` runs of the
``bench_check.py`` fleet, so that the load of a shared machine hits both alike; loading is
excluded. Prints the medians, the ratio of the summed times and whether the verdicts agree.

Run:  python benchmarks/bench_trajectory_ab.py [--n 100] [--fleet /tmp/entropy-law-bench-check/n1000-steps300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def main() -> None:
    import _trajectory_reference as ref
    import pytest

    import entropy_law as el
    from entropy_law.checking.result import CheckSettings
    from entropy_law.checking.runner import _check_table

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument(
        "--fleet",
        type=Path,
        default=Path(tempfile.gettempdir()) / "entropy-law-bench-check" / "n1000-steps300",
    )
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    files = sorted(args.fleet.glob("*.csv"))[: args.n]
    if not files:
        raise SystemExit(f"no runs in {args.fleet}: make the fleet with benchmarks/bench_check.py first")
    tables = [el.load(f) for f in files]
    st = CheckSettings(min_ceiling=0.5)
    mp = pytest.MonkeyPatch()

    def timed(t, old: bool):
        if old:
            ref.install(mp)
        try:
            t0 = time.perf_counter()
            r = _check_table(t, st, None)
            return time.perf_counter() - t0, r[0].status
        finally:
            mp.undo()

    timed(tables[0], False), timed(tables[0], True)  # warm-up
    load0 = os.getloadavg()[0]
    new, old, same = [], [], 0
    for i, t in enumerate(tables):
        res = {o: timed(t, o) for o in ((False, True) if i % 2 == 0 else (True, False))}
        new.append(res[False][0])
        old.append(res[True][0])
        same += res[False][1] == res[True][1]
    print(
        f"{len(tables)} runs, load (1 min) {load0:.1f} -> {os.getloadavg()[0]:.1f}: now median "
        f"{statistics.median(new):.4f} s, before median {statistics.median(old):.4f} s, "
        f"before/now (sums) {sum(old) / sum(new):.3f}x, same verdicts {same}/{len(tables)}"
    )


if __name__ == "__main__":
    main()
