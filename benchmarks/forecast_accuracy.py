"""The benchmark that decides: backtest the forecaster on every real run against five baselines.

Usage::

    python benchmarks/forecast_accuracy.py [--quick] [--jobs 2] [--no-write] [--save rows.csv]
                                           [--only SUBSTRING] [--no-sim] [--seeds 0,1,2]
    python benchmarks/forecast_accuracy.py --trl-corpus DIR   # the TRL collection alone
    python benchmarks/forecast_accuracy.py --runs DIR [--runs DIR2]   # e.g. a held-out set

Collections: every tidy run in ../shared/real_runs and every run in ../shared/corpus/raw,
read from the raw logs by the loaders (the
metric the forecaster detects by default, as ``entropy-law forecast`` would use it) and
24 simulator runs. Each run is cut at 10%, 25% and 50% of its steps and forecast to its
last step; the realised value is the mean over the run's last 10% of steps. Baselines
(``benchmarks/_baselines.py``) are computed on the same slice in the same call. Writes
tables per collection, per source, per status and per verdict to docs/benchmarks.md.
``--seeds`` repeats the real runs' backtest at further bootstrap seeds (the tables are
seed 0's) and adds the range of every acceptance number over the seeds, so a target read
as met or missed is not one seed's luck. ``--runs PATH`` scores the runs under PATH
instead (every log the loaders read, one collection per PATH): the same tables, on a set
the forecaster was never tuned on, printed and not written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _accuracy_tables import BASE_COLS, acceptance, seed_ranges, table_by, verdict_precision
from _baselines import BASELINES
from _report import machine, plateau_contradictions, write_section
from _run_collections import SHARED, corpus_runs, sim_runs, source_of

FRACTIONS = (0.1, 0.25, 0.5)
_VALUE_KEYS = (
    "realised",
    "forecast",
    "low",
    "high",
    "error",
    "ceiling",
    "expected_gain",
    "gain_low",
    "gain_high",
    "slice_best",
)


def _one(s, f, n_boot, seed=0):
    from entropy_law.forecasting.core import tail_mask
    from entropy_law.forecasting.forecaster import forecast
    from entropy_law.forecasting.verdict import _running_mean

    first, last = s.first_step, s.last_step
    final = float(np.mean(s.p_val[tail_mask(s.p_step, first, last)]))
    upto = int(round(first + f * (last - first)))
    row = {"fraction": f, "upto_step": upto, "horizon_step": last, "realised": final}
    fc = forecast(s, upto_step=upto, horizon=last, n_boot=n_boot, seed=seed)
    lo, hi = fc.at_horizon.ci
    v = fc.at_horizon.value
    row.update(
        status=fc.status,
        method=fc.method,
        horizon_method=fc.horizon_method,
        verdict=getattr(fc, "verdict", None),
        verdict_reason=getattr(fc, "verdict_reason", None),
        forecast=v,
        low=lo,
        high=hi,
        error=v - final,
        covered=bool(lo <= final <= hi) if np.isfinite([lo, hi]).all() else np.nan,
        inside=bool(lo - 1e-12 <= v <= hi + 1e-12) if np.isfinite([lo, hi]).all() else np.nan,
        ceiling=fc.ceiling.value,
        ceiling_inside=bool(fc.ceiling.ci[0] - 1e-12 <= fc.ceiling.value <= fc.ceiling.ci[1] + 1e-12)
        if np.isfinite(fc.ceiling.value)
        else np.nan,
    )
    eg = getattr(fc, "expected_gain", None)
    if eg is not None:
        row.update(expected_gain=eg.value, gain_low=eg.ci[0], gain_high=eg.ci[1])
    sl = s.upto(upto)
    # the best level of the slice as the verdicts read it (running mean over 10% of the
    # points): whether a run called `degrading` later won back what it had lost
    row["slice_best"] = float(np.max(_running_mean(sl.p_val.astype(float)))) if len(sl.p_val) else np.nan
    t = (sl.p_step - first + 1).astype(float)
    h = float(last - first + 1)
    for name, fn in BASELINES.items():
        try:
            b = fn(t, sl.p_val.astype(float), h, fc.bounds)
        except Exception:  # a baseline that cannot fit a slice is scored as missing
            b = np.nan
        row[name] = b
        row[f"{name}_error"] = b - final
    # a metric logged in percent (the forecaster bounds it in [0, 100], e.g. rasbt's
    # eval_acc) is scored as a fraction, as SOURCES.md's tidy CSVs hold it, so that errors
    # pool with the other runs' accuracies; the forecast itself is scale-equivariant
    unit = 100.0 if fc.bounds is not None and tuple(map(float, fc.bounds)) == (0.0, 100.0) else 1.0
    for k in [*_VALUE_KEYS, *BASELINES, *BASE_COLS]:
        if k in row:
            row[k] = row[k] / unit
    row["unit"] = unit
    return row


def _job(args):
    collection, name, table, reward, n_boot, *rest = args
    seed = rest[0] if rest else 0
    from entropy_law.forecasting.forecaster import prepare_run

    warnings.simplefilter("ignore")
    base = {"collection": collection, "source": source_of(collection, name), "run": name}
    try:
        s = prepare_run(table, reward=reward)
    except Exception as exc:
        return [{**base, "status": "error", "message": f"{type(exc).__name__}: {exc}"}]
    rows = []
    for f in FRACTIONS:
        try:
            rows.append({**base, "reward_metric": s.reward, **_one(s, f, n_boot, seed)})
        except Exception as exc:
            rows.append({**base, "fraction": f, "status": "error", "message": f"{type(exc).__name__}: {exc}"})
    return rows


def _given_job(args):
    table, n_boot, *rest = args
    from entropy_law.forecasting.backtest import backtest

    warnings.simplefilter("ignore")
    seed = rest[0] if rest else 0
    return backtest(table, (0.25,), reward="val_acc", given=True, n_boot=n_boot, seed=seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer resamples")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--n-boot", type=int, help="resamples per forecast (default 200; 100 with --quick)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-sim", action="store_true")
    ap.add_argument("--only", help="only runs whose name contains this")
    ap.add_argument("--save", help="also save every backtest row to this CSV")
    ap.add_argument(
        "--seeds",
        default="0",
        help="comma-separated bootstrap seeds; the first gives the tables, the others the "
        "range of each acceptance number over seeds",
    )
    ap.add_argument(
        "--runs",
        metavar="PATH",
        action="append",
        help="backtest only the runs under PATH (any log the loaders read; repeatable), one "
        "collection per PATH, e.g. a held-out set from the same sources; tables printed, "
        "docs/benchmarks.md left alone",
    )
    ap.add_argument(
        "--trl-corpus",
        metavar="DIR",
        help="backtest only the TRL GRPOTrainer runs in DIR, generated there when missing "
        "(benchmarks/trl_corpus.py; its own section, benchmarks/_trl_collection.py)",
    )
    opt = ap.parse_args()
    import entropy_law as el

    n_boot = opt.n_boot or (100 if opt.quick else 200)
    seeds = [int(x) for x in str(opt.seeds).split(",") if x.strip()]
    if opt.trl_corpus:
        from _trl_collection import main as trl_main

        return trl_main(opt, n_boot, _job, table_by, acceptance)
    jobs = []
    if opt.runs:  # a user's collections (a held-out set) instead of the public ones
        opt.no_sim, opt.no_write = True, True
        for path in map(Path, opt.runs):
            try:
                found = corpus_runs(path)
            except el.LoadError as exc:  # no such folder, or no log in it
                sys.exit(f"--runs: {exc}")
            jobs += [
                (path.name, n, t, None, n_boot, seeds[0]) for n, t in found if not opt.only or opt.only in n
            ]
    else:
        for p in sorted((SHARED / "real_runs").glob("*.csv")):
            if not opt.only or opt.only in p.stem:
                jobs.append(("real_runs", p.stem, el.load(p), None, n_boot, seeds[0]))
        for name, table in corpus_runs():
            if not opt.only or opt.only in name:
                jobs.append(("corpus", name, table, None, n_boot, seeds[0]))
    real_jobs = list(jobs)
    n_real = sum(j[0] == "real_runs" for j in jobs)
    n_corpus = sum(j[0] != "real_runs" for j in jobs)
    n_sources = len({source_of(j[0], j[1]) for j in jobs if j[0] != "real_runs"})
    label = " + ".join(dict.fromkeys(j[0] for j in jobs))  # "real_runs + corpus" by default
    if not jobs:
        sys.exit(f"no run found under {', '.join(opt.runs or [str(SHARED)])}")
    if not opt.no_sim and not opt.only:
        jobs += [("simulator", t["run"].iloc[0], t, None, n_boot, seeds[0]) for t in sim_runs(24)]
    t0 = time.time()
    with ProcessPoolExecutor(opt.jobs) as pool:
        df = pd.DataFrame([r for rows in pool.map(_job, jobs) for r in rows])
        given = None
        if not opt.only and not opt.runs:
            real = [(el.load(p), n_boot, seeds[0]) for p in sorted((SHARED / "real_runs").glob("*.csv"))]
            given = pd.concat(list(pool.map(_given_job, real)), ignore_index=True)
        per_seed, given_seed = {}, {}
        for k in seeds[1:]:
            rows = [r for rs in pool.map(_job, [j[:5] + (k,) for j in real_jobs]) for r in rs]
            per_seed[k] = pd.DataFrame(rows)
            if given is not None:
                g = pd.concat(list(pool.map(_given_job, [r[:2] + (k,) for r in real])), ignore_index=True)
                given_seed[k] = g
    wall = time.time() - t0
    if opt.save:  # every seed's rows, with their seed
        extra = [t.assign(seed=k) for k, t in per_seed.items()]
        pd.concat([df.assign(seed=seeds[0]), *extra], ignore_index=True).to_csv(opt.save, index=False)
    errs = df[df["status"] == "error"]
    df = df[df["error"].notna()] if "error" in df else df
    real = df[df["collection"] != "simulator"]
    fmt = dict(index=False, floatfmt=".4f")
    out = [
        "## Forecast accuracy on every real run (the benchmark that decides)\n",
        f"Command: `python benchmarks/forecast_accuracy.py{' --quick' if opt.quick else ''}"
        f" --jobs {opt.jobs}{f' --n-boot {opt.n_boot}' if opt.n_boot else ''}"
        f"{' --seeds ' + opt.seeds if len(seeds) > 1 else ''}"
        f"{''.join(f' --runs {r}' for r in opt.runs or [])}` ({machine()}; "
        f"n_boot={n_boot}; bootstrap seed {seeds[0]}; wall time {wall:.0f} s).\n",
        (
            f"Every run of `../shared/real_runs` ({n_real} tidy CSVs) and of `../shared/corpus/raw` "
            f"({n_corpus} runs, {n_sources} source{'s' * (n_sources != 1)}, read from the raw logs by the loaders' "
            "auto-detection) with the metric `forecast` detects by default, and 24 "
            "simulator runs."
            if not opt.runs
            else f"Every run under {', '.join(f'`{r}`' for r in opt.runs)} ({n_corpus} runs, "
            f"{n_sources} source{'s' * (n_sources != 1)}, read by the loaders' auto-detection) with the metric "
            "`forecast` detects by default."
        )
        + " Cut at 10/25/50% of the steps, forecast to the last step, scored "
        "against the mean of the run's last 10%. Error = forecast - realised. Baselines on "
        "the same slice (`benchmarks/_baselines.py`): *last value* (mean of the slice's last "
        "10%), *last few* (mean of its last max(3, 10%) points), *scalerl* (ScaleRL sigmoid, "
        "App. A.5 procedure), *power law* (pow3), *lc ensemble* (Akaike-weighted pow3, "
        "log-power, exp3, MMF, Janoschek, Weibull, after Domhan et al. 2015). Nothing here "
        "learns across runs (every calibration is inside the run's own slice), so no "
        "leave-one-out split is needed.\n",
        f"### Acceptance targets, {label}\n",
        acceptance(real).to_markdown(**fmt),
        "",
    ]
    if per_seed:
        accs = {seeds[0]: acceptance(real)}
        for k, t in per_seed.items():
            accs[k] = acceptance(t[t["error"].notna()] if "error" in t else t)
        out += [
            f"Over bootstrap seeds {', '.join(map(str, seeds))} (the same runs and cuts; "
            "min - max of each number):\n",
            seed_ranges(accs).to_markdown(index=False),
            "",
        ]
        if given is not None:
            med = [100 * given["rmse_level_anchor"].median()]
            med += [100 * g["rmse_level_anchor"].median() for g in given_seed.values()]
            out += [
                f"Given-entropy protocol over the same seeds, median RMSE of the level anchor: "
                f"{min(med):.2f} - {max(med):.2f} pp.\n"
            ]
    for coll, g in df.groupby("collection", sort=False):
        out += [f"### {coll}: per cut\n", table_by(g, "fraction").to_markdown(**fmt), ""]
    r25 = real[real["fraction"] == 0.25]
    out += [f"### {label} at 25%: per source\n", table_by(r25, "source").to_markdown(**fmt), ""]
    for f in FRACTIONS:
        rf = real[real["fraction"] == f]
        out += [
            f"### {label} at {f:.0%}: per status\n",
            table_by(rf, "status").to_markdown(**fmt),
            "",
        ]
    if real["verdict"].notna().any():
        out += [
            f"### {label} at 25%: per verdict\n",
            table_by(r25, "verdict").to_markdown(**fmt),
            "",
        ]
        out += [
            f"### Verdict precision: what runs given each verdict then did ({label})\n",
            "Move = realised value at the end minus the level at the cut (mean of the slice's "
            "last 10%), on the metric's scale. The last column compares the realised value "
            "with the best level of the slice (running mean over 10% of its points, as the "
            "verdicts read it): for `degrading`, the share of runs that did not win back what "
            "they had lost.\n",
            verdict_precision(real).to_markdown(**fmt),
            "",
        ]
    ok = df[df["status"] == "ok"]
    k, n = plateau_contradictions(ok["last_value"], ok["ceiling"], ok["forecast"])
    out += [
        f"Plateau against the value at the horizon (status `ok`, every collection): {k} of {n} "
        "forecasts put the horizon value on the other side of the current level from the "
        "plateau, or past it by more than 0.02 (law and sigmoid combined: the plateau is the "
        "law's, the headline says when the sigmoid takes the horizon value past it).\n",
    ]
    if given is not None:
        ok = given[given["rmse"].notna()]
        out += [
            "### Given-entropy protocol (the paper's), real runs, validation accuracy, 25% cut\n",
            pd.DataFrame(
                [
                    {"anchor": "fit (paper)", "median RMSE (pp)": 100 * ok["rmse"].median()},
                    {"anchor": "level (ours)", "median RMSE (pp)": 100 * ok["rmse_level_anchor"].median()},
                ]
            ).to_markdown(index=False, floatfmt=".2f"),
            "",
        ]
    if len(errs):
        out.append(
            f"{len(errs)} row(s) failed: " + "; ".join(f"{r.run}: {r.message}" for r in errs.itertuples())
        )
    text = "\n".join(out)
    print(text)
    if not opt.no_write and not opt.only:
        write_section("forecast-accuracy", text)


if __name__ == "__main__":
    main()
