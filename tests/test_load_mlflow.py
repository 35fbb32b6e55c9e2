"""MLflow local file store, written by mlflow itself."""

import os

import numpy as np
import pytest

import entropy_law as el
from entropy_law.errors import TruncatedLogWarning

STEPS = list(range(12))
ENT = [0.5 / (s + 1) for s in STEPS]


@pytest.fixture(scope="module")
def mlruns(tmp_path_factory):
    import mlflow  # mlflow-skinny, from the test extra

    root = tmp_path_factory.mktemp("ml") / "mlruns"
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # mlflow 3 keeps the file store opt-in
    mlflow.set_tracking_uri(root.as_uri())
    mlflow.set_experiment("gsm8k-grpo")
    for name, scale in (("base", 1.0), ("bonus", 2.0)):
        with mlflow.start_run(run_name=name):
            for s, e in zip(STEPS, ENT):
                metrics = {"actor/entropy": e * scale}
                if s % 4 == 0:  # verl sanitises '@' to '_at_' for MLflow
                    metrics["val-core/openai/gsm8k/reward/mean_at_1"] = 0.05 * s
                mlflow.log_metrics(metrics, step=s)
    return root


def test_mlflow_store_round_trip(mlruns):
    t = el.load(mlruns)
    assert sorted(t["run"].unique()) == ["gsm8k-grpo/base", "gsm8k-grpo/bonus"]
    base = t[(t["run"] == "gsm8k-grpo/base") & (t["metric"] == "actor/entropy")]
    assert base["step"].tolist() == STEPS
    assert base["value"].tolist() == ENT  # str(float) in the file: exact
    val = t[t["metric"] == "val-core/openai/gsm8k/reward/mean_at_1"]
    assert val[val["run"] == "gsm8k-grpo/bonus"]["step"].tolist() == [0, 4, 8]
    assert el.entropy_reward(t)["reward"].notna().all()


def test_single_mlflow_run_folder(mlruns):
    run_dir = next(p.parent for p in mlruns.rglob("metrics") if p.is_dir())
    t = el.load(run_dir)
    assert t["run"].nunique() == 1


def test_damaged_metric_file_keeps_points_before(tmp_path):
    run = tmp_path / "mlruns" / "1" / "abc"
    (run / "metrics" / "actor").mkdir(parents=True)
    (tmp_path / "mlruns" / "1" / "meta.yaml").write_text("name: exp\n")
    (run / "meta.yaml").write_text("run_name: r\n")
    (run / "metrics" / "actor" / "entropy").write_text("1000 0.5 0\n1001 0.4 1\n1002 0.")
    with pytest.warns(TruncatedLogWarning):
        t = el.load(tmp_path / "mlruns")
    assert t["value"].tolist() == [0.5, 0.4]
    np.testing.assert_array_equal(t["step"], [0, 1])
    assert t["run"].unique().tolist() == ["exp/r"]
