"""Overhead of EntropyLawCallback at its default cadence on a real 300-step GRPO run (CPU).

Runs the tiny GRPOTrainer of ``tests/tiny_grpo.py`` (digit reversal, one torch thread) at the
size of ``../shared/trl/NOTES.md`` by default (the 0.33 M-parameter Llama, ``--hidden 128``;
16 prompts x 8 completions a step) alternately without and with the callback, each run in a
fresh Python process as a user's training job is (so the callback's one-off costs, its imports
of scipy.stats and lmfit, land on its own arm every time and never on the other), after one
discarded warm-up run (it fills the OS file cache), and reports the
wall and CPU (process) time of ``trainer.train()`` (model build and SFT warm-start excluded),
the ratio of the medians, the per-pair ratios, the forecasts made and their cost, the time
spent inside the callback's own hooks (its direct overhead, which machine load does not
blur), and ``uptime`` before and after (the machine is shared). The run order alternates (without, with, with,
without, ...) so that a drift in machine load hits both arms alike. It also checks that both
arms did the same training (identical logged rewards and entropies, step by step): the
callback only reads the logs, so any time difference is its cost, not different work.

    python benchmarks/bench_callback.py --steps 300 --pairs 4
"""

from __future__ import annotations

import argparse
import json
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


def one(steps: int, with_cb: bool, *, hidden: int, prompts_per_step: int, seed: int = 0) -> dict:
    import tiny_grpo

    cb = _timed_callback() if with_cb else None
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tiny_grpo.trainer(
            d,
            max_steps=steps,
            callbacks=[cb] if cb else [],
            seed=seed,
            hidden=hidden,
            prompts_per_step=prompts_per_step,
        )
        t0, c0 = time.perf_counter(), time.process_time()
        tr.train()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    trace = [
        (h["step"], h.get("reward"), h.get("entropy"))
        for h in tr.state.log_history
        if "reward" in h and "entropy" in h
    ]
    out = {"with": with_cb, "wall": wall, "cpu": cpu, "steps": tr.state.global_step, "trace": trace}
    if cb is not None:
        out["forecast_steps"] = cb.forecast_steps
        out["forecast_seconds"] = [round(f.seconds, 3) for f in cb.forecasts]
        out["hook_seconds"] = type(cb).hook_seconds
    return out


def _geo(x: list[float]) -> float:
    import math

    return math.exp(statistics.fmean(math.log(v) for v in x))


def _geo_ci(x: list[float]) -> str:
    """95% t-interval of the geometric mean of the per-pair ratios (pairs as independent)."""
    import math

    from scipy.stats import t

    lg = [math.log(v) for v in x]
    half = t.ppf(0.975, len(lg) - 1) * statistics.stdev(lg) / math.sqrt(len(lg))
    m = statistics.fmean(lg)
    return f"{math.exp(m - half):.3f}-{math.exp(m + half):.3f}"


def _in_fresh_process(steps: int, with_cb: bool, **size) -> dict:
    """:func:`one` in a new interpreter (a user's training job), its result as JSON."""
    cmd = [sys.executable, __file__, "--one", "with" if with_cb else "without", "--steps", str(steps)]
    for k, v in size.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["trace"] = [tuple(x) for x in r["trace"]]
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=128, help="the Llama's width (128: NOTES.md's model)")
    ap.add_argument("--prompts-per-step", type=int, default=16, help="x 8 completions a step")
    ap.add_argument("--warmup", type=int, default=1, help="discarded runs before the pairs")
    ap.add_argument("--one", choices=["with", "without"], help=argparse.SUPPRESS)  # a child run
    a = ap.parse_args()
    size = dict(hidden=a.hidden, prompts_per_step=a.prompts_per_step)
    if a.one:
        print(json.dumps(one(a.steps, a.one == "with", **size)))
        return
    print(f"uptime before: {_uptime()}", flush=True)
    for _ in range(a.warmup):
        r = _in_fresh_process(a.steps, False, **size)
        print(f"warm-up run (discarded): wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s", flush=True)
    runs = []
    for i in range(a.pairs):
        order = (False, True) if i % 2 == 0 else (True, False)
        for w in order:
            r = _in_fresh_process(a.steps, w, **size)
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
    same = all(r["trace"] == runs[0]["trace"] for r in runs)
    print(
        f"same training in every run (logged reward and entropy at all {len(runs[0]['trace'])} "
        f"steps identical): {'yes' if same else 'NO: the arms did different work'}"
    )
    for what in ("wall", "cpu"):
        wo = [r[what] for r in runs if not r["with"]]
        wi = [r[what] for r in runs if r["with"]]
        pair = [wi[k] / wo[k] for k in range(a.pairs)]
        print(
            f"{what}: median without {statistics.median(wo):.1f} s, with {statistics.median(wi):.1f} s; "
            f"ratio of medians {statistics.median(wi) / statistics.median(wo):.3f}; per-pair ratios "
            f"{[round(x, 3) for x in pair]}; median per-pair ratio {statistics.median(pair):.3f}"
            + (f", geometric mean {_geo(pair):.3f} (95% t-interval {_geo_ci(pair)})" if len(pair) > 1 else "")
        )
    hooks = [(r["hook_seconds"], r["wall"]) for r in runs if r["with"]]
    print(
        "time inside the callback's hooks: "
        + ", ".join(f"{h:.2f} s = {h / w:.2%} of the run's wall time" for h, w in hooks)
    )


if __name__ == "__main__":
    main()
