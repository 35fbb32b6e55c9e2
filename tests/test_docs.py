"""The documentation stays true of the code.

* docs/cli.md lists every command of ``entropy-law --help`` and no other; every ``--option``
  it mentions for a command appears in that command's ``--help``; its generated option
  tables hold exactly the options and defaults of ``--help``.
* The Python blocks of docs/method.md run (they recover planted values).
* docs/formats.md names every loader format and every metric key / pattern of
  ``entropy_law.table.metrics``.

Regenerate the option tables of docs/cli.md (and add a stub section for a new command)
with ``python tests/test_docs.py``.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

DOCS = Path(__file__).resolve().parents[1] / "docs"
CLI_MD = DOCS / "cli.md"
# wide, colourless help so that rich neither wraps nor styles the panels
_ENV = {"COLUMNS": "250", "TERMINAL_WIDTH": "250", "NO_COLOR": "1"}
_OPT_ROW = re.compile(
    r"^│\s(?:-\w,\s)?(--[\w-]+)(?:\s+(--?[\w-]+))?\s{2,}<(.*?)>((?: \[[^\]]*\])?)"
    r"\s{2,}(.*?)\s*│$"
)
_ARG_ROW = re.compile(r"^│\s\*?\s+([\w.]+)\s{2,}(<.*?>)\s{2,}(.*?)\s*│$")
_CMD_ROW = re.compile(r"^│\s([a-z][\w-]*)\s{2,}(.*?)\s*│$")
_MORE = re.compile(r"^│\s{4,}(\S.*?)\s*│$")
_DEFAULT = re.compile(r"\s*\[default: (.*?)\]")
_SECTION = re.compile(r"^## `entropy-law(?: (\S+))?`", re.M)
_BEGIN = "<!-- BEGIN GENERATED from `entropy-law {cmd} --help` by `python tests/test_docs.py` -->"
_END = "<!-- END GENERATED {cmd} -->"


# ----------------------------------------------------------------------------- help parsing
@cache
def help_text(*args: str) -> str:
    from entropy_law.cli import app

    res = CliRunner().invoke(app, [*args, "--help"], env=_ENV)
    assert res.exit_code == 0, res.output
    return res.output


def _panel_rows(text: str, panel: str, row: re.Pattern) -> list[list[str]]:
    rows, inside = [], False
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("╭─"):
            inside = f" {panel} " in line
            continue
        if not inside or line.startswith("╰"):
            inside = inside and not line.startswith("╰")
            continue
        m = row.match(line)
        if m:
            rows.append(list(m.groups()))
        elif rows and (more := _MORE.match(line)):
            rows[-1][-1] = f"{rows[-1][-1]} {more.group(1)}".strip()
    return rows


def commands() -> dict[str, str]:
    """Command name -> one-line help, from ``entropy-law --help``."""
    return {name: desc for name, desc in _panel_rows(help_text(), "Commands", _CMD_ROW)}


def options(cmd: str | None) -> dict[str, dict[str, str]]:
    """``--option`` -> {type, default, help} from ``entropy-law [cmd] --help``."""
    text = help_text(*([cmd] if cmd else []))
    out = {}
    for name, negative, meta, bounds, desc in _panel_rows(text, "Options", _OPT_ROW):
        m = _DEFAULT.search(desc)
        out[name] = {
            "type": meta + bounds,
            "default": m.group(1) if m else "",
            "help": _DEFAULT.sub("", desc).strip(),
            "negative": negative or "",
        }
    return out


def option_names(cmd: str | None) -> set[str]:
    """Every spelling accepted, including the ``--no-x`` side of ``--x/--no-x`` flags and
    short aliases (``-h``)."""
    return {n for k, o in options(cmd).items() for n in (k, o["negative"]) if n}


def arguments(cmd: str) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in _panel_rows(help_text(cmd), "Arguments", _ARG_ROW)]


def usage(cmd: str | None) -> str:
    text = help_text(*([cmd] if cmd else []))
    return next(ln.strip() for ln in text.splitlines() if ln.strip().startswith("Usage:"))


# ----------------------------------------------------------------------------- generation
def _cell(s: str) -> str:
    return s.replace("|", "\\|")


def generated_block(cmd: str | None) -> str:
    key = cmd or "(root)"
    lines = [
        _BEGIN.format(cmd=cmd or "").replace("  ", " "),
        "",
        f"`{usage(cmd).removeprefix('Usage: ')}`",
        "",
    ]
    args = arguments(cmd) if cmd else []
    if args:
        lines += ["| argument | type | description |", "| --- | --- | --- |"]
        lines += [f"| `{n.upper()}` | {_cell(t.strip('<>'))} | {_cell(d)} |" for n, t, d in args]
        lines.append("")
    lines += ["| option | type | default | description |", "| --- | --- | --- | --- |"]
    for name, o in options(cmd).items():
        default = f"`{o['default']}`" if o["default"] else ""
        neg = o["negative"]  # the --no-x side of a flag, or a short alias such as -h
        shown = f"`{name}`" + ((" / " if neg.startswith("--") else ", ") + f"`{neg}`" if neg else "")
        lines.append(f"| {shown} | {_cell(o['type'])} | {_cell(default)} | {_cell(o['help'])} |")
    lines += ["", _END.format(cmd=key)]
    return "\n".join(lines)


def _block_span(text: str, cmd: str | None) -> tuple[int, int] | None:
    begin = _BEGIN.format(cmd=cmd or "").replace("  ", " ")
    end = _END.format(cmd=cmd or "(root)")
    i = text.find(begin)
    j = text.find(end, i)
    return None if i < 0 or j < 0 else (i, j + len(end))


def regenerate(path: Path = CLI_MD) -> None:
    """Rewrite every generated block of docs/cli.md; add a stub for a new command."""
    text = path.read_text(encoding="utf-8")
    documented = _documented_commands(text)
    for cmd, desc in commands().items():
        if cmd not in documented:
            text = text.rstrip() + (f"\n\n## `entropy-law {cmd}`\n\n{desc}\n\n{generated_block(cmd)}\n")
    for cmd in [None, *commands()]:
        span = _block_span(text, cmd)
        if span:
            text = text[: span[0]] + generated_block(cmd) + text[span[1] :]
    path.write_text(text, encoding="utf-8")


# ----------------------------------------------------------------------------- docs parsing
def _documented_commands(text: str) -> list[str]:
    return [m.group(1) for m in _SECTION.finditer(text) if m.group(1)]


def _sections(text: str) -> dict[str | None, str]:
    """Section text of docs/cli.md per command (None: the root section)."""
    marks = list(_SECTION.finditer(text))
    out = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        nxt = re.search(r"^## ", text[m.end() : end], re.M)  # a non-command ## heading ends it
        out[m.group(1)] = text[m.start() : m.end() + nxt.start() if nxt else end]
    return out


def _table_options(section: str) -> dict[str, str]:
    """``--option`` -> default cell, from the generated table of a section."""
    out = {}
    for m in re.finditer(
        r"^\| `(--[\w-]+)`(?: / `--[\w-]+`|, `-\w`)? \| .*? \| (`?)(.*?)\2 \| .*\|$", section, re.M
    ):
        out[m.group(1)] = m.group(3)
    return out


@pytest.fixture(scope="module")
def cli_md() -> str:
    return CLI_MD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def help_commands() -> dict[str, str]:
    return commands()


# ----------------------------------------------------------------------------- tests
def test_help_parser_reads_known_options():
    # guards the parser itself: a change of typer's help layout must fail loudly here,
    # not make the checks below vacuous
    opts = options("fit")
    assert {"--entropy", "--reward", "--law", "--n-boot", "--level", "--json"} <= set(opts)
    assert opts["--level"]["default"] == "0.95"
    assert "entropy_scaled" in opts["--law"]["type"]
    assert arguments("fit")[0][0] == "paths..."  # a list argument, as typer renders it


def test_every_documented_command_exists_and_every_command_is_documented(cli_md, help_commands):
    documented = _documented_commands(cli_md)
    assert documented, "docs/cli.md has no '## `entropy-law <command>`' sections"
    missing_in_cli = sorted(set(documented) - set(help_commands))
    assert not missing_in_cli, f"docs/cli.md documents commands that do not exist: {missing_in_cli}"
    undocumented = sorted(set(help_commands) - set(documented))
    assert not undocumented, (
        f"commands without a section in docs/cli.md: {undocumented}; "
        "run `python tests/test_docs.py` to add a stub"
    )


def test_every_option_mentioned_for_a_command_exists(cli_md, help_commands):
    root = option_names(None)
    for cmd, section in _sections(cli_md).items():
        if cmd is not None and cmd not in help_commands:
            continue  # reported by the test above
        allowed = root | (option_names(cmd) if cmd else set())
        mentioned = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", section))
        unknown = sorted(mentioned - allowed)
        assert not unknown, f"docs/cli.md, `{cmd or 'entropy-law'}`: {unknown} not in --help"


def test_generated_option_tables_match_help(cli_md, help_commands):
    sections = _sections(cli_md)
    for cmd in [None, *help_commands]:
        section = sections.get(cmd, "")
        assert _block_span(section, cmd), (
            f"no generated block for `{cmd or 'entropy-law'}` in docs/cli.md; run `python tests/test_docs.py`"
        )
        table = _table_options(section)
        real = {k: v["default"] for k, v in options(cmd).items()}
        assert table == real, (
            f"`{cmd or 'entropy-law'}` options in docs/cli.md differ from "
            "--help; run `python tests/test_docs.py`"
        )


def test_method_code_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "method.md").read_text("utf-8"), re.S)
    assert blocks, "docs/method.md has no Python blocks"
    namespace: dict = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"docs/method.md block {k + 1}", "exec"), namespace)


def test_formats_page_names_every_format_and_metric_key():
    import entropy_law as el
    from entropy_law.table import metrics

    text = (DOCS / "formats.md").read_text("utf-8")
    for name in el.formats():
        assert f"`{name}`" in text, f"docs/formats.md does not mention the format {name!r}"
    for key in (*metrics.ENTROPY_KEYS, *metrics.TRAIN_REWARD_KEYS):
        assert f"`{key}`" in text, f"docs/formats.md does not list the metric key {key!r}"
    for pattern in metrics.VAL_PATTERNS:
        assert pattern.pattern in text, f"docs/formats.md lacks the pattern {pattern.pattern}"


def test_index_links_every_page():
    text = (DOCS / "index.md").read_text("utf-8")
    for page in ("method.md", "formats.md", "cli.md", "benchmarks.md"):
        assert f"({page}" in text, f"docs/index.md does not link {page}"
        assert (DOCS / page).is_file()


if __name__ == "__main__":  # python tests/test_docs.py  -> rewrite docs/cli.md's tables
    regenerate(Path(sys.argv[1]) if len(sys.argv) > 1 else CLI_MD)
    print(f"regenerated {CLI_MD}")
