"""verl console logs: synthetic lines and the real public logs in ../shared/real_runs."""

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.errors import LoadError, TruncatedLogWarning

# raw console log -> tidy CSV made from it (see ../shared/real_runs/SOURCES.md)
REAL_CONSOLE = {
    "eric-haibin-lin_verl-data__Qwen2.5-0.5B-bsz256_2-prompt1024-resp512-0.567.log": "verl-data_qwen2.5-0.5b-instruct_ppo_gsm8k_resp512.csv",
    "eric-haibin-lin_verl-data__gemma-2-2b-it-ppo-bsz512_4-prompt1024-resp-512-0.640.log": "verl-data_gemma-2-2b-it-sft_ppo_gsm8k.csv",
}
# tidy CSV column -> console keys (val_acc at step 0 is verl v0.1's initial validation)
COLUMNS = {
    "entropy": ["actor/entropy_loss"],
    "reward": ["critic/score/mean"],
    "val_acc": ["val/test_score/openai/gsm8k", "test_score/openai/gsm8k"],
    "reward_with_kl_penalty": ["critic/rewards/mean"],
    "response_length": ["response_length/mean"],
    "kl": ["critic/kl"],
    "pg_clipfrac": ["actor/pg_clipfrac"],
    "ppo_kl": ["actor/ppo_kl"],
}


@pytest.mark.parametrize("raw_name", sorted(REAL_CONSOLE))
def test_real_console_logs_reproduce_tidy_csv(real_runs_dir, raw_name):
    t = el.load(real_runs_dir / "raw" / raw_name)
    tidy_csv = pd.read_csv(real_runs_dir / REAL_CONSOLE[raw_name])
    wide = el.to_wide(t).droplevel("run")
    for col, keys in COLUMNS.items():
        if col not in tidy_csv:
            continue
        expected = tidy_csv.set_index("step")[col].dropna()
        got = pd.concat([wide[k].dropna() for k in keys if k in wide])
        got = got[~got.index.duplicated()].sort_index()
        assert got.index.tolist() == expected.index.tolist(), col
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy(), err_msg=col)


def test_ray_prefix_ansi_and_numpy_reprs(tmp_path):
    p = tmp_path / "train.log"
    p.write_text(
        "config {'lr': 1e-6}\n"
        "\x1b[36m(main_task pid=1)\x1b[0m step:1 - actor/entropy:0.532 - critic/score/mean:-0.000\n"
        "(TaskRunner pid=2) step:2 - actor/entropy:np.float64(0.5) - critic/score/mean:"
        "np.float32(0.25) - training/global_step:2\n"
        "Traceback: something unrelated: 3\n"
    )
    t = el.load(p)
    w = el.to_wide(t).droplevel("run")
    assert w["actor/entropy"].tolist() == [0.532, 0.5]
    assert w["critic/score/mean"].tolist() == [0.0, 0.25]
    assert w["training/global_step"].dropna().tolist() == [2.0]


def test_cut_last_line_drops_only_unfinished_item(tmp_path):
    p = tmp_path / "train.log"
    full = "step:1 - actor/entropy:0.500 - critic/score/mean:0.100 - response_length/mean:200.000\n"
    p.write_text(full + "step:2 - actor/entropy:0.400 - critic/score/mean:0.2")
    with pytest.warns(TruncatedLogWarning, match="step 2"):
        t = el.load(p)
    w = el.to_wide(t).droplevel("run")
    assert w.loc[2, "actor/entropy"] == 0.4
    assert np.isnan(w.loc[2, "critic/score/mean"])


def test_log_without_step_lines_is_rejected(tmp_path):
    p = tmp_path / "x.log"
    p.write_text("step:1 - a:1\n")
    p2 = tmp_path / "y.log"
    p2.write_text("hello world\n")
    with pytest.raises(LoadError, match="format not recognised"):
        el.load(p2)
