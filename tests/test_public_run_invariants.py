"""Every forecast of every public run keeps the result's promises (issue 11, item 2).

Each run of ``../shared/real_runs`` (tidy CSVs) and of ``../shared/corpus/raw`` (read by
the loaders) is forecast from the first 10, 25, 50 and 100% of its steps (the last to
twice its length). Of every estimate the result reports, the point lies inside its
interval; every value on the metric's scale lies inside the metric's bounds; the JSON
record is strict (no NaN or inf); and numpy says nothing (a RuntimeWarning beside a report
is a defect: an overflow, a NaN made by inf - inf). The benchmark checks the value at the
horizon only; this sweep found an entropy floor outside its own interval on four corpus
forecasts (``diqiu`` at 10%: ``0.00258 [0.00286, 0.109]``) and a noise-free trajectory
whose floor read ``0 [nan, nan]``.
"""

from __future__ import annotations

import json
import math
import warnings

import pytest

import entropy_law as el
from entropy_law._json import jsonable
from entropy_law.forecasting.forecaster import forecast, prepare_run

CUTS = (0.1, 0.25, 0.5, 1.0)  # the benchmark's cuts, and the whole run forecast to twice its length
N_BOOT = 100  # the smallest size without the small-n_boot warning; the checks are exact
# estimates on the metric's scale (bounded by its range when it has one)
ON_SCALE = ("ceiling", "law_ceiling", "hard_ceiling", "at_horizon")
OTHERS = ("saturation_step", "entropy_floor", "expected_gain")
TOL = 1e-9  # float comparison slack only


def _public_runs(real_runs_dir, corpus_dir) -> list[tuple[str, object]]:
    runs = [(p.stem, el.load(p)) for p in sorted(real_runs_dir.glob("*.csv"))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loaders' notes on restarts and dropped rows
        table = el.scan(corpus_dir / "raw").table
    runs += [(str(name), g) for name, g in table.groupby("run", sort=True)]
    return runs


def _problems(tag: str, name: str, e, bounds, on_scale: bool) -> list[str]:
    v, (lo, hi) = float(e.value), (float(e.ci[0]), float(e.ci[1]))
    out = []
    if all(map(math.isfinite, (v, lo, hi))) and not (lo - TOL <= v <= hi + TOL):
        out.append(f"{tag}: {name} {v:.6g} outside its interval [{lo:.6g}, {hi:.6g}]")
    if on_scale and bounds is not None:
        for x in (v, lo, hi):
            if math.isfinite(x) and not (bounds[0] - TOL <= x <= bounds[1] + TOL):
                out.append(f"{tag}: {name} {x:.6g} outside the metric's range {bounds}")
    return out


@pytest.mark.slow
def test_every_forecast_of_every_public_run_keeps_its_promises(real_runs_dir, corpus_dir):
    runs = _public_runs(real_runs_dir, corpus_dir)
    assert len(runs) == 56  # 12 + 44 (SOURCES.md of each folder)
    problems: list[str] = []
    for name, table in runs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = prepare_run(table)
        for f in CUTS:
            upto = int(round(s.first_step + f * (s.last_step - s.first_step)))
            horizon = s.last_step if f < 1 else 2 * s.last_step
            tag = f"{name} at {f:.0%}"
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fc = forecast(s, upto_step=upto, horizon=horizon, n_boot=N_BOOT, seed=0)
                json.dumps(jsonable(fc.to_dict()), allow_nan=False)
            problems += [
                f"{tag}: {w.category.__name__} {w.message} ({w.filename}:{w.lineno})"
                for w in caught
                if issubclass(w.category, RuntimeWarning)
            ]
            for k in ON_SCALE + OTHERS:
                problems += _problems(tag, k, getattr(fc, k), fc.bounds, k in ON_SCALE)
            if fc.sigmoid is not None and fc.sigmoid.ok:
                for k in ("A", "at_horizon", "saturation_step"):
                    problems += _problems(
                        tag, f"sigmoid.{k}", getattr(fc.sigmoid, k), fc.bounds, k != "saturation_step"
                    )
    assert not problems, "\n".join(problems)
