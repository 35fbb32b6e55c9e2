"""Overhead of EntropyLawCallback at its default cadence on a real 300-step GRPO run (CPU).

Runs the tiny GRPOTrainer of ``tests/tiny_grpo.py`` (digit reversal, 64 completions a step,
one torch thread) alternately without and with the callback, in one process, and reports the
wall and CPU (process) time of ``trainer.train()`` (model build and SFT warm-start excluded),
the ratio of the medians, the per-pair ratios, the forecasts made and their cost, the time
spent inside the callback's own hooks (its direct overhead, which machine load does not
blur), and ``uptime`` before and after (the machine is shared). The run order alternates (without, with, with,
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


def _timed_callback():
    """EntropyLawCallback (defaults: every=50, n_boot=N_BOOT_FLEET) that also times its own hooks."""
    from entropy_law.integrations.trl import EntropyLawCallback

    class Timed(EntropyLawCallback):
        hook_seconds = 0.0

        def _time(self, name, *a, **k):
            t0 = time.perf_counter()
            try:
                return getattr(super(), name)(*a, **k)
            finally:
                if not self._emitting:
                    Timed.hook_seconds += time.perf_counter() - t0

        def on_log(self, *a, **k):
            return self._time("on_log", *a, **k)

        def on_step_begin(self, *a, **k):
            return self._time("on_step_begin", *a, **k)

        def on_train_end(self, *a, **k):
            return self._time("on_train_end", *a, **k)

    Timed.hook_seconds = 0.0
    return Timed()


def one(steps: int, with_cb: bool, seed: int = 0) -> dict:
    import tiny_grpo

    cb = _timed_callback() if with_cb else None
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tiny_grpo.trainer(d, max_steps=steps, callbacks=[cb] if cb else [], seed=seed)
        t0, c0 = time.perf_counter(), time.process_time()
        tr.train()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"with": with_cb, "wall": wall, "cpu": cpu, "steps": tr.state.global_step}
    if cb is not None:
        out["forecast_steps"] = cb.forecast_steps
        out["forecast_seconds"] = [round(f.seconds, 3) for f in cb.forecasts]
        out["hook_seconds"] = type(cb).hook_seconds
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
                f"pair {i + 1}: {'with   ' if w else 'without'} callback: wall {r['wall']:.1f} s, "
                f"CPU {r['cpu']:.1f} s"
                + (
                    f"; forecasts at {r['forecast_steps']} costing {r['forecast_seconds']} s; "
                    f"time inside the callback's hooks {r['hook_seconds']:.2f} s"
                    if w
                    else ""
                ),
                flush=True,
            )
    print(f"uptime after: {_uptime()}")
    for what in ("wall", "cpu"):
        wo = [r[what] for r in runs if not r["with"]]
        wi = [r[what] for r in runs if r["with"]]
        pair = [wi[k] / wo[k] for k in range(a.pairs)]
        print(
            f"{what}: median without {statistics.median(wo):.1f} s, with {statistics.median(wi):.1f} s; "
            f"ratio of medians {statistics.median(wi) / statistics.median(wo):.3f}; per-pair ratios "
            f"{[round(x, 3) for x in pair]}"
        )
    hooks = [(r["hook_seconds"], r["wall"]) for r in runs if r["with"]]
    print(
        "time inside the callback's hooks: "
        + ", ".join(f"{h:.2f} s = {h / w:.2%} of the run's wall time" for h, w in hooks)
    )


if __name__ == "__main__":
    main()
