"""Regenerate the bundled sample runs from the project's own simulator, deterministically.

    python sample_runs/make_samples.py

Every run is a GRPO-like simulator run (:mod:`entropy_law.simulate`) of 300 steps, of
which the first 120 are written — a live run a third of the way in, as a user would hand
it to ``entropy-law forecast``. The full 300-step curves are reproducible with the same
seeds, for backtests. Formats:

- ``csv/``: wide CSV tables, a baseline and an entropy-bonus variant of the same
  configuration and seed;
- ``wandb-export/panel.csv``: a W&B panel "Export CSV" with two runs (other seeds);
- ``tensorboard/grpo-lr-0.3/``: a TensorBoard log dir written by tensorboardX (a higher
  learning rate: faster collapse);
- ``mlruns/``: an MLflow file store laid out as mlflow writes it;
- ``entropy_law/data/example.csv`` (package data, outside this folder): the baseline run
  as a wide CSV, which ``entropy-law forecast --example`` forecasts after a plain
  ``pip install``.

Values are written as real loggers write them: CSV at 7 significant digits, TensorBoard as
float32, MLflow as the float's shortest repr (mlflow's own format). The simulator's last bits
can differ between CPUs and maths libraries, so tests compare regenerated values with a
tolerance (``tests/test_sample_runs.py``), never bit for bit.

Writing the TensorBoard file needs ``tensorboardX`` (in the ``test`` extra).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

import entropy_law as el

HERE = Path(__file__).resolve().parent
PACKAGE_EXAMPLE = HERE.parent / "entropy_law" / "data" / "example.csv"
EXAMPLE_RUN = "grpo-baseline"
LIVE_STEPS = 120
T0 = 1_750_000_000.0  # fixed wall-clock origin, so the files do not change between runs

RUNS = {  # name -> (seed, simulator overrides)
    "grpo-baseline": (1, {}),
    "grpo-entropy-bonus": (1, {"entropy_coef": 0.1}),
    "grpo-seed2": (2, {}),
    "grpo-seed3": (3, {}),
    "grpo-lr-0.3": (4, {"lr": 0.3}),
    "grpo-mlflow": (5, {}),
}


def live(name: str) -> pd.DataFrame:
    seed, over = RUNS[name]
    t = el.simulate(seed=seed, run=name, **over)
    return t[t["step"] <= LIVE_STEPS].reset_index(drop=True)


def wide(t: pd.DataFrame) -> pd.DataFrame:
    return el.to_wide(t).droplevel("run").reset_index()


def write_csv(out: Path) -> None:
    (out / "csv").mkdir(parents=True)
    for name in ("grpo-baseline", "grpo-entropy-bonus"):
        wide(live(name)).to_csv(out / "csv" / f"{name}.csv", index=False, float_format="%.7g")


def write_example(target: Path) -> None:
    """The package's embedded example run (``entropy-law forecast --example``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    wide(live(EXAMPLE_RUN)).to_csv(target, index=False, float_format="%.7g")


def write_wandb_export(out: Path) -> None:
    cols = {}
    for name in ("grpo-seed2", "grpo-seed3"):
        w = wide(live(name)).set_index("step")
        for metric in w.columns:
            cols[f"{name} - {metric}"] = w[metric]
            cols[f"{name} - {metric}__MIN"] = w[metric]
            cols[f"{name} - {metric}__MAX"] = w[metric]
    df = pd.DataFrame(cols)
    df.index.name = "Step"
    (out / "wandb-export").mkdir(parents=True)
    df.reset_index().to_csv(out / "wandb-export" / "panel.csv", index=False, float_format="%.7g")


def write_tensorboard(out: Path) -> None:
    from tensorboardX import SummaryWriter

    name = "grpo-lr-0.3"
    d = out / "tensorboard" / name
    d.mkdir(parents=True)
    t = live(name)
    w = SummaryWriter(str(d))
    for row in t.sort_values(["step", "metric"]).itertuples():
        w.add_scalar(row.metric, row.value, int(row.step), walltime=T0 + row.step)
    w.close()
    (f,) = d.glob("events.out.tfevents.*")
    f.rename(d / "events.out.tfevents.1750000000.sample")


def write_mlflow(out: Path) -> None:
    name = "grpo-mlflow"
    exp = out / "mlruns" / "1"
    run = exp / "0123456789abcdef0123456789abcdef"
    (run / "metrics").mkdir(parents=True)
    (run / "tags").mkdir()
    exp.joinpath("meta.yaml").write_text(
        "artifact_location: mlruns/1\nexperiment_id: '1'\nlifecycle_stage: active\nname: sample-grpo\n"
    )
    run.joinpath("meta.yaml").write_text(
        f"run_id: {run.name}\nexperiment_id: '1'\nrun_name: {name}\nstatus: 3\nlifecycle_stage: active\n"
    )
    run.joinpath("tags", "mlflow.runName").write_text(name)
    t = live(name)
    for metric, sub in t.groupby("metric"):
        f = run / "metrics" / metric  # keys with '/' become folders, as in mlflow
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(
            "".join(
                f"{int((T0 + s) * 1000)} {repr(float(v))} {int(s)}\n"
                for s, v in zip(sub["step"], sub["value"])
            )
        )


def main(out: Path = HERE, example: Path | None = None) -> None:
    """Write every sample run under *out* (default: this folder) and the package's example
    run to *example* (default: ``entropy_law/data/example.csv`` when *out* is this folder,
    else ``out/example.csv``)."""
    out = Path(out)
    if example is None:
        example = PACKAGE_EXAMPLE if out.resolve() == HERE else out / "example.csv"
    for sub in ("csv", "wandb-export", "tensorboard", "mlruns"):
        shutil.rmtree(out / sub, ignore_errors=True)
    write_csv(out)
    write_wandb_export(out)
    write_tensorboard(out)
    write_mlflow(out)
    write_example(Path(example))
    print(f"wrote sample runs under {out}")


if __name__ == "__main__":
    import sys

    np.seterr(all="ignore")
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
