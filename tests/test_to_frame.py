"""Every result object has ``to_frame()``: a DataFrame whose numbers are the object's own
(issue 12, tables). One test per result type."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import entropy_law as el

SAMPLES = Path(__file__).resolve().parents[1] / "sample_runs" / "csv"  # two runs


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return el.load(SAMPLES)


@pytest.fixture(scope="module")
def forecasts(table) -> dict:
    return el.forecast_each(table, n_boot=40, seed=0)


def _same(value, expected) -> bool:
    return (expected is None and math.isnan(value)) or value == pytest.approx(expected, rel=1e-12)


def test_check_result_to_frame(forecasts) -> None:
    res = el.check(list(forecasts.values()), min_ceiling=0.6)
    df = res.to_frame()
    assert df["run"].tolist() == [r.run for r in res.runs]
    assert df["status"].tolist() == [r.status for r in res.runs]
    for rc, (_, row) in zip(res.runs, df.iterrows()):
        fc = rc.forecast
        assert _same(row["ceiling"], fc["ceiling"]["value"])
        assert _same(row["ceiling_low"], fc["ceiling"]["ci"][0]) and _same(
            row["ceiling_high"], fc["ceiling"]["ci"][1]
        )
        (reason,) = rc.reasons
        assert row["min_ceiling_outcome"] == reason.outcome and row["min_ceiling_threshold"] == 0.6
    # a run that errors still gets its row, with NaN numbers and the message
    broken = el.check(
        pd.DataFrame({"run": ["x"], "step": [1], "metric": ["m"], "value": [0.0]}), min_ceiling=0.5
    )
    row = broken.to_frame().iloc[0]
    assert row["status"] == "error" and row["message"] and math.isnan(row["ceiling"])


def test_trajectory_result_to_frame() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(0.0, 200.0, 4.0)
    H = 0.2 + 1.0 * np.exp(-t / 50) + rng.normal(0, 0.01, t.size)  # planted floor 0.2
    tr = el.fit_trajectory(t, H, n_boot=50, seed=1)
    df = tr.to_frame()
    assert df["family"].tolist() == [f.family for f in tr.families]
    assert df["weight"].tolist() == pytest.approx([f.weight for f in tr.families])
    assert df["weight"].sum() == pytest.approx(1.0)
    assert set(df["floor"]) == {tr.floor.value} and set(df["floor_low"]) == {tr.floor.low}
    assert df.loc[df["family"] == "exp", "aic"].item() == tr.families[0].aic
    assert df["best"].sum() == (1 if tr.best else 0)


def test_scaling_result_to_frame() -> None:
    sizes = np.array([0.5e9, 1.5e9, 3e9, 7e9, 14e9])
    a, b = 0.3 + 0.05 * np.log(sizes / 1e9), 0.9 + 0.08 * np.log(sizes / 1e9)
    res = el.fit_scaling(pd.DataFrame({"size": sizes, "a": a, "b": b}), n_boot=200)
    df = res.to_frame()
    assert df["coefficient"].tolist() == ["alpha_a", "beta_a", "alpha_b", "beta_b"]
    for _, row in df.iterrows():
        e = res.coefficients[row["coefficient"]]
        assert (row["value"], row["low"], row["high"]) == (e.value, *e.ci)
        assert row["scatter"] == res.scatter["tau_" + row["coefficient"][-1]]
    assert df.set_index("coefficient").loc["beta_b", "value"] == pytest.approx(0.08, abs=1e-9)  # exact data


def test_fit_result_to_frame(table) -> None:
    res = el.fit(table[table["run"] == "grpo-baseline"], n_boot=40, seed=0)
    row = res.to_frame().iloc[0]
    assert row["ceiling"] == res.ceiling.value and row["a_low"] == res.params["a"].ci[0]


def test_forecast_result_to_frame(forecasts) -> None:
    res = forecasts["grpo-baseline"]
    row = res.to_frame().iloc[0]
    assert row["run"] == "grpo-baseline" and row["step"] == res.settings.upto_step
    assert row["verdict"].startswith(res.verdict)


def test_comparison_to_frame(forecasts) -> None:
    cmp = el.compare(forecasts, baseline="grpo-baseline")
    df = cmp.to_frame()
    assert len(df) == len(cmp.differences)
    for d, (_, row) in zip(cmp.differences, df.iterrows()):
        assert (row["quantity"], row["difference"], row["verdict"]) == (d.quantity, d.value, d.verdict)


def test_backtest_rows_and_their_aggregate(table) -> None:
    rows = el.backtest_many(table, (0.5,), n_boot=40)  # backtest results are frames already
    agg = el.backtest_summary(rows)
    assert list(agg["fraction"]) == [0.5, "all"]
    assert agg.iloc[-1]["median_abs_error"] == pytest.approx(float(np.median(np.abs(rows["error"]))))
