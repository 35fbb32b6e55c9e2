"""Overhead of EntropyLawCallback at its default cadence on a real 300-step GRPO run (CPU).

Runs the tiny GRPOTrainer of ``tests/tiny_grpo.py`` (digit reversal, one torch thread) at the
size of ``../shared/trl/NOTES.md`` by default (the 0.33 M-parameter Llama, ``--hidden 128``;
16 prompts x 8 completions a step) without and with the callback, each run in a fresh Python
process as a user's training job is (so the callback's one-off costs, its imports of
scipy.stats and lmfit, land on its own arm every time), after one discarded warm-up run (it
fills the OS file cache), and reports the wall and CPU (process) time of ``trainer.train()``
(model build and SFT warm-start excluded), the per-pair ratios and their geometric mean with a
t-interval, the forecasts made and their cost, the time spent inside the callback's own hooks
(its direct overhead), and ``uptime`` before and after (the machine is shared).

**Concurrent pairs (the default).** The two runs of a pair train *at the same time*, each
pinned to its own core (the cores swap from pair to pair) with every BLAS/OpenMP pool at one
thread, so that the host's bursts of load (on the shared 2-core machine a run's median step
time moves by up to 30% from minute to minute) hit both arms alike instead of whichever ran
in that minute. One BLAS thread also keeps the forecasts on the callback's own core: it makes
each forecast slower, so if anything it overstates the callback's cost. ``--sequential`` runs
the arms one after the other instead (alternating the order within each pair).

Both arms must do the same training (identical logged rewards and entropies, step by step;
checked): the callback only reads the logs, so any time difference is its cost.

    python benchmarks/bench_callback.py --steps 300 --pairs 6
"""

from __future__ import annotations

import argparse
import json
import os
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


def _stamps():
    """A callback that records the time at the end of every optimiser step."""
    from transformers import TrainerCallback

    class Stamps(TrainerCallback):
        def __init__(self):
            self.t: list[float] = []

        def on_step_end(self, args, state, control, **kwargs):
            self.t.append(time.perf_counter())

    return Stamps()


def one(steps: int, with_cb: bool, *, hidden: int, prompts_per_step: int, seed: int = 0) -> dict:
    import tiny_grpo

    cb = _timed_callback() if with_cb else None
    stamps = _stamps()
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = tiny_grpo.trainer(
            d,
            max_steps=steps,
            callbacks=[stamps, cb] if cb else [stamps],
            seed=seed,
            hidden=hidden,
            prompts_per_step=prompts_per_step,
        )
        t0, c0 = time.perf_counter(), time.process_time()
        tr.train()
        t1 = time.perf_counter()
        wall, cpu = t1 - t0, time.process_time() - c0
    # each step's time (the callback's on_log of step i falls in step i+1's), the time after
    # the last step (the last log, on_train_end) as one more entry: they sum to `wall`
    edges = [t0, *stamps.t, t1]
    step_seconds = [b - a for a, b in zip(edges[:-1], edges[1:])]
    trace = [
        (h["step"], h.get("reward"), h.get("entropy"))
        for h in tr.state.log_history
        if "reward" in h and "entropy" in h
    ]
    out = {
        "with": with_cb,
        "wall": wall,
        "cpu": cpu,
        "steps": tr.state.global_step,
        "trace": trace,
        "step_seconds": step_seconds,
    }
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


_ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _start(steps: int, with_cb: bool, core: int | None = None, **size) -> subprocess.Popen:
    """:func:`one` in a new interpreter (a user's training job), pinned to *core* if given."""
    cmd = [sys.executable, __file__, "--one", "with" if with_cb else "without", "--steps", str(steps)]
    for k, v in size.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    pin = None if core is None else (lambda: os.sched_setaffinity(0, {core}))
    env = {**os.environ, **_ONE_THREAD} if core is not None else None
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=pin, env=env)


def _result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"a benchmark run failed (exit {proc.returncode})")
    r = json.loads(out.strip().splitlines()[-1])
    r["trace"] = [tuple(x) for x in r["trace"]]
    return r


def _in_fresh_process(steps: int, with_cb: bool, **size) -> dict:
    return _result(_start(steps, with_cb, **size))


def _concurrent_pair(steps: int, i: int, **size) -> list[dict]:
    """Both arms at once, each on its own core (swapped on odd pairs)."""
    cores = sorted(os.sched_getaffinity(0))[:2]
    if len(cores) < 2:
        raise SystemExit("concurrent pairs need two cores; use --sequential")
    c_wo, c_wi = (cores[0], cores[1]) if i % 2 == 0 else (cores[1], cores[0])
    procs = [_start(steps, False, c_wo, **size), _start(steps, True, c_wi, **size)]
    out = [_result(p) for p in procs]
    out[0]["core"], out[1]["core"] = c_wo, c_wi
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=128, help="the Llama's width (128: NOTES.md's model)")
    ap.add_argument("--prompts-per-step", type=int, default=16, help="x 8 completions a step")
    ap.add_argument("--warmup", type=int, default=1, help="discarded runs before the pairs")
    ap.add_argument("--sequential", action="store_true", help="run the arms one after the other")
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
    print("pairs: " + ("sequential" if a.sequential else "concurrent, one core each"), flush=True)
    for i in range(a.pairs):
        if a.sequential:
            order = (False, True) if i % 2 == 0 else (True, False)
            pair_runs = [_in_fresh_process(a.steps, w, **size) for w in order]
        else:
            pair_runs = _concurrent_pair(a.steps, i, **size)
        for r in pair_runs:
            w = r["with"]
            runs.append(r)
            print(
                f"pair {i + 1}: {'with   ' if w else 'without'} callback"
                + (f" (core {r['core']})" if "core" in r else "")
                + f": wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s"
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
    # step-wise minimum over the runs of each arm: both arms do the same work at every step
    # (checked above), and machine noise only ever adds time, so the per-step minimum over
    # repeats is each arm's run time without the noise (timeit's rule, applied per step);
    # the callback's own costs sit at the same steps in every run and so are kept
    lens = {len(r["step_seconds"]) for r in runs}
    if len(lens) == 1:
        import numpy as np

        wo = np.min([r["step_seconds"] for r in runs if not r["with"]], axis=0)
        wi = np.min([r["step_seconds"] for r in runs if r["with"]], axis=0)
        print(
            f"step-wise minimum over the {a.pairs} runs of each arm: without {wo.sum():.2f} s, with "
            f"{wi.sum():.2f} s; ratio {wi.sum() / wo.sum():.3f} (the extra {wi.sum() - wo.sum():.2f} s: "
            f"{np.sum((wi - wo)[:50]):.2f} s in the first 50 steps, where the callback's "
            f"imports run; {np.sum((wi - wo)[50:]):.2f} s over the rest, where its forecasts run)"
        )
    hooks = [(r["hook_seconds"], r["wall"]) for r in runs if r["with"]]
    print(
        "time inside the callback's hooks: "
        + ", ".join(f"{h:.2f} s = {h / w:.2%} of the run's wall time" for h, w in hooks)
    )


if __name__ == "__main__":
    main()
