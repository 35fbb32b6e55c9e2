"""Entropy by group: the key rule, and the flag on simulated runs with planted groups."""

from __future__ import annotations

import json

import numpy as np
import pytest

import entropy_law as el
from entropy_law.errors import MetricError
from entropy_law.forecasting.groups import entropy_by_group
from entropy_law.simulate import simulate
from entropy_law.table.entropy_groups import group_keys, resolve_groups

# planted: 'planning' (20% of the prompts) gets an entropy bonus that raises its entropy
# to near log(vocab) while 'math' collapses; the global entropy still falls by about half
PLANTED = dict(groups=("math", "planning"), group_share=(0.8, 0.2), group_entropy_coef=(0.0, 0.3))


def test_group_keys_rule():
    names = [
        "actor/entropy",
        "actor/entropy_loss",  # a global key (verl <= 0.4), not a group 'loss'
        "actor/entropy_coef",  # a coefficient
        "train_entropy/all",  # the fork's global key
        "train_entropy/math",
        "train_entropy/openai/gsm8k",  # verl data sources carry a slash
        "train_entropy/std",  # a statistic of the fork's entropy_statistics
        "train_entropy/p95",
        "actor/entropy/planning_tokens",
        "actor/execution_entropy",
        "val/entropy_math",  # evaluation entropy is not a training group
        "critic/score/mean",
    ]
    assert group_keys(names, "actor/entropy") == {
        "math": "train_entropy/math",
        "openai/gsm8k": "train_entropy/openai/gsm8k",
        "planning": "actor/entropy/planning_tokens",
        "execution": "actor/execution_entropy",
    }
    # TRL-style bare keys: entropy_<g> and <g>_entropy, but not entropy_avg
    assert group_keys(["entropy", "entropy_avg", "entropy_planning", "execution_entropy"], "entropy") == {
        "planning": "entropy_planning",
        "execution": "execution_entropy",
    }
    assert group_keys(["actor/entropy", "critic/score/mean"], "actor/entropy") == {}


def test_resolve_groups_explicit_and_errors():
    names = ["actor/entropy", "train_entropy/math", "my/plan_H"]
    assert resolve_groups(None, names, "actor/entropy") == {}
    assert resolve_groups(["my/plan_H"], names, "actor/entropy") == {"my/plan_H": "my/plan_H"}
    assert resolve_groups({"plan": "my/plan_H"}, names, "actor/entropy") == {"plan": "my/plan_H"}
    with pytest.raises(MetricError, match=r"\['nope'\] not logged.*train_entropy/math"):
        resolve_groups(["nope"], names, "actor/entropy")
    with pytest.raises(MetricError, match="'auto', None"):
        resolve_groups("all", names, "actor/entropy")


def test_flag_rules_on_crafted_series():
    rng = np.random.default_rng(4)
    t = np.arange(1, 101)
    falling = 0.1 + 0.9 * np.exp(-t / 25) + 0.01 * rng.standard_normal(t.size)
    flat = 1.0 + 0.01 * rng.standard_normal(t.size)
    eg = entropy_by_group({"a": ("k/a", t, falling), "b": ("k/b", t, flat)}, t, falling, n_boot=30, seed=0)
    assert eg is not None and eg.flagged and eg.exploring == ("b",)
    by = {g.name: g for g in eg.groups}
    assert by["a"].regime == "decaying" and by["a"].fraction_spent > 0.9 and not by["a"].exploring
    assert by["b"].regime == "flat" and np.isnan(by["b"].floor.value)  # no floor where nothing decays
    # a flat group of fewer than MIN_GROUP_POINTS points cannot raise the flag
    few = entropy_by_group({"b": ("k/b", t[:8], flat[:8])}, t, falling, n_boot=0)
    assert few is not None and not few.flagged
    # a global entropy that is itself held up is not a hidden collapse
    held = entropy_by_group({"b": ("k/b", t, flat)}, t, flat, n_boot=0)
    assert held is not None and not held.flagged and held.global_regime == "flat"
    assert entropy_by_group({}, t, falling) is None


@pytest.fixture(scope="module")
def planted_forecast():
    return el.forecast(simulate(seed=0, **PLANTED), upto_fraction=0.5, n_boot=100)


def test_planted_hidden_exploration_is_flagged(planted_forecast):
    fc = planted_forecast
    eg = fc.entropy_groups
    by = {g.name: g for g in eg.groups}
    assert eg.global_regime == "decaying"
    assert by["math"].regime == "decaying" and not by["math"].exploring
    assert by["planning"].regime in ("rising", "rebounding") and by["planning"].exploring
    assert eg.flagged and eg.exploring == ("planning",)
    assert "not in planning" in fc.headline()
    d = json.loads(json.dumps(fc.to_dict()))  # JSON-safe
    assert d["entropy_groups"]["hidden_exploration"] is True
    assert [g["name"] for g in d["entropy_groups"]["groups"]] == ["math", "planning"]
    assert "HIDDEN EXPLORATION" in str(fc) and "train_entropy/planning" in str(fc)


def test_groups_that_all_collapse_are_not_flagged():
    df = simulate(seed=1, groups=("math", "code"))
    fc = el.forecast(df, n_boot=50)
    eg = fc.entropy_groups
    assert [g.regime for g in eg.groups] == ["decaying", "decaying"]
    assert not eg.flagged and eg.exploring == ()
    assert "not in" not in fc.headline()
    assert el.forecast(df, n_boot=50, groups=None).entropy_groups is None


def test_runs_without_groups_carry_none():
    fc = el.forecast(simulate(seed=0, n_steps=60), n_boot=30)
    assert fc.entropy_groups is None and fc.to_dict()["entropy_groups"] is None


def test_group_trajectory_recovers_a_planted_floor_in_a_flagged_run():
    """Planted: an exact entropy floor of 0.3 nats for every token, and the planning group's
    bonus. The collapsing group's own trajectory finds the floor; the rising group has none."""
    for seed in (0, 1):
        df = simulate(seed=seed, entropy_floor=0.3, lr=0.5, n_steps=400, **PLANTED)
        eg = el.forecast(df, n_boot=60).entropy_groups
        by = {g.name: g for g in eg.groups}
        # 0.04 nats: the learner's own residual entropy on top of the floor and the fit's
        # extrapolation (observed 0.28-0.30)
        assert abs(by["math"].floor.value - 0.3) < 0.04, by["math"]
        assert by["math"].fraction_spent > 0.9  # observed 0.94-0.98 after 400 steps
        assert by["planning"].exploring and np.isnan(by["planning"].floor.value)
        assert eg.flagged
