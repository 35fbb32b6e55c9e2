"""What users read in text output: no ``nan``/``inf`` tokens, aligned tables, readable gains."""

import math

from typer.testing import CliRunner

from entropy_law.cli import app
from entropy_law.fitting.results import Estimate


def test_missing_estimate_reads_na_not_nan():
    # The -v detail of a last-value forecast printed 'law ceiling  nan [nan, nan]'.
    assert str(Estimate(math.nan, (math.nan, math.nan), 0.9)) == "n/a"


def test_infinite_interval_end_reads_unbounded():
    # A saturation step beyond the search grid printed '280 [220, inf]'.
    assert str(Estimate(280.0, (220.0, math.inf), 0.9)) == "280 [220, unbounded]"
    assert "nan" not in str(Estimate(1.0, (math.nan, 2.0), 0.9))


def _sample_forecast():
    from conftest import REPO

    import entropy_law as el

    table = el.load(REPO / "sample_runs" / "csv" / "grpo-baseline.csv")
    return el.forecast(table, n_boot=40, seed=0)


def test_summary_table_left_aligns_run_names_and_verdicts():
    # Long run names were right-aligned by DataFrame.to_string, pushing every row ~100
    # columns to the right (seen on ../shared/corpus with 100-character run names).
    import dataclasses

    from entropy_law.forecasting.headline import summary_table

    res = _sample_forecast()
    long = dataclasses.replace(res, run="a-much-longer-run-name/with/folders/in/it")
    lines = summary_table([res, long]).splitlines()
    assert lines[0].startswith("run ")
    assert lines[1].startswith(res.run + " ")  # the short name starts at column 0
    assert lines[2].startswith(long.run + " ")
    assert all(not ln.endswith(" ") for ln in lines)


def test_gain_uses_the_levels_precision_not_scientific_notation():
    # A TRL console reward of 2.2 printed a gain of '+1.255e-09'; a -0.63 level '+0.0001511'.
    import dataclasses

    from entropy_law.forecasting.headline import _fmt_gain

    res = dataclasses.replace(_sample_forecast(), bounds=None, last_value=2.2)
    assert _fmt_gain(res, 1.255e-09) == "+0.000"
    assert _fmt_gain(res, -1e-9) == "+0.000"  # no '-0.000', which reads as a drop
    assert _fmt_gain(dataclasses.replace(res, last_value=-0.6349), 1.511e-4) == "+0.0002"
    assert _fmt_gain(dataclasses.replace(res, last_value=33.0), 0.0) == "+0.00"
    assert _fmt_gain(dataclasses.replace(res, bounds=(0.0, 1.0)), 0.0374) == "+0.037"


def test_a_sigmoid_only_plateau_says_whose_it_is():
    # ../shared/corpus/raw/bihan_qwen2.5-7b_gsm8k_ppo_resumed (entropy_controlled, method
    # sigmoid) printed 'unforecastable: entropy held up ..., so no ceiling is implied; ...;
    # plateau 0.878 [0.873, 0.880]': a ceiling right after saying there is none.
    import dataclasses

    from entropy_law.forecasting.headline import headline, summary_row

    res = _sample_forecast()
    assert res.method != "sigmoid" and "sigmoid" not in headline(res)
    sig = dataclasses.replace(res, method="sigmoid")
    assert "; sigmoid plateau " in headline(sig)
    assert summary_row(sig)["plateau"].endswith(" (sigmoid)")
    assert not summary_row(res)["plateau"].endswith(" (sigmoid)")


def test_watch_names_the_unfollowable_path_plainly(tmp_path):
    # it printed "no followable log under [PosixPath('/.../exp1a__rho0.10_seed42.log')]"
    log = tmp_path / "notes.txt"
    log.write_text("nothing to follow here\n")
    res = CliRunner().invoke(app, ["watch", str(log), "--once"])
    assert "PosixPath" not in res.output and f"no followable log under {log}" in res.output, res.output


def test_a_floor_at_its_lower_bound_reads_zero():
    # verdicts printed 'entropy has covered 74% of the way to its floor 1e-09' and the detail
    # 'entropy floor 1e-09 [0, 0.0662]' (the trajectory fit's lower bound, i.e. no floor)
    from types import SimpleNamespace

    import numpy as np

    from entropy_law.forecasting.result import _floor_text
    from entropy_law.forecasting.verdict import _entropy_spent

    traj = SimpleNamespace(regime="decaying", floor=Estimate(1e-9, (0.0, 0.0662), 0.9))
    _, why = _entropy_spent(np.linspace(1.0, 0.2, 40), traj)
    assert why.endswith("of the way to its floor ~0") and "e-0" not in why, why
    assert _floor_text(traj.floor) == "~0 [0, 0.0662]"
    assert _floor_text(Estimate(0.0379, (0.0198, 0.0432), 0.9)) == "0.0379 [0.0198, 0.0432]"


