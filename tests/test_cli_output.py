"""What the CLI says on stderr: -q/-v, one-line warnings, progress bars, shell completion
(``entropy_law.cli.output``; issue 12, CLI conventions)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from entropy_law.cli import app, output

SAMPLES = Path(__file__).resolve().parents[1] / "sample_runs" / "csv"  # two runs
CUT = "the last line (step 41) was cut while being written"


def _run(args: list[str], **env):
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1", **env})
    return res, res.stdout, res.stderr


@pytest.fixture(scope="module")
def cut_log(tmp_path_factory) -> Path:
    """A verl console log whose last line was cut while being written: the loader keeps
    the complete items and warns (TruncatedLogWarning), a real loader warning."""
    steps = np.arange(1, 41)
    H = 1.2 * np.exp(-steps / 15) + 0.1
    R = -0.3 * np.exp(H) + 0.9
    lines = [
        f"step:{s} - actor/entropy:{h:.4f} - critic/score/mean:{r:.4f} - val/test_score/gsm8k:{r:.4f}"
        for s, h, r in zip(steps, H, R)
    ]
    path = tmp_path_factory.mktemp("cut") / "run.log"
    path.write_text("\n".join(lines) + "\nstep:41 - actor/entropy:0.3 - critic/score/me")
    return path


# -- warnings -----------------------------------------------------------------------------
#: command -> arguments after the log path that make it do real (but small) work
WORK = {
    "inspect": [],
    "fit": ["--n-boot", "50"],
    "forecast": ["--n-boot", "50"],
    "backtest": ["--fractions", "0.5", "--n-boot", "50"],
    "check": ["--min-ceiling", "0.1", "--jobs", "1", "--n-boot", "20"],
}


@pytest.mark.parametrize("command", sorted(WORK))
def test_loader_warning_is_one_line_naming_the_file(command: str, cut_log: Path) -> None:
    res, out, err = _run([command, str(cut_log), *WORK[command]])
    assert res.exit_code == 0, (out, err)
    if command == "check":  # check's workers keep the warnings in the run records, not on stderr
        assert "Traceback" not in err and "Warning:" not in err, err
        return
    lines = [ln for ln in err.splitlines() if CUT in ln]
    assert len(lines) == 1, err  # once, not once per use of the table
    assert re.fullmatch(rf"warning: {re.escape(str(cut_log))}: {re.escape(CUT)}; kept .*\.", lines[0]), lines[
        0
    ]
    # no Python warning format: no category name, no source file and line, no source line
    assert "TruncatedLogWarning" not in err and ".py:" not in err and "warnings.warn" not in err, err


def test_compare_loader_warnings_one_per_file(cut_log: Path, tmp_path: Path) -> None:
    logs = []
    for name in ("a", "b"):  # two runs of the same file name: told apart by their folders
        (tmp_path / name).mkdir()
        logs.append(tmp_path / name / "run.log")
        logs[-1].write_text(cut_log.read_text())
    res, out, err = _run(["compare", *map(str, logs), "--n-boot", "30"])
    assert res.exit_code == 0, err
    for log in logs:
        assert err.count(f"warning: {log}: {CUT}") == 1, err
    assert f"{logs[0]}:run" in out and f"{logs[1]}:run" in out, out


def test_report_loader_warning(cut_log: Path, tmp_path: Path) -> None:
    out_html = tmp_path / "r.html"
    res, out, err = _run(["report", str(cut_log), "-o", str(out_html), "--n-boot", "20"])
    assert res.exit_code == 0, err
    assert f"warning: {cut_log}: {CUT}" in err and ".py:" not in err, err


def test_warning_line_names_the_file_once() -> None:
    assert output.warning_line("a.csv: dropped 2 rows", "a.csv") == "warning: a.csv: dropped 2 rows"
    assert output.warning_line("dropped 2\nrows", "a.csv") == "warning: a.csv: dropped 2 rows"
    assert output.warning_line("invalid value", None) == "warning: invalid value"


def test_unhandled_warnings_print_as_one_line(monkeypatch) -> None:
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)
    output.install_warning_format()
    text = warnings.formatwarning("x.log: cut", UserWarning, "/src/mod.py", 12, "warnings.warn(...)")
    assert text == "warning: x.log: cut\n"


# -- -q / -v ------------------------------------------------------------------------------
def test_quiet_levels_keep_results(cut_log: Path, tmp_path: Path) -> None:
    plot = tmp_path / "p.png"
    base = ["forecast", str(cut_log), "--n-boot", "50", "--plot", str(plot)]
    runs = {q: _run([*base, *q]) for q in ((), ("-q",), ("-qq",))}
    runs[("before",)] = _run(["-q", *base])
    outs = {q: r[1] for q, r in runs.items()}
    assert all(res.exit_code == 0 for res, _, _ in runs.values())
    assert len(set(outs.values())) == 1 and "improving" in outs[()], outs  # stdout never changes
    err = {q: r[2] for q, r in runs.items()}
    assert CUT in err[()] and f"wrote {plot}" in err[()]
    assert CUT in err[("-q",)] and "wrote" not in err[("-q",)]  # -q: warnings stay, notes go
    assert CUT in err[("before",)] and "wrote" not in err[("before",)]  # before the command too
    assert err[("-qq",)] == ""  # -qq: errors only


def test_errors_survive_quiet(tmp_path: Path) -> None:
    res, out, err = _run(["-qq", "forecast", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "error:" in err and "nope.csv" in err


def test_verbose_before_or_after_forecast_shows_detail() -> None:
    plain = _run(["forecast", "--example"])[1]
    assert "Forecast for run" not in plain
    for args in (
        ["forecast", "--example", "-v"],
        ["-v", "forecast", "--example"],
        ["forecast", "--example", "--verbose"],
    ):
        res, out, err = _run(args)
        assert res.exit_code == 0, err
        assert out.startswith(plain) and "Forecast for run" in out, args


# -- progress -----------------------------------------------------------------------------
@pytest.fixture
def tty(monkeypatch):
    """Pretend stderr is a terminal (CliRunner's is not)."""
    monkeypatch.setattr(output, "_stderr_is_tty", lambda: True)


FORECAST_TWO = ["forecast", str(SAMPLES), "--n-boot", "30"]


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    res, out, err = _run(FORECAST_TWO)
    assert res.exit_code == 0 and "forecasting" not in err and "\x1b[" not in err, err


@pytest.mark.usefixtures("tty")
def test_progress_on_a_terminal_and_not_with_quiet() -> None:
    plain = _run(FORECAST_TWO)[1]
    res, out, err = _run(FORECAST_TWO)
    assert res.exit_code == 0
    assert "forecasting" in err and "2/2" in err, err  # the rich bar, on stderr
    assert out == plain  # stdout untouched by the bar
    res, out, err = _run(["-q", *FORECAST_TWO])
    assert "forecasting" not in err and out == plain, err


@pytest.mark.usefixtures("tty")
@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["fit", str(SAMPLES), "--n-boot", "30"], "fitting"),
        (["backtest", str(SAMPLES), "--fractions", "0.5", "--n-boot", "30"], "backtesting"),
        (["check", str(SAMPLES), "--min-ceiling", "0.1", "--jobs", "1", "--n-boot", "20"], "checking"),
    ],
)
def test_progress_of_other_commands(args: list[str], label: str) -> None:
    res, out, err = _run(args)
    assert res.exit_code == 0, err
    assert label in err and "2/2" in err, err
    assert label not in _run([*args, "--no-progress"] if label == "checking" else ["-q", *args])[2]


