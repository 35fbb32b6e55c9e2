"""``--csv`` / ``--parquet`` of fit, forecast, backtest and compare, and the backtest
aggregate (issue 12, tables): the files are read back and compared with ``--json``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from entropy_law.cli import app
from entropy_law.forecasting.backtest_summary import summarise_backtest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_runs" / "csv"  # two runs
RUNS = ["grpo-baseline", "grpo-entropy-bonus"]


def _run(args: list[str]):
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    return res, res.stdout, res.stderr


def _both(tmp_path: Path, args: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    csv, pq = tmp_path / "t.csv", tmp_path / "t.parquet"
    res, out, err = _run([*args, "--json", "--csv", str(csv), "--parquet", str(pq)])
    assert res.exit_code == 0, err
    assert f"wrote {csv}" in err and f"wrote {pq}" in err
    return pd.read_csv(csv), pd.read_parquet(pq), json.loads(out)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    # CSV drops dtypes (an empty text reads back as NaN); the values must agree
    assert list(a.columns) == list(b.columns)

    def text_blank(df: pd.DataFrame) -> pd.DataFrame:
        return df.apply(lambda c: c.astype(object).fillna("") if c.dtype == object or c.isna().all() else c)

    pd.testing.assert_frame_equal(text_blank(a), text_blank(b), check_dtype=False, rtol=1e-12)


def test_fit_exports_one_row_per_run(tmp_path: Path) -> None:
    c, p, doc = _both(tmp_path, ["fit", str(SAMPLES), "--n-boot", "50", "--seed", "0"])
    _same(c, p)
    assert c["run"].tolist() == RUNS
    for rec, (_, row) in zip(doc["runs"], c.iterrows()):
        assert row["ceiling"] == pytest.approx(rec["ceiling"]["value"], rel=1e-12)
        assert [row["a_low"], row["a_high"]] == pytest.approx(rec["params"]["a"]["ci"], rel=1e-12)


def test_forecast_exports_numbers_not_text(tmp_path: Path) -> None:
    c, p, doc = _both(tmp_path, ["forecast", str(SAMPLES), "--n-boot", "50"])
    _same(c, p)
    assert c["run"].tolist() == RUNS
    for rec, (_, row) in zip(doc["runs"], c.iterrows()):
        assert row["verdict"] == rec["verdict"] and row["step"] == rec["fitted_upto_step"]
        assert row["plateau"] == pytest.approx(rec["ceiling"]["value"], rel=1e-12)
        assert [row["plateau_low"], row["plateau_high"]] == pytest.approx(rec["ceiling"]["ci"], rel=1e-12)
        assert row["gain"] == pytest.approx(rec["expected_gain"]["value"], rel=1e-12)
        # the text's 'not claimed' is a column, so a CSV reader does not take the level for a plateau
        unclaimed = ("no plateau claimed", "the law claims no ceiling")
        assert bool(row["plateau_claimed"]) == (not any(u in rec["headline"] for u in unclaimed))


def test_forecast_export_keeps_failed_runs(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    res, out, err = _run(["forecast", str(SAMPLES), "--reward", "no_such_metric", "--csv", str(csv)])
    assert res.exit_code == 2  # no run could be forecast; the table still says why
    rows = pd.read_csv(csv)
    assert rows["run"].tolist() == RUNS and set(rows["status"]) == {"error"}
    assert rows["message"].str.contains("no_such_metric").all()


def test_backtest_exports_one_row_per_cut_and_aggregates(tmp_path: Path) -> None:
    args = ["backtest", str(SAMPLES), "--fractions", "0.25,0.5", "--n-boot", "50"]
    c, p, doc = _both(tmp_path, args)
    _same(c, p)
    assert len(c) == 4 and sorted(set(c["fraction"])) == [0.25, 0.5]
    assert c["error"].tolist() == pytest.approx([r["error"] for r in doc["rows"]], rel=1e-12)
    agg = {a["fraction"]: a for a in doc["aggregate"]}
    assert set(agg) == {0.25, 0.5, "all"}
    # the aggregate is the rows' own medians, wins and coverage
    err = np.abs(c["error"].to_numpy())
    assert agg["all"]["median_abs_error"] == pytest.approx(float(np.median(err)), rel=1e-12)
    lv = np.abs(c["last_value_error"].to_numpy())
    assert agg["all"]["wins_vs_last_value"] == int((err < lv).sum()) and agg["all"]["n_vs_last_value"] == 4
    assert agg["all"]["coverage"] == pytest.approx(c["covered"].astype(float).mean())
    text = _run(args)[1]
    assert "aggregate (median |error|" in text
    last = text.strip().splitlines()[-1].split()
    assert last[0] == "all" and last[1] == "4", text  # the all-cuts row closes the table


def test_compare_exports_one_row_per_run_and_quantity(tmp_path: Path) -> None:
    c, p, doc = _both(tmp_path, ["compare", str(SAMPLES), "--n-boot", "50", "--baseline", RUNS[0]])
    _same(c, p)
    assert set(c["run"]) == {RUNS[1]} and set(c["baseline"]) == {RUNS[0]}
    assert len(c) == len(doc["differences"])
    for d, (_, row) in zip(doc["differences"], c.iterrows()):
        assert row["quantity"] == d["quantity"] and row["verdict"] == d["verdict"]


@pytest.mark.parametrize("command", ["fit", "forecast", "backtest", "compare"])
@pytest.mark.parametrize("option", ["--csv", "--parquet"])
def test_export_path_checked_before_work(command: str, option: str, tmp_path: Path) -> None:
    res, out, err = _run([command, str(SAMPLES), option, str(tmp_path / "missing" / "t.csv")])
    assert res.exit_code == 2 and option in err and "does not exist" in err, err
    assert "Traceback" not in err and out == ""  # nothing forecast before the check


# -- the aggregate, on rows with known answers -------------------------------------------------
def test_summarise_backtest_known_rows() -> None:
    rows = pd.DataFrame(
        {
            "run": ["a", "b", "c", "a", "b", "c", "d"],
            "fraction": [0.25] * 3 + [0.5] * 3 + [0.5],
            "status": ["ok"] * 6 + ["error"],
            "error": [0.1, -0.3, 0.2, 0.05, np.nan, -0.01, 9.0],
            "last_value_error": [-0.2, 0.1, 0.4, -0.1, 0.2, 0.02, 9.0],
            "sigmoid_error": [np.nan, np.nan, 0.1, 0.2, 0.3, 0.005, 9.0],
            "covered": [True, False, True, True, np.nan, True, True],
            "saturation_error": [10.0, -30.0, np.inf, 5.0, 7.0, -1.0, 0.0],
        }
    )
    agg = summarise_backtest(rows).set_index("fraction")
    q = agg.loc[0.25]
    assert q["n"] == 3 and q["median_abs_error"] == pytest.approx(0.2)
    assert q["median_abs_error_last_value"] == pytest.approx(0.2)
    assert (q["wins_vs_last_value"], q["n_vs_last_value"]) == (2, 3)  # 0.1<0.2, 0.3>0.1, 0.2<0.4
    assert (q["wins_vs_sigmoid"], q["n_vs_sigmoid"]) == (0, 1)  # only c has a sigmoid
    assert q["coverage"] == pytest.approx(2 / 3) and q["n_coverage"] == 3
    assert q["median_abs_saturation_error"] == pytest.approx(20.0)  # inf left out
    h = agg.loc[0.5]  # the error row of run d is left out; b's NaN error is not a cut scored
    assert h["n"] == 2 and h["median_abs_error"] == pytest.approx(0.03)
    assert (h["wins_vs_last_value"], h["n_vs_last_value"]) == (2, 2)
    assert (h["wins_vs_sigmoid"], h["n_vs_sigmoid"]) == (1, 2)
    assert h["coverage"] == 1.0 and h["n_coverage"] == 2
    a = agg.loc["all"]
    assert a["n"] == 5 and a["median_abs_error"] == pytest.approx(0.1)  # of 0.01, 0.05, 0.1, 0.2, 0.3
    assert (a["wins_vs_last_value"], a["n_vs_last_value"]) == (4, 5)


def test_summarise_backtest_given_entropy_rows_and_empty() -> None:
    rows = pd.DataFrame(
        {
            "run": ["a", "b"],
            "fraction": [0.5, 0.5],
            "status": ["ok", "ok"],
            "rmse": [0.02, 0.04],
            "final_error": [-0.01, 0.05],
        }
    )
    agg = summarise_backtest(rows).set_index("fraction")
    assert agg.loc["all", "median_rmse"] == pytest.approx(0.03)
    assert agg.loc["all", "median_abs_final_error"] == pytest.approx(0.03)
    assert summarise_backtest(pd.DataFrame()).empty
    only_errors = pd.DataFrame({"run": ["a"], "status": ["error"], "message": ["x"]})
    assert summarise_backtest(only_errors).empty
    assert math.isnan(
        summarise_backtest(rows.assign(rmse=np.nan)).set_index("fraction").loc["all", "median_rmse"]
    )


def test_parquet_keeps_booleans_with_gaps_and_numbers(tmp_path: Path) -> None:
    from entropy_law.cli.export import write_exports

    # backtest's `covered` is True/False, or NaN where the interval is not finite
    df = pd.DataFrame({"covered": [True, np.nan, False], "error": [0.1, None, -0.2], "run": ["a", "b", None]})
    df = df.astype(object)
    assert write_exports(df, None, tmp_path / "t.parquet") == []
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert back["covered"].tolist()[::2] == [True, False] and pd.isna(back["covered"][1])
    assert back["error"].dtype == float and back["error"].tolist()[::2] == [0.1, -0.2]


def test_backtest_given_entropy_aggregate() -> None:
    args = ["backtest", str(SAMPLES), "--fractions", "0.5", "--given-entropy"]
    doc = json.loads(_run([*args, "--json"])[1])
    (half, total) = doc["aggregate"]
    assert half["fraction"] == 0.5 and total["fraction"] == "all" and total["n"] == 2
    rmse = sorted(r["rmse"] for r in doc["rows"])
    assert total["median_rmse"] == pytest.approx(sum(rmse) / 2)  # median of two
    assert "aggregate (median RMSE" in _run(args)[1]


def test_forecast_export_marks_an_unclaimed_plateau(tmp_path: Path) -> None:
    # at 25% the sample runs are too early: the text said 'not claimed' while the CSV's
    # plateau column held the current level with nothing to tell them apart
    csv = tmp_path / "t.csv"
    res, out, err = _run(
        ["forecast", str(SAMPLES), "--upto-fraction", "0.25", "--n-boot", "50", "--csv", str(csv)]
    )
    assert res.exit_code == 0, err
    rows = pd.read_csv(csv)
    assert not rows["plateau_claimed"].any()
    assert out.count("not claimed") == len(rows)
