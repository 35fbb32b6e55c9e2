"""The bundled sample runs: loadable in every format, and exactly what the script makes."""

import importlib.util
import warnings

import numpy as np
import pandas as pd
from conftest import REPO

import entropy_law as el

SAMPLES = REPO / "sample_runs"
EXAMPLE = REPO / "entropy_law" / "data" / "example.csv"


def _table(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = el.load(path)
    return t.drop(columns=["wall_time", "source"], errors="ignore")


def test_every_sample_run_loads_with_detected_metrics():
    t = _table(SAMPLES)
    assert t["run"].nunique() == 6
    er = el.entropy_reward(t)
    # tensorboardX writes '@' as '_' in tags; detection accepts both spellings
    assert {v for _, v in er.attrs["metrics"].values()} == {
        "val-core/synthetic/acc/mean@1",
        "val-core/synthetic/acc/mean_1",
    }
    assert {e for e, _ in er.attrs["metrics"].values()} == {"actor/entropy"}
    assert er.groupby("run").size().min() >= 10


# The simulator's floating-point results can differ in the last bits between CPUs and
# maths libraries (MLflow files, which keep the full float64 repr, were seen to differ by
# 2.2e-16 on another machine). The files are written at 7 significant digits (CSV) or as
# float32 (TensorBoard, 24-bit mantissa), where such a last-bit change can at most move the
# last digit written: a relative difference up to ~1e-7 (CSV: half a unit in the 7th digit
# either side) or 6e-8 (float32). rtol=1e-6 allows that and nothing a real change to the
# generator or the simulator would produce. Steps, run and metric names stay exact.
REL_TOL = 1e-6


def _assert_same_run_values(committed, fresh):
    key = ["run", "metric", "step"]
    assert committed[key].equals(fresh[key])
    np.testing.assert_allclose(fresh["value"], committed["value"], rtol=REL_TOL, atol=0)


def test_script_regenerates_the_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    for fmt in ("csv", "wandb-export", "tensorboard", "mlruns"):
        committed, fresh = _table(SAMPLES / fmt), _table(tmp_path / fmt)
        assert list(committed.columns) == list(fresh.columns)
        _assert_same_run_values(committed, fresh)
    _assert_same_run_values(_table(EXAMPLE), _table(tmp_path / "example.csv"))


def test_package_example_is_the_baseline_sample_run():
    # the example shipped in the wheel is the simulator's baseline run, as make_samples writes it
    ex, base = _table(EXAMPLE), _table(SAMPLES / "csv" / "grpo-baseline.csv")
    pd.testing.assert_frame_equal(ex.drop(columns="run"), base.drop(columns="run"))  # both read from files
    assert EXAMPLE.stat().st_size < 10_000
