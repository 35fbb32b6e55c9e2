"""One default seed and one resample count everywhere, results reproducible by default.

* Every API function and CLI command that bootstraps takes its ``seed`` / ``n_boot``
  defaults from :mod:`entropy_law._defaults` (read from the signatures and from the click
  parameters, so a literal default reintroduced anywhere fails here).
* The same call twice gives identical output; the CLI and the API give the same numbers
  for the same run with their defaults.
* ``el.fit`` shows its options (no ``**kwargs``); a wide table with a validation column is
  not silently fitted on the training reward; ``dir(entropy_law)`` is clean.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import entropy_law as el
from entropy_law._defaults import N_BOOT, N_BOOT_FLEET, SEED

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_runs" / "csv" / "grpo-baseline.csv"


def _api_functions():
    from entropy_law.checking.result import CheckSettings
    from entropy_law.fitting.bootstrap import linear_draws
    from entropy_law.live.collector import LiveForecaster

    answers = [
        el.fit,
        el.fit_arrays,
        el.forecast,
        el.backtest,
        el.compare,
        el.fit_trajectory,
        el.fit_scaling,
        linear_draws,
    ]
    repeated = [CheckSettings, LiveForecaster]
    return answers, repeated


def test_api_defaults_come_from_one_place():
    answers, repeated = _api_functions()
    for fn in answers + repeated:
        params = inspect.signature(fn).parameters
        want = N_BOOT if fn in answers else N_BOOT_FLEET
        assert params["n_boot"].default == want, fn
        if "seed" in params:
            assert params["seed"].default == SEED, fn
    # the cheaper count is documented as the exception, and is cheaper
    assert N_BOOT_FLEET < N_BOOT


def test_trl_callback_defaults_come_from_one_place():
    pytest.importorskip("transformers", reason="the TRL callback needs the trl extra")
    from entropy_law.integrations.trl import EntropyLawCallback

    params = inspect.signature(EntropyLawCallback).parameters
    assert params["n_boot"].default == N_BOOT_FLEET and params["seed"].default == SEED


def _cli_params():
    import typer.main

    from entropy_law.cli import app

    group = typer.main.get_command(app)
    with group.make_context("entropy-law", ["fit", "--help"], resilient_parsing=True) as ctx:
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            yield name, {p.name: p.default for p in cmd.params}


def test_cli_defaults_come_from_one_place():
    seen = set()
    for name, defaults in _cli_params():
        if "n_boot" not in defaults:
            continue
        seen.add(name)
        if name == "check":  # read from CheckSettings (or pyproject) when not given
            assert defaults["n_boot"] is None and defaults["seed"] is None
            continue
        assert defaults["n_boot"] == (N_BOOT_FLEET if name == "watch" else N_BOOT), name
        if "seed" in defaults:
            assert defaults["seed"] == SEED, name
    assert {"fit", "forecast", "backtest", "compare", "report", "check", "watch"} <= seen


def test_the_same_call_twice_gives_identical_output():
    table = el.load(SAMPLE)
    a, b = el.fit(table), el.fit(table)
    assert a.settings.seed == b.settings.seed == SEED
    assert a.to_dict() == b.to_dict()
    for p in a.draws:
        np.testing.assert_array_equal(a.draws[p], b.draws[p])
    f1, f2 = el.forecast(table, sigmoid=False), el.forecast(table, sigmoid=False)
    assert f1.settings.n_boot == N_BOOT and f1.settings.seed == SEED
    assert json.dumps(f1.to_dict(), sort_keys=True) == json.dumps(f2.to_dict(), sort_keys=True)
    t = np.arange(60.0)
    H = 0.2 + 0.8 * np.exp(-t / 15) + np.random.default_rng(3).normal(0, 0.01, t.size)
    tr1, tr2 = el.fit_trajectory(t, H), el.fit_trajectory(t, H)
    assert tr1.seed == SEED
    np.testing.assert_array_equal(tr1.floor_draws, tr2.floor_draws)
    from entropy_law.fitting.bootstrap import linear_draws

    d1, d2 = linear_draws(np.exp(H), t), linear_draws(np.exp(H), t)
    np.testing.assert_array_equal(d1.slope, d2.slope)


def test_too_few_resamples_are_named_in_the_warnings():
    """UX review item 50: `forecast(..., n_boot=5)` said status ok with no word that five
    resamples make the intervals noise. Below N_BOOT_FLEET the fit (and so a law-based
    forecast) says so; at the fleet count and at the default it does not."""
    table = el.load(SAMPLE)
    note = "resamples: the interval ends are mostly Monte Carlo noise"
    assert any(note in w for w in el.fit(table, n_boot=5).warnings)
    fc = el.forecast(table, n_boot=5, sigmoid=False)
    assert fc.status == "ok" and any("n_boot = 5 " + note in w for w in fc.warnings), fc.warnings
    assert not any(note in w for w in el.fit(table, n_boot=N_BOOT_FLEET).warnings)
    assert not any(note in w for w in el.fit(table).warnings)


def _cli(*args: str):
    from entropy_law.cli import app

    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_api_and_cli_give_the_same_numbers_with_the_defaults():
    table = el.load(SAMPLE)
    api = el.fit(table).to_dict()
    cli = _cli("fit", str(SAMPLE), "--json")["runs"][0]
    assert cli["n_boot"] == api["n_boot"] == N_BOOT and cli["seed"] == api["seed"] == SEED
    assert cli["params"] == api["params"]
    assert cli["ceiling"] == api["ceiling"]

    api_fc = el.forecast(table).to_dict()
    cli_fc = _cli("forecast", str(SAMPLE), "--json")
    cli_fc = cli_fc["runs"][0] if "runs" in cli_fc else cli_fc
    assert cli_fc["n_boot"] == api_fc["n_boot"] == N_BOOT
    for key in ("ceiling", "saturation_step", "at_horizon", "hard_ceiling"):
        assert cli_fc[key] == api_fc[key], key


# ----------------------------------------------------------------------------- el.fit options
def test_fit_shows_every_option():
    params = inspect.signature(el.fit).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    engine = set(inspect.signature(el.fit_arrays).parameters) - {"H", "R", "steps", "law", "run"}
    engine -= {"entropy_name", "reward_name"}  # filled in by fit() from the table
    assert engine <= set(params), sorted(engine - set(params))
    doc = inspect.getdoc(el.fit) or ""
    section = doc.split("Parameters\n----------\n")[1].split("\n\n")[0:]  # up to "Returns"
    section = "\n\n".join(section).split("Returns\n-------")[0]
    documented = set()
    for line in section.splitlines():  # numpydoc: "name : type" or "a, b : type" at column 0
        if line and not line.startswith(" "):
            documented.update(n.strip() for n in line.split(" : ")[0].split(","))
    assert set(params) == documented, sorted(set(params) ^ documented)
    with pytest.raises(TypeError):
        el.fit(el.load(SAMPLE), n_bot=10)  # a typo is an error, not a silently ignored option


# ----------------------------------------------------------------------------- wide tables
def test_wide_table_with_a_validation_column_is_not_fitted_on_the_training_reward(corpus_dir):
    path = corpus_dir / "tidy" / "diqiu_qwen2-7b_math_gpg__qwen2-7b_math.csv"  # 43 val_acc values
    wide = pd.read_csv(path)
    assert {"step", "entropy", "reward", "val_acc"} <= set(wide.columns)
    with pytest.warns(el.DataWarning, match=r"validation column.*'val_acc'.*reward='reward'"):
        res = el.fit(wide)
    loaded = el.fit(el.load(path))
    assert res.settings.reward == "val_acc"
    assert res.ceiling == loaded.ceiling and res.n_points == loaded.n_points
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # naming the metric, either way, is silent
        train = el.fit(wide, reward="reward")
        el.fit(wide, reward="val_acc")
    assert train.n_points == int(wide[["entropy", "reward"]].notna().all(axis=1).sum())
    assert train.ceiling.value != res.ceiling.value
    with pytest.warns(el.DataWarning, match="forecast"):
        fc = el.forecast(wide, sigmoid=False)
    assert fc.settings.reward == "val_acc"
    # an aligned table (what el.entropy_reward returns) is read as it is, silently
    er = el.entropy_reward(el.load(path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert el.fit(er).ceiling == loaded.ceiling


# ----------------------------------------------------------------------------- namespace
def test_top_level_namespace_is_clean():
    import entropy_law.fitting  # noqa: F401  (an imported subpackage may be listed)

    names = set(dir(el))
    for leak in ("annotations", "version", "PackageNotFoundError", "importlib", "sys", "types", "Any"):
        assert leak not in names, leak
        assert not hasattr(el, leak), leak
    assert "__version__" in names and isinstance(el.__version__, str)
    extra = {n for n in names if not n.startswith("__")} - set(el.__all__)
    assert "fitting" in extra  # imported subpackages are listed, as Python lists them
    for name in extra:
        assert getattr(el, name).__name__.startswith("entropy_law."), name
