"""The TensorBoard event-file reader: exact round trips, tensor layouts, real runs, run folders
(damaged files and errors: ``test_load_tensorboard_damage.py``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorboardX as tbx
from _tensorboard_files import STEPS, T0, f32, only_file, series, truth, write_tbx_file
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto

from entropy_law.loaders.tensorboard import read, read_events


@pytest.fixture(scope="module")
def tbx_file(tmp_path_factory) -> Path:
    """A real tensorboardX SummaryWriter file: scalars plus a histogram and a text."""
    return write_tbx_file(tmp_path_factory.mktemp("tbx"))


def test_simple_value_round_trip_is_exact(tbx_file):
    df = read_events(tbx_file)
    assert list(df.columns) == ["step", "metric", "value", "wall_time"]
    assert df["step"].dtype == np.int64 and df["value"].dtype == np.float64
    assert set(df["metric"]) == set(truth())  # the histogram and the text are skipped
    for tag, (steps, vals) in truth().items():
        got_s, got_v = series(df, tag)
        np.testing.assert_array_equal(got_s, steps)
        np.testing.assert_array_equal(got_v, f32(vals))  # exact: float32 stored as-is
        np.testing.assert_array_equal(df.loc[df.metric == tag, "wall_time"], T0 + steps)


def _write_tensor_events(path_dir: Path, kind: str) -> dict[str, np.ndarray]:
    """Tensor-form scalars as torch ``new_style=True`` / TF2 writers store them."""
    fw = tbx.FileWriter(str(path_dir))
    vals = {
        "a/float_val": 1.0 / (STEPS + 3.0),
        "b/double_val": np.sqrt(STEPS + 0.5),
        "c/content": np.cos(STEPS / 7.0),
        "d/other_plugin": STEPS * 0.5,
    }
    for i, s in enumerate(STEPS):
        values = []
        for tag, v in vals.items():
            x = float(v[i])
            if tag == "a/float_val":
                t = TensorProto(dtype=1, float_val=[x])
                plugin = "scalars"
            elif tag == "b/double_val":
                t = TensorProto(dtype=2, double_val=[x])
                plugin = "scalars"
            elif tag == "c/content":  # TF2: bytes, metadata on the first event only
                t = TensorProto(dtype=1, tensor_content=np.float32(x).tobytes())
                plugin = "scalars" if i == 0 else None
            else:  # a 0-d float tensor of another plugin: not a scalar summary
                t = TensorProto(dtype=1, float_val=[x])
                plugin = "my_plugin" if i == 0 else None
            md = (
                SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=plugin))
                if plugin and (kind == "every" or i == 0)
                else None
            )
            values.append(Summary.Value(tag=tag, tensor=t, metadata=md))
        fw.add_summary(Summary(value=values), global_step=int(s), walltime=T0 + i)
    fw.close()
    return vals


@pytest.mark.parametrize("kind", ["every", "first_only"])
def test_tensor_scalars_and_per_tag_plugin_memory(tmp_path, kind):
    vals = _write_tensor_events(tmp_path, kind)
    df = read_events(only_file(tmp_path))
    assert set(df["metric"]) == {"a/float_val", "b/double_val", "c/content"}
    for tag, exact in [
        ("a/float_val", f32(vals["a/float_val"])),
        ("b/double_val", vals["b/double_val"]),  # double: no rounding
        ("c/content", f32(vals["c/content"])),
    ]:
        s, v = series(df, tag)
        np.testing.assert_array_equal(s, STEPS)
        np.testing.assert_array_equal(v, exact)


def test_tensorboard_writer_tensor_scalars(tmp_path):
    """TensorBoard's own writer stores scalars as TF2-style tensors with the scalars plugin
    (the form of torch's ``new_style=True``); torch itself is not a test dependency."""
    from tensorboard.summary import Writer

    w = Writer(str(tmp_path))
    x = np.exp(-STEPS / 40.0)
    for s, v in zip(STEPS, x):
        w.add_scalar("new/float", float(v), int(s))
    w.close()
    s, v = series(read(tmp_path), "new/float")
    np.testing.assert_array_equal(s, STEPS)
    np.testing.assert_array_equal(v, f32(x))


def test_mixed_layouts_match_the_values_written(tmp_path):
    """Random events: several values per event, simple and tensor forms of six dtypes,
    negative and large steps, missing wall_time; the vectorised decoder must return
    exactly what was written, in file order."""
    from tensorboardX.proto.event_pb2 import Event

    rng = np.random.default_rng(11)
    tags = [f"group{i % 3}/metric_{'x' * int(i)}" for i in range(8)]
    kinds = ["simple", "float", "double", "int32", "int64", "half", "content"]
    fw = tbx.FileWriter(str(tmp_path))
    want = []
    for i in range(3000):
        step = int(rng.choice([rng.integers(0, 300), rng.integers(-5, 0), 2**40 + i]))
        wall = 0.0 if i % 97 == 0 else T0 + rng.random() * 1e5
        values = []
        for tag in rng.choice(tags, size=int(rng.integers(1, 4)), replace=False):
            kind = kinds[int(rng.integers(len(kinds)))]
            x = float(rng.normal() * 10.0 ** int(rng.integers(-3, 5)))
            if kind == "simple":
                values.append(Summary.Value(tag=tag, simple_value=x))
                got = f32(x)
            else:
                t = {
                    "float": lambda: TensorProto(dtype=1, float_val=[x]),
                    "double": lambda: TensorProto(dtype=2, double_val=[x]),
                    "int32": lambda: TensorProto(dtype=3, int_val=[int(x)]),
                    "int64": lambda: TensorProto(dtype=9, int64_val=[int(x) * 2**33]),
                    "half": lambda: TensorProto(dtype=19, half_val=[int(np.float16(x).view(np.uint16))]),
                    "content": lambda: TensorProto(dtype=1, tensor_content=np.float32(x).tobytes()),
                }[kind]()
                got = {
                    "float": f32(x),
                    "double": x,
                    "int32": float(int(x)),
                    "int64": float(int(x) * 2**33),
                    "half": float(np.float16(x)),
                    "content": f32(x),
                }[kind]
                md = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
                values.append(Summary.Value(tag=tag, tensor=t, metadata=md))
            want.append((step, str(tag), float(got), wall))
        ev = Event(step=step, summary=Summary(value=values))
        if wall:
            ev.wall_time = wall
        fw.event_writer.add_event(ev)
    fw.close()
    df = read_events(only_file(tmp_path))
    exp = pd.DataFrame(want, columns=["step", "metric", "value", "wall_time"])
    assert len(df) == len(exp)
    np.testing.assert_array_equal(df["step"], exp["step"])
    np.testing.assert_array_equal(df["metric"].astype(object), exp["metric"].astype(object))
    np.testing.assert_array_equal(df["value"], exp["value"])  # exact, every dtype
    np.testing.assert_array_equal(df["wall_time"], exp["wall_time"])


# ----------------------------------------------------------------------------- real runs
TAGS = {
    "entropy": "actor/entropy",
    "reward": "critic/score/mean",
    "val_acc": "val-core/openai/gsm8k/reward/mean@1",
    "val_reward": "val-aux/math_dapo/reward/mean@32",
    "response_length": "response_length/mean",
    "kl_loss": "actor/kl_loss",
    "pg_clipfrac": "actor/pg_clipfrac",
    "pg_clipfrac_lower": "actor/pg_clipfrac_lower",
    "ppo_kl": "actor/ppo_kl",
    "grad_norm": "actor/grad_norm",
    "num_gen_batches": "train/num_gen_batches",
}
RUN_TO_CSV = {  # SOURCES.md: "run dir in repo" -> tidy CSV
    "q7b_fsdp_base": "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_fsdp_base.csv",
    "gsm8k_qwen2_7b_base": "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_base.csv",
    "gsm8k_qwen2_7b_off_ppl": "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_offpolicy1_pipeline.csv",
    "gsm8k_qwen2_7b_off_ppl_behav": "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_"
    "offpolicy1_pipeline_decoupledloss.csv",
    "q7b_mcore_off": "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_megatron_offpolicy1.csv",
    "q3b_fsdp_base": "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_fsdp_base.csv",
    "q3b_fsdp_off_ppl": "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_fsdp_offpolicy1_pipeline.csv",
    "q3b_mcore_off_ppl": "verl-asyncreward_qwen2.5-3b-instruct_grpo_gsm8k_megatron_offpolicy1_pipeline.csv",
    "DAPO-Qwen2-7B-Test": "verl-pr2676_qwen2-7b_dapo_math-dapo_short.csv",
}


def round7(x: np.ndarray) -> np.ndarray:
    return np.array([float(f"{v:.7g}") for v in x])


@pytest.mark.parametrize("run", sorted(RUN_TO_CSV))
def test_real_event_files_reproduce_the_tidy_csvs(real_runs_dir, run):
    raw = list((real_runs_dir / "raw").glob(f"*__{run}__*tfevents*"))
    assert len(raw) == 1, raw
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an intact public file must read without warnings
        df = read(raw[0])
    df = df.drop_duplicates(["metric", "step"], keep="last")  # the tidy() contract
    csv = pd.read_csv(real_runs_dir / RUN_TO_CSV[run])
    tags = dict(TAGS)
    if run.startswith("DAPO"):
        tags["val_acc"] = "val-core/math_dapo/acc/mean@32"
    compared = 0
    for col in csv.columns.drop("step"):
        want = csv[["step", col]].dropna()
        s, v = series(df, tags[col])
        order = np.argsort(s, kind="stable")
        np.testing.assert_array_equal(s[order], want["step"].to_numpy(), err_msg=col)
        np.testing.assert_array_equal(round7(v[order]), want[col].to_numpy(), err_msg=col)
        compared += 1
    assert compared >= 6  # every file has at least entropy, reward, val and 3 extras


def test_load_picks_the_tensorboard_reader_for_a_run_folder(tmp_path, tbx_file):
    import entropy_law as el

    run = tmp_path / "logs" / "grpo_seed1"
    run.mkdir(parents=True)
    (run / tbx_file.name).write_bytes(tbx_file.read_bytes())
    table = el.load(tmp_path / "logs")
    assert set(table["run"]) == {"grpo_seed1"}
    s, v = series(table, "actor/entropy")
    np.testing.assert_array_equal(s, STEPS)
    np.testing.assert_array_equal(v, f32(truth()["actor/entropy"][1]))
