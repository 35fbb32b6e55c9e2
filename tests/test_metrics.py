"""Metric auto-detection for verl, TRL and OpenRLHF keys, and its errors."""

import pytest

from entropy_law.errors import MetricError
from entropy_law.table.metrics import detect


@pytest.mark.parametrize(
    "names, expected",
    [
        (
            ["actor/entropy", "critic/score/mean", "val-core/openai/gsm8k/reward/mean@1"],
            ("actor/entropy", "val-core/openai/gsm8k/reward/mean@1"),
        ),
        (
            ["actor/entropy_loss", "critic/score/mean", "val/test_score/openai/gsm8k"],
            ("actor/entropy_loss", "val/test_score/openai/gsm8k"),
        ),
        (["actor/entropy", "critic/score/mean"], ("actor/entropy", "critic/score/mean")),
        (["entropy", "reward", "reward_std"], ("entropy", "reward")),  # TRL
        (["train/entropy", "train/reward", "eval/reward"], ("train/entropy", "eval/reward")),
        (
            ["train/entropy_loss", "train/reward", "eval/eval_gsm8k_pass1"],  # OpenRLHF
            ("train/entropy_loss", "eval/eval_gsm8k_pass1"),
        ),
        (
            ["actor/entropy", "val-core/openai/gsm8k/reward/mean_at_1"],  # verl -> MLflow
            ("actor/entropy", "val-core/openai/gsm8k/reward/mean_at_1"),
        ),
    ],
)
def test_detects_framework_keys(names, expected):
    assert detect(names) == expected


def test_verl_mean_at_n_wins_over_best_and_maj():
    names = [
        "actor/entropy",
        "val-core/math_dapo/acc/best@32/mean",
        "val-core/math_dapo/acc/maj@32/mean",
        "val-core/math_dapo/acc/mean@32",
    ]
    assert detect(names)[1] == "val-core/math_dapo/acc/mean@32"


def test_kind_train_prefers_training_reward():
    names = ["actor/entropy", "critic/score/mean", "val-core/openai/gsm8k/reward/mean@1"]
    assert detect(names, kind="train") == ("actor/entropy", "critic/score/mean")


def test_ambiguous_validation_lists_candidates():
    names = ["actor/entropy", "val-core/a/acc/mean@1", "val-core/b/acc/mean@1"]
    with pytest.raises(MetricError, match="several performance metrics") as exc:
        detect(names)
    assert exc.value.candidates == ["val-core/a/acc/mean@1", "val-core/b/acc/mean@1"]


def test_missing_entropy_lists_known_keys():
    with pytest.raises(MetricError, match="could not tell which metric is the policy entropy"):
        detect(["loss", "critic/score/mean"])


def test_explicit_key_missing_suggests_closest():
    with pytest.raises(MetricError, match="Did you mean 'actor/entropy'"):
        detect(["actor/entropy", "critic/score/mean"], entropy="actor/entropyy")


def test_explicit_override_wins():
    names = ["actor/entropy", "critic/score/mean", "critic/rewards/mean"]
    assert detect(names, reward="critic/rewards/mean") == ("actor/entropy", "critic/rewards/mean")
