"""forecast --x KEY: the saturation point in the units of a logged compute column."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from entropy_law.cli import app
from entropy_law.forecasting.compute_axis import compute_axis
from entropy_law.table.tidy import make_long


def _run_csv(tmp_path, rng, tokens_per_step=1500.0):
    s = np.arange(1, 151)
    h = 0.2 + 0.8 * np.exp(-s / 30)
    r = 1.7 - 0.7 * np.exp(h) + rng.normal(0, 0.01, s.size)
    df = pd.DataFrame({"step": s, "entropy": h, "reward": r, "num_tokens": tokens_per_step * s})
    p = tmp_path / "run.csv"
    df.to_csv(p, index=False)
    return p


@pytest.mark.slow
def test_forecast_reports_saturation_in_units_of_x(tmp_path):
    rng = np.random.default_rng(21)
    p = _run_csv(tmp_path, rng)
    runner = CliRunner()
    res = runner.invoke(
        app, ["forecast", str(p), "--x", "num_tokens", "--json", "--n-boot", "60", "--upto-step", "60"]
    )
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)["runs"][0]
    comp, sat = rec["compute"], rec["saturation_step"]
    assert comp["key"] == "num_tokens"
    # tokens grow by exactly 1500 per step, so every step quantity maps to 1500 x step,
    # inside the logged range (interpolation) and beyond it (extrapolation at that rate)
    assert comp["fitted_upto"] == pytest.approx(1500 * 60, rel=1e-12)
    assert comp["horizon"] == pytest.approx(1500 * rec["horizon_step"], rel=1e-12)
    assert math.isfinite(sat["value"])
    assert comp["saturation"]["value"] == pytest.approx(1500 * sat["value"], rel=1e-9)
    for got, want in zip(comp["saturation"]["ci"], sat["ci"]):
        assert (got is None) if want is None else got == pytest.approx(1500 * want, rel=1e-9)  # None = inf
    text = runner.invoke(app, ["forecast", str(p), "--x", "num_tokens", "--n-boot", "40", "-v"])
    assert text.exit_code == 0 and "saturation at" in text.stdout and "num_tokens" in text.stdout


def test_per_step_amount_is_summed_and_extrapolated():
    # verl's perf/total_num_tokens is the tokens of one batch: it goes up and down
    per_step = np.array([100.0, 120.0, 90.0, 110.0])
    t = make_long("r", [1, 2, 3, 4], "perf/total_num_tokens", per_step)
    ax = compute_axis(t, "perf/total_num_tokens")
    assert "summed" in ax.rule
    assert ax(2) == 220.0 and ax(2.5) == 265.0
    assert ax(6) == pytest.approx(420.0 + 2 * 110.0)  # last two points: rate 110 per step
    assert ax(math.inf) == math.inf
    assert any("extrapolated" in n for n in ax.notes(6.0))


def test_unknown_x_key_names_the_closest(tmp_path):
    rng = np.random.default_rng(2)
    p = _run_csv(tmp_path, rng)
    res = CliRunner().invoke(app, ["forecast", str(p), "--x", "num_token", "--n-boot", "20"])
    assert "num_tokens" in res.output