# -- shell completion -----------------------------------------------------------------------
def test_show_completion_prints_a_bash_script() -> None:
    res, out, _ = _run(["--show-completion", "bash"])
    assert res.exit_code == 0, (out, res.exception)
    assert "_ENTROPY_LAW_COMPLETE=complete_bash" in out and "complete -o default -F" in out, out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_shell_asked_for(shell: str, monkeypatch) -> None:
    # typer's flag ignored the word after it when shellingham is installed and printed the
    # detected shell's script (bash under bash, whatever zsh was asked for), or failed with
    # "Shell  not supported" when no shell is among the parent processes; detection is
    # made to fail here so that the test does not depend on how pytest was started
    try:
        import shellingham
    except ImportError:  # typer without it: --show-completion takes the shell as its value
        shellingham = None
    if shellingham is not None:

        def no_shell(*a, **k):
            raise shellingham.ShellDetectionFailure()

        monkeypatch.setattr(shellingham, "detect_shell", no_shell)
    res, out, _ = _run(["--show-completion", shell])
    assert res.exit_code == 0, (out, res.exception)
    marker = {
        "bash": "complete -o default -F",
        "zsh": "#compdef entropy-law",
        "fish": "complete --command entropy-law",
    }
    assert marker[shell] in out, out


def test_completion_completes_commands_and_options() -> None:
    def complete(words: str, cword: int) -> list[str]:
        env = {"_ENTROPY_LAW_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        res = CliRunner().invoke(app, [], env=env, prog_name="entropy-law")
        assert res.exit_code == 0, res.output
        return res.output.split()

    assert complete("entropy-law fo", 1) == ["forecast"]
    assert complete("entropy-law forecast --upto", 2) == ["--upto-step", "--upto-fraction"]


def test_install_completion_is_offered() -> None:
    out = _run(["--help"])[1]
    assert "--install-completion" in out and "--show-completion" in out


def test_quiet_turns_the_loading_bar_off(monkeypatch) -> None:
    import entropy_law.loaders as loaders

    seen = []
    real = loaders.scan

    def spy(*args, **kwargs):
        seen.append(kwargs.get("progress"))
        return real(*args, **kwargs)

    monkeypatch.setattr(loaders, "scan", spy)
    for args in (["fit", str(SAMPLES), "--n-boot", "20"], ["-q", "fit", str(SAMPLES), "--n-boot", "20"]):
        assert _run(args)[0].exit_code == 0
    assert seen == [None, False]  # None: the loader's own rule (a terminal, 20+ logs)


def test_numpy_float_warnings_only_with_verbose(monkeypatch, capsys) -> None:
    sink: list[str] = []
    for lvl, shown in ((0, False), (1, True)):
        monkeypatch.setitem(output._state, "level", lvl)
        with output.captured_warnings(sink, source="a.csv"):
            np.subtract(np.array([np.inf]), np.array([np.inf]))  # invalid value encountered
            warnings.warn("a.csv: dropped 2 rows", UserWarning, stacklevel=1)
        err = capsys.readouterr().err
        assert "warning: a.csv: dropped 2 rows" in err
        assert ("encountered in subtract" in err) is shown, err
    assert sum("encountered" in m for m in sink) == 2  # recorded either way (--json records)
