"""``check``'s text table never says 'inconclusive' and 'flag' for one run on one line."""

from typer.testing import CliRunner

from entropy_law.cli import app

DAPO = "verl-pr2676_qwen2-7b_dapo_math-dapo_short.csv"  # entropy rebounds: inconclusive


def test_inconclusive_row_says_would_flag(real_runs_dir):
    # the row read 'volcengine_verl__DAPO-Qwen2-7B-Test  inconclusive  min_ceiling ... flag'
    args = ["check", str(real_runs_dir / DAPO), "--min-ceiling", "0.85", "--no-progress", "--n-boot", "40"]
    res = CliRunner().invoke(app, [*args, "--jobs", "1"])
    (row,) = [ln for ln in res.stdout.splitlines() if ln.startswith("verl-pr2676")]
    assert " inconclusive " in row and row.endswith("would flag"), row
    assert "1 inconclusive" in res.stdout and "0 flagged" in res.stdout
