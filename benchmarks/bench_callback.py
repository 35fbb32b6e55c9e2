"""Overhead of EntropyLawCallback at its default cadence on a real 300-step GRPO run (CPU).

Runs the tiny GRPOTrainer of ``tests/tiny_grpo.py`` (digit reversal, 64 completions a step,
one torch thread) alternately without and with the callback, in one process, and reports the
training wall time (``trainer.train()`` only; model build and SFT warm-start excluded), the
ratio of the medians, the per-pair ratios, the forecasts made and their cost, and ``uptime``
before and after (the machine is shared). The run order alternates (without, with, with,
without, ...) so that a drift in machine load hits both arms alike.

    python benchmarks/bench_callback.py --steps 300 --pairs 2
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "n/a"


def one(steps: int, with_cb: bool, seed: int = 0) -> dict:
    import tiny_grpo

    from entropy_law.integrations.trl import EntropyLawCallback

    cb = EntropyLawCallback() if with_cb else None  # the defaults: every=50, n_boot=40
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tiny_grpo.trainer(d, max_steps=steps, callbacks=[cb] if cb else [], seed=seed)
        t0 = time.perf_counter()
        tr.train()
        wall = time.perf_counter() - t0
    out = {"with": with_cb, "wall": wall, "steps": tr.state.global_step}
    if cb is not None:
        out["forecast_steps"] = cb.forecast_steps
        out["forecast_seconds"] = [round(f.seconds, 3) for f in cb.forecasts]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=2)
    a = ap.parse_args()
    print(f"uptime before: {_uptime()}", flush=True)
    runs = []
    for i in range(a.pairs):
        order = (False, True) if i % 2 == 0 else (True, False)
        for w in order:
            r = one(a.steps, w)
            runs.append(r)
            print(
                f"pair {i + 1}: {'with   ' if w else 'without'} callback: {r['wall']:.1f} s"
                + (f"  forecasts at {r['forecast_steps']} costing {r['forecast_seconds']} s" if w else ""),
                flush=True,
            )
    print(f"uptime after: {_uptime()}")
    wo = [r["wall"] for r in runs if not r["with"]]
    wi = [r["wall"] for r in runs if r["with"]]
    pair_ratios = [wi[k] / wo[k] for k in range(a.pairs)]
    cost = [sum(r["forecast_seconds"]) for r in runs if r["with"]]
    print(
        f"median wall without {statistics.median(wo):.1f} s, with {statistics.median(wi):.1f} s; "
        f"ratio of medians {statistics.median(wi) / statistics.median(wo):.3f}; per-pair ratios "
        f"{[round(x, 3) for x in pair_ratios]}; time spent forecasting {[round(c, 2) for c in cost]} s "
        f"= {[f'{c / w:.1%}' for c, w in zip(cost, wi)]} of the runs with the callback"
    )


if __name__ == "__main__":
    main()
