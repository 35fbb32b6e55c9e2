"""Metric auto-detection for verl, TRL and OpenRLHF keys, and its errors."""

import pytest

from entropy_law.errors import MetricError
from entropy_law.table.metrics import choose, detect


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


def test_logged_throughout_beats_logged_once_and_says_why():
    """verl ReTool: val-core only at step 0, val-aux every 10 steps."""
    names = [
        "actor/entropy",
        "critic/score/mean",
        "val-core/aime_2024/acc/mean@16",
        "val-aux/aime_2024/reward/mean@16",
        "val-aux/aime_2024/score/mean@16",
    ]
    counts = {"actor/entropy": 200, "critic/score/mean": 200, "val-core/aime_2024/acc/mean@16": 1}
    counts |= {"val-aux/aime_2024/reward/mean@16": 20, "val-aux/aime_2024/score/mean@16": 20}
    d = choose(names, counts=counts)
    assert d.reward == "val-aux/aime_2024/reward/mean@16"
    assert (
        "logged throughout the run" in d.reward_reason and "val-core/aime_2024/acc/mean@16" in d.reward_reason
    )
    # without counts the old rule holds: the val-core key wins
    assert detect(names) == ("actor/entropy", "val-core/aime_2024/acc/mean@16")


def test_sparse_validation_gives_way_to_training_reward():
    names = ["entropy", "reward", "eval_reward"]
    d = choose(names, counts={"entropy": 50, "reward": 50, "eval_reward": 1})
    assert d.reward == "reward" and "eval_reward" in d.reward_reason


@pytest.mark.parametrize(
    "names, expected",
    [
        (["entropy", "reward", "eval_reward", "eval_rewards/acc/mean"], "eval_reward"),  # TRL eval
        (
            [
                "train/token_entropy",
                "rollout/reward",
                "eval/reward",
                "eval/answer_accuracy",
                "eval/format_accuracy",
            ],
            "eval/answer_accuracy",
        ),  # typed JSON lines
        (["optim/entropy", "env/all/reward/total", "test/env/all/reward/total"], "test/env/all/reward/total"),
        (["entropy_avg", "reward_avg", "eval_acc"], "eval_acc"),
    ],
)
def test_new_framework_keys(names, expected):
    assert choose(names).reward == expected


def test_percent_accuracy_is_bounded_by_name_and_range():
    from entropy_law.fitting.diagnostics import resolve_bounds

    assert resolve_bounds("auto", [15.6, 41.6], name="eval_acc") == (0.0, 100.0)
    assert resolve_bounds("auto", [15.6, 41.6], name="response_length") is None
    assert resolve_bounds("auto", [15.6, 141.6], name="eval_acc") is None
    assert resolve_bounds("auto", [0.1, 0.4], name="eval_acc") == (0.0, 1.0)
    assert resolve_bounds((0, 50), [15.6], name="eval_acc") == (0.0, 50.0)
