"""Benchmark: how ``check`` scales with workers, local process pool vs a Dask cluster.

Checks the first ``--n`` runs of the ``bench_check.py`` fleet (made by it; pass its cache
folder) with ``el.check`` in this process: serially (the peer), on the local process pool
with 1..``--max-workers`` workers, and on a ``distributed.LocalCluster`` with 1..max
worker processes (one thread each; cluster start-up and the workers' first imports are
timed separately, as they are paid once per cluster, not per check). Verdicts are compared
with the serial ones.

Run:  python benchmarks/bench_fleets.py --fleet /tmp/entropy-law-bench-check/n1000-steps300 [--n 200]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import entropy_law as el
from entropy_law.checking.result import CheckSettings


def _key(res) -> dict:
    return {r.run: (r.status, tuple(x.outcome for x in r.reasons)) for r in res.runs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleet", type=Path, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--max-workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    files = sorted(args.fleet.glob("*.csv"))[: args.n]
    st = CheckSettings(min_ceiling=0.5)
    rows = []
    load0 = os.getloadavg()

    t0 = time.perf_counter()
    ref = el.check(files, settings=st, jobs=1)
    t_serial = time.perf_counter() - t0
    rows.append(("serial, this process (peer)", 1, t_serial, "", True))
    for w in range(1, args.max_workers + 1):
        t0 = time.perf_counter()
        res = el.check(files, settings=st, jobs=w) if w > 1 else None
        if res is None:  # jobs=1 is the serial path; a 1-process pool:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(1) as ex:
                res = el.check(files, settings=st, executor=ex)
        rows.append(
            (f"local process pool, {w} worker(s)", w, time.perf_counter() - t0, "", _key(res) == _key(ref))
        )

    import distributed

    for w in range(1, args.max_workers + 1):
        t0 = time.perf_counter()
        with (
            distributed.LocalCluster(
                n_workers=w, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.run(lambda: __import__("entropy_law.checking.runner") is not None)  # first imports
            t_up = time.perf_counter() - t0
            t1 = time.perf_counter()
            res = el.check(files, settings=st, executor=client.get_executor())
            rows.append(
                (
                    f"Dask LocalCluster, {w} worker process(es)",
                    w,
                    time.perf_counter() - t1,
                    f"{t_up:.1f}",
                    _key(res) == _key(ref),
                )
            )
    load1 = os.getloadavg()
    print(
        f"{len(files)} runs of {args.fleet}; {os.cpu_count()} cores; load average (1 min) "
        f"{load0[0]:.1f} at the start, {load1[0]:.1f} at the end"
    )
    print()
    print(
        "| pool | workers | wall (s) | runs/s | speed-up vs serial | cluster start-up (s) | same verdicts |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, w, t, up, same in rows:
        print(
            f"| {name} | {w} | {t:.1f} | {len(files) / t:.1f} | {t_serial / t:.2f}x | {up or '-'} | {'yes' if same else 'NO'} |"
        )


if __name__ == "__main__":
    main()
