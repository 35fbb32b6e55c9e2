"""The training-data tie-break between validation metrics (``entropy_law.table.train_data``).

Two validation metrics logged equally often (one per dataset) tie on every key rule; the
run's training data, named in its attributes, breaks the tie, and nothing else does.
"""

from __future__ import annotations

import json
import warnings

import pytest

import entropy_law as el
from entropy_law.errors import MetricError
from entropy_law.table import entropy_reward
from entropy_law.table.metrics import choose
from entropy_law.table.train_data import break_tie, data_source, training_files

GSM = "val-core/openai/gsm8k/reward/mean@1"
MATH = "val-core/DigitalLearningGmbH/MATH-lighteval/reward/mean@1"
NAMES = ["actor/entropy", "critic/score/mean", GSM, MATH]
COUNTS = {"actor/entropy": 50, "critic/score/mean": 50, GSM: 10, MATH: 10}


def _verl(files) -> dict:
    return {"format": "verl-log", "config": {"data": {"train_files": files, "val_files": []}}}


def test_data_source_of_validation_keys():
    assert data_source(GSM) == ("gsm8k", frozenset({"gsm8k"}))
    assert data_source(MATH) == ("MATH-lighteval", frozenset({"math", "lighteval"}))
    assert data_source("val/test_score/openai/gsm8k")[0] == "gsm8k"
    assert data_source("eval/eval_aime_2024_pass1")[1] == frozenset({"aime"})  # digits ignored
    assert data_source("eval_acc") is None  # no dataset in the key
    assert data_source("critic/score/mean") is None


def test_training_files_from_each_kind_of_attribute():
    assert training_files(_verl(["/d/gsm8k/train.parquet"])) == (
        "config.data.train_files",
        ["/d/gsm8k/train.parquet"],
    )
    # W&B config.yaml: every entry is {"desc": ..., "value": ...}
    wb = {"wandb_config": {"data": {"desc": None, "value": {"train_files": "/d/math/train.parquet"}}}}
    assert training_files(wb) == ("wandb_config.data.value.train_files", ["/d/math/train.parquet"])
    # MLflow params are strings: a printed list or comma-separated paths
    assert training_files({"params": {"data.train_files": "['/a/gsm8k.parquet', '/b/math.parquet']"}})[1] == [
        "/a/gsm8k.parquet",
        "/b/math.parquet",
    ]
    assert training_files({"params": {"prompt_data": "a/gsm8k,b/math"}})[1] == ["a/gsm8k", "b/math"]
    # the printed verl config wins over the W&B config
    both = {**wb, **_verl(["/d/gsm8k/train.parquet"])}
    assert training_files(both)[1] == ["/d/gsm8k/train.parquet"]
    assert training_files({"format": "csv"}) is None
    assert training_files(None) is None


def test_tie_broken_by_the_only_trained_on_dataset():
    d = choose(NAMES, counts=COUNTS, meta=_verl(["/data/math/train.parquet"]))
    assert d.reward == MATH
    assert "tied on every rule with" in d.reward_reason
    assert "config.data.train_files[0]" in d.reward_reason
    assert "gsm8k matches no training file" in d.reward_reason


def test_tie_broken_by_the_order_of_the_training_files():
    d = choose(NAMES, counts=COUNTS, meta=_verl(["/data/math/train.parquet", "/data/gsm8k/train.parquet"]))
    assert d.reward == MATH
    assert "earlier-listed training file wins" in d.reward_reason
    d = choose(NAMES, counts=COUNTS, meta=_verl(["/data/gsm8k/train.parquet", "/data/math/train.parquet"]))
    assert d.reward == GSM


@pytest.mark.parametrize(
    ("meta", "why"),
    [
        (None, "name no training data"),
        ({"format": "verl-log"}, "name no training data"),
        (_verl(["/data/dapo17k/train.parquet"]), "none of their data sources"),
        (_verl(["/data/gsm8k_math_mix/train.parquet"]), "all match the same training file"),
    ],
)
def test_tie_that_nothing_breaks_still_raises(meta, why):
    with pytest.raises(MetricError, match="several performance metrics") as exc:
        choose(NAMES, counts=COUNTS, meta=meta)
    assert sorted(exc.value.candidates) == sorted([GSM, MATH])
    assert why in str(exc.value)


def test_tie_break_leaves_untied_choices_alone():
    # a single validation metric: the training data is not consulted
    d = choose(["actor/entropy", MATH], meta=_verl(["/data/gsm8k/train.parquet"]))
    assert d.reward == MATH and "tied" not in d.reward_reason
    assert break_tie([GSM, MATH], _verl(["/x/gsm8k/train.parquet"]))[0] == GSM


def test_wandb_run_folder_keeps_config_and_breaks_the_tie(tmp_path):
    """A W&B run folder (history + config.yaml in verl's layout) end to end through load."""
    pytest.importorskip("yaml")  # the [wandb] extra installs PyYAML; the venv has every extra
    folder = tmp_path / "run-20260101_000000-abc"
    (folder / "files").mkdir(parents=True)
    rows = [{"_step": s, "actor/entropy": 1.0 / (s + 1), GSM: 0.1 * s, MATH: 0.05 * s} for s in range(1, 6)]
    (folder / "files" / "wandb-history.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (folder / "files" / "config.yaml").write_text(
        "_wandb:\n  value:\n    cli_version: 0.21.0\n"
        "data:\n  desc: null\n  value:\n    train_files:\n    - /data/math/train.parquet\n"
    )
    (folder / "files" / "wandb-metadata.json").write_text(json.dumps({"python": "CPython 3.12.0"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = el.load(folder)
    meta = table.attrs["run_meta"][folder.name]
    assert meta["wandb_metadata"] == {"python": "CPython 3.12.0"}
    assert meta["wandb_config"]["data"]["value"]["train_files"] == ["/data/math/train.parquet"]
    er = entropy_reward(table)
    assert er.attrs["metrics"][folder.name] == ("actor/entropy", MATH)
    assert "wandb_config.data.value.train_files[0]" in er.attrs["detection"][folder.name]
