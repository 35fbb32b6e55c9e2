"""The README's numbers reproduce exactly with the defaults.

* The real-run table (validation accuracy against entropy on ``../shared/real_runs``) is
  regenerated here with ``el.fit(el.load(csv), reward="val_acc")`` at the package defaults
  (the README's command, ``entropy-law fit ../shared/real_runs --reward val_acc``, gives the
  same numbers: ``tests/test_defaults.py`` checks that the API and the CLI agree) and compared
  with the README text character for character.
* The multi-run headline block is the output of ``entropy-law forecast sample_runs/csv``.

After a change of defaults or of the fitting code, rewrite both blocks with
``python tests/test_readme.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

#: file stem -> the README's short label (the DAPO run: only 3 validation points)
LABELS = {
    "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_fsdp_base": "async qwen2-7b fsdp_base",
    "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_base": "async qwen2-7b megatron_base",
    "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_offpolicy1": "async qwen2-7b mcore offpolicy1",
    "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_offpolicy1_pipeline": "async qwen2-7b off+pipeline",
    "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_offpolicy1_pipeline_decoupledloss": (
        "async qwen2-7b off+pipe+decoupled"
    ),
    "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_fsdp_base": "async qwen2.5-3b fsdp_base",
    "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_fsdp_offpolicy1_pipeline": "async qwen2.5-3b fsdp off+pipeline",
    "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_megatron_offpolicy1_pipeline": (
        "async qwen2.5-3b mcore off+pipeline"
    ),
    "verl-data_deepseek-llm-7b-chat_ppo_gsm8k_megatron": "data deepseek-7b ppo",
    "verl-data_gemma-2-2b-it-sft_ppo_gsm8k": "data gemma-2-2b sft+ppo",
    "verl-data_qwen2.5-0.5b-instruct_ppo_gsm8k_resp512": "data qwen2.5-0.5b ppo",
    "verl-pr2676_qwen2-7b_dapo_math-dapo_short": "dapo qwen2-7b (3 points)",
}
TABLE_HEADER = "| run | a [95% CI] | b | ceiling b−a [95% CI] | R² | n |\n|---|---|---|---|---|---|\n"
HEADLINE_INTRO = "`fc.headline()`, `el.forecast_summary(el.forecast_each(table).values())`):\n\n```text\n"


def _num(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}".replace("-", "−")  # the README prints a typographic minus


def _ci(e) -> str:
    return f"{_num(e.value)} [{_num(e.ci[0])}, {_num(e.ci[1])}]"


def real_run_table(real_runs: Path) -> str:
    """The README's real-run table, fitted now with the package defaults."""
    import entropy_law as el

    found = {p.stem: p for p in sorted(real_runs.glob("*.csv"))}
    assert set(found) == set(LABELS), sorted(set(found) ^ set(LABELS))
    rows = []
    for stem, label in LABELS.items():
        res = el.fit(el.load(found[stem]), reward="val_acc")
        a, b = res.params["a"], res.params["b"]
        rows.append(
            f"| {label} | {_ci(a)} | {_num(b.value)} | {_ci(res.ceiling)} | {res.r2:.2f} | {res.n_points} |\n"
        )
    return TABLE_HEADER + "".join(rows)


def headline_block() -> str:
    """The output of ``entropy-law forecast sample_runs/csv`` (the summary table)."""
    from typer.testing import CliRunner

    from entropy_law.cli import app

    res = CliRunner().invoke(app, ["forecast", str(REPO / "sample_runs" / "csv")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.stdout


def _between(text: str, start: str, end: str) -> tuple[int, int]:
    i = text.index(start) + len(start)
    return i, text.index(end, i)


def test_readme_real_run_table_reproduces_with_the_defaults(real_runs_dir):
    text = README.read_text(encoding="utf-8")
    i, j = _between(text, TABLE_HEADER, "\n\n")
    table = real_run_table(real_runs_dir)
    assert TABLE_HEADER + text[i : j + 1] == table
    # the README's command gives these numbers too (one run through the CLI)
    import json

    from typer.testing import CliRunner

    from entropy_law.cli import app

    stem = "verl-data_gemma-2-2b-it-sft_ppo_gsm8k"
    res = CliRunner().invoke(
        app, ["fit", str(real_runs_dir / f"{stem}.csv"), "--reward", "val_acc", "--json"]
    )
    assert res.exit_code == 0, res.output
    c = json.loads(res.stdout)["runs"][0]["ceiling"]
    row = next(line for line in table.splitlines() if line.startswith(f"| {LABELS[stem]} |"))
    assert f"| {_num(c['value'])} [{_num(c['ci'][0])}, {_num(c['ci'][1])}] |" in row


def test_readme_headline_block_reproduces_with_the_defaults():
    text = README.read_text(encoding="utf-8")
    i, j = _between(text, HEADLINE_INTRO, "```")
    assert text[i:j] == headline_block()


def test_readme_names_the_defaults():
    from entropy_law._defaults import N_BOOT, SEED

    text = README.read_text(encoding="utf-8")
    m = re.search(r"block bootstrap, ([\d,]+) resamples, seed (\d+), 95% intervals", text)
    assert m, "the caption of the real-run table is missing"
    assert int(m.group(1).replace(",", "")) == N_BOOT and int(m.group(2)) == SEED


def _rewrite() -> None:  # python tests/test_readme.py
    from conftest import REAL_RUNS

    if not REAL_RUNS.exists():
        raise SystemExit(f"{REAL_RUNS} is absent: the real-run table cannot be regenerated")
    text = README.read_text(encoding="utf-8")
    i, j = _between(text, TABLE_HEADER, "\n\n")
    text = text[: i - len(TABLE_HEADER)] + real_run_table(REAL_RUNS) + text[j + 1 :]
    i, j = _between(text, HEADLINE_INTRO, "```")
    text = text[:i] + headline_block() + text[j:]
    README.write_text(text, encoding="utf-8")
    print(f"rewrote the real-run table and the headline block of {README}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    _rewrite()