def test_backtest_text_says_na_not_nan():
    # 'backtest' printed 'sigmoid_error NaN' per cut and 'sigmoid NaN' in the aggregate for
    # cuts too early to fit a sigmoid (q3b_fsdp_base at 10%)
    import pandas as pd

    from entropy_law.cli.backtest_cmd import _backtest_text

    df = pd.DataFrame(
        {"run": ["r"], "fraction": [0.1], "upto_step": [10], "status": ["insufficient_data"],
         "realised": [0.87], "forecast": [0.86], "covered": [True], "error": [-0.018],
         "last_value_error": [-0.018], "sigmoid_error": [math.nan]}
    )  # fmt: skip
    agg = pd.DataFrame({"fraction": ["all"], "median_abs_error_sigmoid": [math.nan]})
    text = _backtest_text(df, agg)
    assert "NaN" not in text and "nan" not in text and "n/a" in text, text


def test_a_last_value_forecast_states_no_gain():
    # exp1a__rho5.00_seed43 (sun TRL rho sweep; entropy_controlled, method last_value: 'the
    # forecast is the current level') printed 'no plateau claimed; gain to step 400 +0.075'
    import dataclasses

    from entropy_law.fitting.results import Estimate
    from entropy_law.forecasting.headline import headline, summary_row

    res = _sample_forecast()
    lv = dataclasses.replace(
        res, status="entropy_controlled", method="last_value", verdict="degrading",
        expected_gain=Estimate(0.075, (-0.478, 0.075), 0.9),
    )  # fmt: skip
    assert "gain to step" not in headline(lv) and "no plateau claimed" in headline(lv)
    assert summary_row(lv)["gain"] == "n/a"
    assert "gain to step" in headline(res)  # a claimed forecast keeps its gain
    # judged plateaued without a claimed ceiling (TRL rho 5.0, seed 42, at step 50): the line
    # read 'plateaued; now 0.675 at step 50; no plateau claimed'
    # judged plateaued while the law's ceiling is reached only after the horizon (CS336
    # focused_e2_tb128 at 50%: 'plateaued; now 0.844; plateau 0.954'): named as the law's limit
    late = dataclasses.replace(
        res, verdict="plateaued", saturation_step=Estimate(math.inf, (75.0, math.inf), 0.9)
    )
    line = headline(late)
    assert "the law's limit" in line and "plateau " not in line.replace("plateaued", "")
    assert "beyond the searched steps, after the horizon" in line
    # an improving run whose plateau lies after the horizon keeps the word (step 321 > 240)
    assert res.verdict == "improving" and res.saturation_step.value > res.settings.horizon
    assert "; plateau 0." in headline(res) and "the law's limit" not in headline(res)
    flat = headline(dataclasses.replace(lv, verdict="plateaued"))
    assert flat.split(": ", 1)[1].startswith("plateaued;")
    assert "no plateau claimed" not in flat and "flat at the current level" in flat


def test_budget_phrase_has_no_scientific_notation():
    # the HTML report of the sun TRL rho sweep read '+3.02e-17 [-0.00132, 5.34e-05] left in the law'
    from entropy_law.forecasting.budget import EntropyBudget

    b = EntropyBudget(
        H0=0.8, H_now=0.1001, H_inf=Estimate(0.1, (0.05, 0.12), 0.9), fraction_spent=1.0,
        upside=Estimate(3.02e-17, (-0.00132, 5.34e-05), 0.9), step_95=4240.0,
    )  # fmt: skip
    assert (
        b.phrase() == "entropy 100% spent; +0.0000 [-0.0013, 0.0001] left in the law; 95% spent by step 4240"
    )
    big = EntropyBudget(0.8, 0.3, b.H_inf, 0.7, Estimate(1.8, (0.9, 2.5), 0.9), 900.0)
    assert "+1.8 [0.9, 2.5] left in the law" in big.phrase()


def test_watch_gain_has_no_scientific_notation():
    # watch --once on the verl 0.5B log printed 'gain +4.71e-11' for a plateaued run
    from entropy_law.cli.watch_cmd import _f, _gain

    assert _gain(4.71e-11) == "+0.0000" and _gain(-1e-9) == "+0.0000"
    assert _gain(0.0123) == "+0.0123" and _gain(-2.5) == "-2.5"
    assert _f(math.inf, ".0f") == "unbounded"


def test_rebounding_entropy_run_claims_no_floor_and_names_its_trend(corpus_dir):
    """A TRL run whose entropy falls then rises (0.14 -> 0.07 -> 0.33) while its reward keeps
    climbing: the fallback's detail printed 'entropy floor 152.5' (a floor fitted to a
    trajectory that does not decay) and 'ceiling 1', and called a trend-extrapolated value
    'the current level'."""
    import warnings

    import entropy_law as el

    log = corpus_dir / "raw" / "sun_trl_grpo_rho_sweep_gsm8k" / "exp1a__rho5.00_seed43.log"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = el.forecast(el.load(log), n_boot=60, seed=0)
    assert res.status == "entropy_controlled" and res.method == "last_value"
    assert res.trajectory.regime != "decaying"
    assert math.isnan(res.entropy_floor.value)
    text = res.report()
    assert "entropy floor    n/a" in text
    assert "ceiling          n/a" in text
    lvl_moved = not math.isclose(res.at_horizon.value, res.last_value)
    # the words follow what was done: a value moved by the damped trend says so
    assert ("with its recent trend, damped" in res.message) == lvl_moved
