"""Every command follows the CLI conventions on bad input: exit code 2, no traceback, a
message naming the argument at fault (see ``entropy_law.cli`` and issue 12).

The sweep is driven by the lazy command table, so a new command is covered (or fails here
until it gets a row in ``CHOICES``) without anyone remembering to add it.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from entropy_law.cli import _LAZY, app

RUN = "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_fsdp_base.csv"

#: command -> (a choice option, the extra arguments the command needs to get that far)
CHOICES: dict[str, tuple[str, list[str]]] = {
    "check": ("--format", ["--min-ceiling", "0.5"]),
    "compare": ("--aggregate", []),
    "fit": ("--law", []),
    "forecast": ("--kind", []),
    "backtest": ("--kind", []),
    "inspect": ("--format", []),
    "watch": ("--kind", ["--once"]),
    "report": ("--kind", []),
}
#: commands that write a file, and the options naming it
OUTPUTS = {
    "fit": ["--plot", "--csv", "--parquet"],
    "forecast": ["--plot", "--csv", "--parquet"],
    "backtest": ["--plot", "--csv", "--parquet"],
    "compare": ["--plot", "--csv", "--parquet"],
    "check": ["--output"],
    "report": ["--output"],
}
#: further figure files: (command, option); checked like OUTPUTS, and for their suffix
FIGURES = [("forecast", "--grid"), ("compare", "--forest"), ("backtest", "--plot")]
#: commands that cut the runs (the forecast options), checked before any work
CUTS = ["forecast", "report"]
#: commands taking finished runs as a prior (``--reference PATH``, issue 15)
REFERENCE = ("forecast", "check", "watch")
#: arguments (besides the one under test) that make the command otherwise valid
NEEDS = {"check": ["--min-ceiling", "0.5"], "watch": ["--once"]}


def _run(args: list[str]):
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    text = res.output + (res.stderr if res.stderr_bytes is not None else "")
    return res, text


def _assert_usage_error(res, text: str, names: str) -> None:
    assert res.exit_code == 2, (res.exit_code, text)
    assert "Traceback" not in text, text
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    assert names in text, text


def test_every_command_is_swept() -> None:
    assert set(CHOICES) == set(_LAZY)


@pytest.mark.parametrize("command", sorted(_LAZY))
def test_bad_path(command: str, tmp_path) -> None:
    missing = str(tmp_path / "no-such-run.jsonl")
    extra = ["--baseline", "x"] if command == "compare" else []
    res, text = _run([command, missing, *NEEDS.get(command, []), *extra])
    _assert_usage_error(res, text, "no-such-run.jsonl")


@pytest.mark.parametrize("command", sorted(_LAZY))
def test_bad_choice(command: str, real_runs_dir) -> None:
    option, extra = CHOICES[command]
    path = str(real_runs_dir / RUN)
    paths = [path, path] if command == "compare" else [path]
    res, text = _run([command, *paths, *extra, option, "bogus"])
    _assert_usage_error(res, text, option)


@pytest.mark.parametrize("command", REFERENCE)
def test_missing_reference(command: str, real_runs_dir, tmp_path) -> None:
    path = str(real_runs_dir / RUN)
    missing = str(tmp_path / "no-such-references")
    res, text = _run([command, path, *NEEDS.get(command, []), "--reference", missing])
    _assert_usage_error(res, text, "--reference")


@pytest.mark.parametrize(("command", "option"), [(c, o) for c in sorted(OUTPUTS) for o in OUTPUTS[c]])
def test_unwritable_output(command: str, option: str, real_runs_dir, tmp_path) -> None:
    path = str(real_runs_dir / RUN)
    paths = [path, path] if command == "compare" else [path]
    target = str(tmp_path / "no-such-folder" / "out.png")
    res, text = _run([command, *paths, *NEEDS.get(command, []), option, target])
    _assert_usage_error(res, text, option)


@pytest.mark.parametrize(("command", "option"), FIGURES)
@pytest.mark.parametrize("target", ["no-such-folder/out.png", "out.txt"])
def test_unwritable_or_unknown_figure(
    command: str, option: str, target: str, real_runs_dir, tmp_path
) -> None:
    path = str(real_runs_dir / RUN)
    paths = [path, path] if command == "compare" else [path]
    res, text = _run([command, *paths, option, str(tmp_path / target)])
    _assert_usage_error(res, text, option)


@pytest.mark.parametrize("command", sorted(_LAZY))
def test_help_has_an_example_and_keeps_brackets(command: str) -> None:
    res, text = _run([command, "--help"])
    assert res.exit_code == 0, text
    assert f"Example: entropy-law {command} " in text, text
    # rich markup would eat "[default: ...]"; plain help keeps it
    assert "[default:" in text or command in ("compare",), text


def test_check_help_names_the_config_table() -> None:
    res, text = _run(["check", "--help"])
    unwrapped = re.sub(r"-\s*│?\n│?\s*", "-", text)  # the help may wrap at hyphens
    assert "[tool.entropy-law.check]" in unwrapped, text


@pytest.mark.parametrize(
    ("command", "option"), [("forecast", "--kind"), ("fit", "--law"), ("inspect", "--format")]
)
def test_choices_listed_in_help(command: str, option: str) -> None:
    res, text = _run([command, "--help"])
    line = next(ln for ln in text.splitlines() if ln.strip(" │").startswith(option))
    assert "<str>" not in line and ("|" in line or "one of:" in line), line


@pytest.mark.parametrize("command", CUTS)
@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--upto-step", "50", "--upto-fraction", "0.5"], "--upto-step or --upto-fraction"),
        (["--level", "90"], "--level"),
    ],
)
def test_bad_forecast_options(command: str, args: list[str], names: str, real_runs_dir) -> None:
    res, text = _run([command, str(real_runs_dir / RUN), *args])
    _assert_usage_error(res, text, names)


@pytest.mark.parametrize("command", sorted(_LAZY))
def test_quiet_and_verbose_everywhere(command: str) -> None:
    res, text = _run([command, "--help"])
    assert res.exit_code == 0, text
    assert re.search(r"--quiet\s+-q", text) and "--verbose" in text, text
