"""``entropy-law fit``: output contract, exit codes, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from entropy_law.cli.fit_cmd import register


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()

    @app.callback()
    def _root() -> None:  # keep "fit" a sub-command, as in the real app
        pass

    register(app)
    return app


def _invoke(app, args):
    return CliRunner().invoke(app, ["fit", *args])


@pytest.fixture()
def csv_log(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(80)
    H = 0.05 + 0.5 * np.exp(-t / 25)
    R = -0.5 * np.exp(H) + 1.3 + rng.normal(0, 0.01, t.size)
    p = tmp_path / "run_a.csv"
    pd.DataFrame({"step": t, "entropy": H, "val_acc": R}).to_csv(p, index=False)
    return p


def test_json_output_contract(app, csv_log):
    res = _invoke(app, [str(csv_log), "--json", "--seed", "3", "--n-boot", "300", "--level", "0.9"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)  # stdout holds exactly one JSON document
    (run,) = doc["runs"]
    for key in (
        "run",
        "law",
        "n_points",
        "params",
        "ceiling",
        "r2",
        "rmse",
        "confidence_level",
        "n_boot",
        "resample",
        "seed",
        "status",
        "warnings",
    ):
        assert key in run
    assert run["status"] == "ok" and run["seed"] == 3 and run["n_boot"] == 300
    assert run["confidence_level"] == 0.9 and run["resample"] == "block"
    lo, hi = run["params"]["a"]["ci"]
    assert lo < run["params"]["a"]["value"] < hi
    assert len(run["ceiling"]["ci"]) == 2


def test_text_output_and_plot(app, csv_log, tmp_path):
    out = tmp_path / "fit.png"
    res = _invoke(
        app,
        [
            str(csv_log),
            "--reward",
            "val_acc",
            "--upto-step",
            "60",
            "--resample",
            "pairs",
            "--plot",
            str(out),
            "--seed",
            "0",
            "--n-boot",
            "200",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "ceiling b - a" in res.stdout and "n_points" not in res.stdout
    assert out.stat().st_size > 1000


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--level", "1.5"], "--level"),
        (["--reward", "val_acc_typo"], "val_acc"),
        (["--resample", "wild"], "wild"),
    ],
)
def test_usage_and_input_errors_exit_2(app, csv_log, args, needle):
    res = _invoke(app, [str(csv_log), *args, "--json"])
    assert res.exit_code == 2
    assert needle in res.output
    assert "Traceback" not in res.output


def test_missing_path_and_unfittable_run_exit_2(app, tmp_path):
    res = _invoke(app, [str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "no such file" in res.output
    p = tmp_path / "tiny.csv"
    pd.DataFrame({"step": [1, 2], "entropy": [0.5, 0.4], "val_acc": [0.2, 0.3]}).to_csv(p, index=False)
    res = _invoke(app, [str(p), "--json"])
    assert res.exit_code == 2
    assert json.loads(res.stdout)["runs"][0]["status"] == "insufficient_data"
