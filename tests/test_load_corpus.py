"""Acceptance: every raw log in ``../shared/corpus/raw`` loads with auto-detection and
reproduces the tidy CSV an independent parser made of it (``corpus/SOURCES.md``).

Per source: the format detected, the step key, the entropy and performance metrics that
detection chooses (with ``counts``, i.e. the "logged throughout" rule), and the values of
``entropy``, ``reward`` and ``val_acc`` at exactly the steps of the tidy CSV. Values are
compared with a relative tolerance of 1e-12: the files print decimal numbers that both
parsers turn into the same float; the only arithmetic is the mean of 2-16 ``train``
records (CS336) and rasbt's ``eval_acc / 100``, where summation order can move the last
bit or two.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.errors import MetricError
from entropy_law.loaders import discover, scan
from entropy_law.table import entropy_reward
from entropy_law.table.metrics import choose

RTOL = 1e-12

# source folder -> (format, entropy key, training reward key, performance key or None, val scale)
SOURCES = {
    "yssu_deepseek7b_gsm8k_grpo": (
        "verl-log",
        "actor/entropy_loss",
        "critic/score/mean",
        "val/test_score/openai/gsm8k",
        1.0,
    ),
    "bihan_qwen2.5-7b_gsm8k_ppo_resumed": (
        "verl-log",
        "actor/entropy_loss",
        "critic/score/mean",
        "val-core/openai/gsm8k/reward/mean@1",
        1.0,
    ),
    # two validation sets logged equally often (SOURCES.md: "either can be the performance
    # metric"); the printed config's data.train_files lists gsm8k first, which breaks the
    # tie (entropy_law.table.train_data); the tidy CSV holds GSM8K
    "diqiu_qwen2-7b_math_gpg": (
        "verl-log",
        "actor/entropy",
        "critic/score/mean",
        "val-core/openai/gsm8k/reward/mean@1",
        1.0,
    ),
    "jiang_opd_run-20251129_221801-i80f2v90": (
        "wandb-console",
        "actor/entropy",
        "critic/score/mean",
        "val-aux/aime_2024/reward/mean@30",
        1.0,
    ),
    "jiang_opd_run-20251203_214315-cr3q4lay": (
        "wandb-console",
        "actor/entropy",
        "critic/score/mean",
        "val-aux/aime_2024/reward/mean@32",
        1.0,
    ),
    "sun_trl_grpo_rho_sweep_gsm8k": ("hf-console", "entropy", "reward", "reward", 1.0),
    "rasbt_scratch_grpo_qwen3-0.6b_math": ("csv", "entropy_avg", "reward_avg", "eval_acc", 0.01),
    "shibukizero_cs336a5_grpo_qwen2.5math1.5b": (
        "typed-jsonl",
        "train/token_entropy",
        "rollout/reward",
        "eval/answer_accuracy",
        1.0,
    ),
    "tinker_qwen3-4b_rubric_rl": (
        "jsonl",
        "optim/entropy",
        "env/all/reward/total",
        "test/env/all/reward/total",
        1.0,
    ),
}


def _pairs(corpus: Path, source: str) -> list[tuple[Path, Path]]:
    """(raw log, tidy CSV) pairs of one source, by the naming of ``tidy/``."""
    raw_dir = corpus / "raw" / source
    out = []
    for csv in sorted((corpus / "tidy").glob("*.csv")):
        stem = csv.stem
        if stem.startswith(source + "__"):
            rest = stem[len(source) + 2 :]
        elif stem.startswith("short_40step__") and source.startswith("shibukizero"):
            rest = "short_40step/" + stem[len("short_40step__") :]
        else:
            continue
        hits = [
            p
            for p in raw_dir.rglob("*")
            if p.is_file() and p.relative_to(raw_dir).with_suffix("").as_posix() == rest
        ]
        if source.startswith("jiang"):
            hits = [raw_dir]  # the W&B run folder (output.log + wandb-metadata.json)
        assert len(hits) == 1, (csv, hits)
        out.append((hits[0], csv))
    return out


def _series(table: pd.DataFrame, key: str) -> pd.Series:
    sub = table[table["metric"] == key]
    return pd.Series(sub["value"].to_numpy(), index=sub["step"].to_numpy())


def _check_column(got: pd.Series, want: pd.Series, what: str) -> None:
    want = want.dropna()
    assert list(got.index) == list(want.index.astype(np.int64)), f"{what}: steps differ"
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(dtype=float), rtol=RTOL, atol=0, err_msg=what)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_corpus_source_reproduces_tidy(corpus_dir, source):
    fmt, ent_key, train_key, perf_key, scale = SOURCES[source]
    pairs = _pairs(corpus_dir, source)
    assert pairs, f"no tidy CSV matched {source}"
    for raw, csv in pairs:
        units, skipped = discover(raw)
        assert [u.reader.name for u in units] == [fmt], (raw, units, skipped)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # resumed-run and aggregation notes are tested elsewhere
            table = el.load(raw)
        assert table["run"].nunique() == 1
        counts = table["metric"].value_counts().to_dict()
        meta = table.attrs["run_meta"][table["run"].iloc[0]]
        want = pd.read_csv(csv).set_index("step")
        d = choose(list(counts), counts=counts, meta=meta)
        assert d.reward == perf_key, d.reason
        # what the commands see: entropy_reward and prepare_run pass the run's attributes
        assert entropy_reward(table).attrs["metrics"][table["run"].iloc[0]] == (ent_key, perf_key)
        assert d.entropy == ent_key, d.reason
        assert choose(list(counts), counts=counts, kind="train").reward == train_key
        _check_column(_series(table, ent_key), want["entropy"], f"{csv.name}: entropy")
        _check_column(_series(table, train_key), want["reward"], f"{csv.name}: reward")
        if want["val_acc"].notna().any():
            _check_column(_series(table, d.reward) * scale, want["val_acc"], f"{csv.name}: val_acc")


def test_diqiu_tie_broken_by_training_data_and_unbroken_without_it(corpus_dir):
    """diqiu validates on GSM8K and MATH equally often: the printed verl config's
    ``data.train_files`` (gsm8k first, then math) breaks the tie and the reason says so;
    without the run's attributes the tie stands and detection raises."""
    path = corpus_dir / "raw" / "diqiu_qwen2-7b_math_gpg" / "qwen2-7b_math.log"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = el.load(path)
    counts = table["metric"].value_counts().to_dict()
    d = choose(list(counts), counts=counts, meta=table.attrs["run_meta"]["qwen2-7b_math"])
    assert d.reward == "val-core/openai/gsm8k/reward/mean@1"
    assert "config.data.train_files[0] = '/data/share8/ml/data/gsm8k/train.parquet'" in d.reason
    assert "MATH-lighteval matches config.data.train_files[1]" in d.reason
    with pytest.raises(MetricError, match="several performance metrics") as exc:
        choose(list(counts), counts=counts)
    assert sorted(exc.value.candidates) == [
        "val-core/DigitalLearningGmbH/MATH-lighteval/reward/mean@1",
        "val-core/openai/gsm8k/reward/mean@1",
    ]


