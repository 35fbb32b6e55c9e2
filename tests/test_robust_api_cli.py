"""Regression tests for fuzz-report defects D1, D12, D13 and D16 (../shared/reliability).

Each test is built from the reproducer of the same number (``repro/08, 12, 13, 16``): the
input is made the same way and the expected behaviour of its docstring is asserted.
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import entropy_law as el
import entropy_law.cli as cli
from entropy_law._json import jsonable
from entropy_law.fitting.block_length import auto_block_length

N = 60
T = np.arange(N)
H = 1.5 * np.exp(-T / 15) + 0.1
R_GOOD = -0.3 * np.exp(H) + 1
R_HUGE = R_GOOD * 1e300  # repro 08


def _long(r) -> pd.DataFrame:
    return el.make_long(
        "r", list(T) * 2, ["actor/entropy"] * N + ["critic/score/mean"] * N, list(H) + list(r)
    )


def _invoke(*args):
    return CliRunner().invoke(cli.app, list(map(str, args)))


def _one_json(res) -> dict:
    """stdout must hold exactly one JSON document (json.loads refuses trailing text)."""
    return json.loads(res.stdout)


@pytest.fixture()
def mixed_folder(tmp_path):
    """A good run beside one whose rewards are ~1e300 (repro 08)."""
    head = "step,actor/entropy,critic/score/mean\n"
    (tmp_path / "good.csv").write_text(head + "".join(f"{s},{h},{r}\n" for s, h, r in zip(T, H, R_GOOD)))
    (tmp_path / "huge.csv").write_text(head + "".join(f"{s},{h},{r}\n" for s, h, r in zip(T, H, R_HUGE)))
    return tmp_path


# ------------------------------------------------------------------------------------ D1
def test_block_length_ignores_the_scale_of_the_series():
    rng = np.random.default_rng(8)
    e = np.zeros(300)
    for i in range(1, e.size):  # AR(1), phi = 0.8: long blocks expected
        e[i] = 0.8 * e[i - 1] + rng.normal()
    base = auto_block_length(e)
    assert base > 1
    for scale in (1e-300, 1e300, 1.7e308 / np.abs(e).max()):
        assert auto_block_length(e * scale) == base
    assert auto_block_length(np.full(50, 1e300)) == 1  # constant: no dependence to respect


def test_huge_rewards_give_a_named_status_not_a_crash():
    res = el.fit(_long(R_HUGE), seed=0, n_boot=100)
    assert res.status == "fit_failed"
    assert "critic/score/mean" in res.message and "rescale" in res.message
    fc = el.forecast(_long(R_HUGE), seed=0, n_boot=100)
    doc = fc.to_dict()
    assert doc["status"] in ("law_not_holding", "insufficient_data", "too_early", "ok", "entropy_controlled")
    json.dumps(jsonable(doc), allow_nan=False)  # JSON-safe: finite or null


def test_huge_rewards_get_the_level_forecast_of_the_rescaled_run():
    """Beyond 1e100 the law is refused and the forecast is the current level. Its squares
    overflowed: the interval read [v, v] with numpy overflow warnings. The level's
    statistics are scale-equivariant, so the run at 1e300 must get exactly the interval of
    the same run at 1e90 (no overflow there) times 1e210, and no warning."""
    from entropy_law.forecasting.level import level_forecast

    noisy = R_GOOD + np.random.default_rng(3).normal(0, 0.01, N)
    big, ref = (level_forecast(T, noisy * k, 0, N - 1, 2 * N) for k in (1e300, 1e90))
    want = ref.scaled(1e210)
    for f in ("level", "point", "sd", "s_now", "s_final", "drift_rate", "slope", "rmse"):
        # rel 1e-9: the two runs differ only by the rounding of the two products
        assert getattr(big, f) == pytest.approx(getattr(want, f), rel=1e-9), f
    assert big.slope_t == pytest.approx(ref.slope_t, rel=1e-9) and big.trend == ref.trend
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fc = el.forecast(_long(noisy * 1e300), seed=0, n_boot=100)
    lo, hi = fc.at_horizon.ci
    assert lo < fc.at_horizon.value < hi and np.isfinite([lo, hi]).all()


def test_rewards_below_the_limit_still_fit():
    res = el.fit(_long(R_GOOD * 1e90), seed=0, n_boot=100)  # large but far from overflowing
    assert res.status == "ok"
    assert res.params["a"].value == pytest.approx(0.3e90, rel=1e-6)  # noise-free data: exact law


@pytest.mark.parametrize(
    "args",
    [("fit", "--n-boot", "50"), ("forecast", "--n-boot", "50")],
    ids=["fit", "forecast"],
)
def test_one_huge_run_does_not_abort_the_folder(mixed_folder, args):
    res = _invoke(args[0], mixed_folder, "--json", *args[1:])
    assert res.exit_code == 0, res.output
    runs = {r["run"]: r for r in _one_json(res)["runs"]}
    assert set(runs) == {"good", "huge"}
    assert runs["good"]["status"] == "ok"
    assert runs["huge"]["status"] != "ok" and runs["huge"]["message"]


def test_one_huge_run_does_not_abort_a_backtest(mixed_folder):
    res = _invoke("backtest", mixed_folder, "--json", "--n-boot", "30")
    assert res.exit_code == 0, res.output
    doc = _one_json(res)
    assert {r["run"] for r in doc["rows"]} == {"good", "huge"}
    assert {r["status"] for r in doc["rows"] if r["run"] == "good"} <= {"ok", "too_early"}


def test_an_internal_error_costs_only_its_run(mixed_folder, monkeypatch):
    import entropy_law.cli.forecast_cmd as fc_cmd
    import entropy_law.fitting.runs as runs_mod

    real_fit, real_forecast = runs_mod.fit, fc_cmd.forecast

    def fit(sub, *a, **k):
        if sub["run"].iloc[0] == "huge":
            raise RuntimeError("boom")
        return real_fit(sub, *a, **k)

    def forecast(s, *a, **k):
        if s.run == "huge":
            raise RuntimeError("boom")
        return real_forecast(s, *a, **k)

    monkeypatch.setattr(runs_mod, "fit", fit)
    monkeypatch.setattr(fc_cmd, "forecast", forecast)
    for cmd in ("fit", "forecast"):
        res = _invoke(cmd, mixed_folder, "--json", "--n-boot", "50")
        assert res.exit_code == 0, res.output
        runs = {r["run"]: r for r in _one_json(res)["runs"]}
        assert runs["good"]["status"] == "ok"
        assert runs["huge"]["status"] == "error"
        assert "internal error (RuntimeError: boom)" in runs["huge"]["message"]
        assert "Traceback" not in res.stderr


# ----------------------------------------------------------------------------------- D12
GOOD = _long(R_GOOD)
WRONG_TYPES = {  # call -> (error class, argument named in the message)
    "load(123)": (lambda: el.load(123), el.LoadError, "path"),
    "load(None)": (lambda: el.load(None), el.LoadError, "path"),
    "load(format=1)": (lambda: el.load("x.csv", format=1), el.LoadError, "format"),
    "fit(entropy=5)": (lambda: el.fit(GOOD, entropy=5), el.FitError, "entropy"),
    "fit(from_step='a')": (lambda: el.fit(GOOD, from_step="a"), el.FitError, "from_step"),
    "forecast(horizon=10**30)": (
        lambda: el.forecast(GOOD, horizon=10**30, n_boot=50),
        el.EntropyLawError,
        "horizon",
    ),
    "forecast(n_boot='5')": (lambda: el.forecast(GOOD, n_boot="5"), el.EntropyLawError, "n_boot"),
    "backtest(fractions='0.5')": (
        lambda: el.backtest(GOOD, fractions="0.5", n_boot=50),
        el.EntropyLawError,
        "fractions",
    ),
    "to_wide(None)": (lambda: el.to_wide(None), el.EntropyLawError, "long"),
    "entropy_reward('x')": (lambda: el.entropy_reward("x"), el.EntropyLawError, "long"),
    "tidy(None)": (lambda: el.tidy(None), el.EntropyLawError, "df"),
    "fit_arrays('a','b')": (lambda: el.fit_arrays("a", "b"), el.FitError, "H"),
    "fit_arrays(level='x')": (lambda: el.fit_arrays(H, R_GOOD, level="x"), el.FitError, "level"),
    "make_long(mismatched)": (
        lambda: el.make_long("r", [1, 2], ["a"], [1.0, 2.0]),
        el.EntropyLawError,
        "metric: 1",
    ),
    "detect_metrics(None)": (lambda: el.detect_metrics(None), el.EntropyLawError, "names"),
    "detect_metrics(reward=3)": (
        lambda: el.detect_metrics(["actor/entropy"], reward=3),
        el.EntropyLawError,
        "reward",
    ),
}


@pytest.mark.parametrize("call", list(WRONG_TYPES), ids=list(WRONG_TYPES))
def test_wrong_argument_types_raise_the_projects_errors(call):
    fn, error, argument = WRONG_TYPES[call]
    with pytest.raises(el.EntropyLawError) as info:
        fn()
    msg = str(info.value)
    assert isinstance(info.value, error) or error is el.EntropyLawError, type(info.value)
    assert argument in msg
    assert "must be" in msg or "one value per point" in msg  # what was expected
    assert "got" in msg  # and what was found


def test_validated_calls_still_accept_the_right_types():
    assert el.make_long("r", [1, 2], "a", [1.0, 2.0])["metric"].tolist() == ["a", "a"]
    assert el.detect_metrics(("actor/entropy", "val_acc")) == ("actor/entropy", "val_acc")
    res = el.fit(GOOD, from_step=np.int64(5), upto_step=50.0, n_boot=50, seed=0)
    assert res.status == "ok" and res.steps.min() == 5 and res.steps.max() == 50


# ----------------------------------------------------------------------------------- D13
def test_version_prints_the_version_without_a_command():
    res = _invoke("--version")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"entropy-law {el.__version__}"


@pytest.mark.parametrize("cmd", [None, "inspect", "fit", "forecast", "backtest", "compare", "check"])
def test_dash_h_is_help(cmd):
    args = ([cmd] if cmd else []) + ["-h"]
    res = _invoke(*args)
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout and "--help" in res.stdout


# ----------------------------------------------------------------------------------- D16
@pytest.fixture()
def unreadable_log(tmp_path):
    p = tmp_path / "bad.log"  # repro 16: the only step overflows int64, so no run can be read
    p.write_text("step:99999999999999999999 - actor/entropy:0.5\n")
    return p


@pytest.mark.parametrize("cmd", ["inspect", "fit", "forecast", "backtest", "compare"])
@pytest.mark.parametrize("which", ["unreadable", "missing"])
def test_json_on_total_failure_is_one_document_with_the_errors(cmd, which, unreadable_log, tmp_path):
    path = unreadable_log if which == "unreadable" else tmp_path / "nonexistent.csv"
    extra = [path] if cmd == "compare" else []  # compare needs two paths
    res = _invoke(cmd, path, *extra, "--json")
    assert res.exit_code == 2, res.output
    doc = _one_json(res)
    errors = doc["errors"]
    assert errors, doc
    text = json.dumps(errors)
    assert str(path.name) in text
    assert "error:" in res.stderr  # the human message still goes to stderr


def test_json_on_a_bad_option_value_is_one_document(tmp_path):
    res = _invoke("fit", tmp_path, "--json", "--level", "1.5")
    assert res.exit_code == 2
    assert "--level" in _one_json(res)["errors"][0]["error"]


def test_check_json_on_a_configuration_error_is_one_document(tmp_path):
    res = _invoke("check", tmp_path, "--format", "json", "--no-progress")  # no threshold given
    assert res.exit_code == 2
    doc = _one_json(res)
    assert doc["exit_code"] == 2 and doc["runs"] == [] and "threshold" in doc["errors"][0]["error"]


@pytest.mark.parametrize(
    "argv", [["fit", "x", "--json", "--bogus"], ["check", "x", "--format", "json", "--bogus"]]
)
def test_console_script_usage_error_with_json_prints_one_document(argv, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["entropy-law", *argv])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert "--bogus" in doc["errors"][0]["error"] and "--bogus" in out.err


def test_console_script_without_json_exits_normally(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["entropy-law", "--version"])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code in (0, None)
    assert capsys.readouterr().out.strip() == f"entropy-law {el.__version__}"