def test_trl_markdown_log_without_tidy_csv(corpus_dir):
    """The TRL log saved as Markdown: entropy and reward every 10 steps (tqdm counters)."""
    path = corpus_dir / "raw" / "juncylu_trl_grpo_qwen2.5vl3b_aokvqa" / "run_terminal.md"
    assert discover(path)[0][0].reader.name == "hf-console"
    table = el.load(path)
    d = choose(table["metric"].unique().tolist(), counts=table["metric"].value_counts().to_dict())
    assert (d.entropy, d.reward) == ("entropy", "reward")
    steps = _series(table, "entropy").index.tolist()
    assert steps == list(range(10, 491, 10))  # 49 dicts, logging_steps = 10 (SOURCES.md)
    assert table.attrs["run_meta"][table["run"].iloc[0]]["step_rule"].startswith("tqdm counters")
    # first logged dict, as printed in the file
    assert _series(table, "entropy").iloc[0] == pytest.approx(0.9559141263365746, rel=0, abs=0)


def test_whole_corpus_folder_summary(corpus_dir):
    """Loading raw/ at once: 44 runs, the Tinker config skipped as metadata, and the
    W&B metadata kept as a run attribute."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = scan(corpus_dir / "raw")
    assert rep.table["run"].nunique() == 44
    assert not rep.errors
    assert [Path(s).name for s in rep.skipped] == ["logs_v2p3__config.json"]
    assert "run metadata" in rep.summary()
    meta = rep.table.attrs["run_meta"]["jiang_opd_run-20251129_221801-i80f2v90"]
    assert meta["format"] == "wandb-console"
    assert meta["wandb_metadata"]["python"].startswith("CPython")
    assert "no run-*.wandb file" in meta["note"]
    assert (
        "actor_rollout_ref"
        in rep.table.attrs["run_meta"]["bihan_qwen2.5-7b_gsm8k_ppo_resumed/verl_demo"]["config"]
    )
