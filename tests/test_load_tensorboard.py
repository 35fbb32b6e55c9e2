"""The TensorBoard event-file reader: exact round trips, damage, folders, errors, real runs."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorboardX as tbx
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto

from entropy_law.errors import DataWarning, LoadError, TruncatedLogWarning
from entropy_law.loaders import tensorboard as tb
from entropy_law.loaders.tensorboard import READER, read, read_events

T0 = 1.75e9
STEPS = np.arange(0, 300)


def f32(x) -> np.ndarray:
    """What a float32 proto field stores, as float64 (exactly)."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def truth() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Closed-form curves; val is logged every 10 steps only (tensorboardX rewrites "@")."""
    s = STEPS.astype(float)
    return {
        "actor/entropy": (STEPS, 0.6 * np.exp(-s / 80) + 0.05),
        "critic/score/mean": (STEPS, s / (s + 25.0)),
        "val/test_score/openai/gsm8k": (STEPS[::10], 0.9 - 0.7 * np.exp(-s[::10] / 60)),
    }


def only_file(folder: Path) -> Path:
    files = sorted(folder.glob("*tfevents*"))
    assert len(files) == 1
    return files[0]


def series(df: pd.DataFrame, tag: str) -> tuple[np.ndarray, np.ndarray]:
    d = df[df["metric"] == tag]
    return d["step"].to_numpy(), d["value"].to_numpy()


@pytest.fixture(scope="module")
def tbx_file(tmp_path_factory) -> Path:
    """A real tensorboardX SummaryWriter file: scalars plus a histogram and a text."""
    d = tmp_path_factory.mktemp("tbx")
    w = tbx.SummaryWriter(str(d))
    for tag, (steps, vals) in truth().items():
        for s, v in zip(steps, vals):
            w.add_scalar(tag, float(v), int(s), walltime=T0 + int(s))
    w.add_histogram("actor/logits", np.linspace(-1, 1, 50), 3)
    w.add_text("notes", "hello", 0)
    w.close()
    return only_file(d)


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


# ------------------------------------------------------------------------------ damage
def record_offsets(buf: bytes) -> list[int]:
    offs, o = [], 0
    while o < len(buf):
        offs.append(o)
        o += struct.unpack_from("<Q", buf, o)[0] + 16
    return offs


def points_before(path: Path, k: int, scratch: Path) -> pd.DataFrame:
    """The points of the first k records, read from an intact copy cut at a boundary."""
    buf = path.read_bytes()
    offs = record_offsets(buf)
    scratch.write_bytes(buf[: offs[k]])
    return read_events(scratch)


@pytest.mark.parametrize("where", ["cut", "flip_data", "flip_length", "flip_length_high", "cut_header"])
def test_damaged_file_keeps_every_intact_record_before(tmp_path, tbx_file, where):
    buf = bytearray(tbx_file.read_bytes())
    offs = record_offsets(bytes(buf))
    k = 357  # a record in the middle of the file
    if where == "cut":
        buf = buf[: offs[k] + 20]
    elif where == "cut_header":
        buf = buf[: offs[k] + 5]
    elif where == "flip_data":
        buf[offs[k] + 12 + 3] ^= 0x10
    elif where == "flip_length":
        buf[offs[k] + 1] ^= 0x01  # length + 256: still inside the file
    else:
        buf[offs[k] + 6] ^= 0x40  # length ~ 2**54: runs past the end of the file
    bad = tmp_path / "events.out.tfevents.damaged"
    bad.write_bytes(bytes(buf))
    with pytest.warns(TruncatedLogWarning) as rec:
        df = read_events(bad)
    msg = str(rec[0].message)
    assert bad.name in msg and f"byte offset {offs[k]}" in msg and f"{k} intact record" in msg
    assert "skipped the rest" in msg
    if where.startswith("flip"):  # says what is wrong, not just "cut"
        assert ("CRC32C mismatch in the record " + where.split("_")[1]) in msg
    else:
        assert "ends inside a record" in msg
    want = points_before(tbx_file, k, tmp_path / "events.out.tfevents.ref")
    assert len(want) > 300  # the cut is well inside the scalar records
    pd.testing.assert_frame_equal(df, want)


def test_any_flipped_byte_cuts_at_its_record(tmp_path, tbx_file):
    """Property: a flip anywhere after the first record (length, its CRC, data or data
    CRC) returns exactly the records before the one holding the byte."""
    clean = tbx_file.read_bytes()
    offs = np.array(record_offsets(clean))
    rng = np.random.default_rng(7)
    for pos in rng.integers(offs[1], len(clean), size=12):
        buf = bytearray(clean)
        buf[pos] ^= 1 << int(rng.integers(8))
        k = int(np.searchsorted(offs, pos, side="right") - 1)
        bad = tmp_path / "flipped.bin"  # no "tfevents" in the name: sniffed by framing
        bad.write_bytes(bytes(buf))
        assert tb.sniff_file(bad)
        with pytest.warns(TruncatedLogWarning, match=f"byte offset {offs[k]} "):
            df = read_events(bad)
        pd.testing.assert_frame_equal(df, points_before(tbx_file, k, tmp_path / "ref.bin"))


# ------------------------------------------------------------------------------ folders
def test_folder_of_two_files_is_one_run_and_later_file_wins(tmp_path):
    for i, (steps, value) in enumerate([(range(0, 10), 1.0), (range(5, 15), 2.0)]):
        w = tbx.SummaryWriter(str(tmp_path), filename_suffix=f".part{i}")
        for s in steps:
            w.add_scalar("actor/entropy", value + s / 100, s)
        w.close()
    (tmp_path / "events.out.tfevents.9999999999.empty").write_bytes(b"")
    assert READER.sniff_dir(tmp_path)
    with pytest.warns(DataWarning, match="empty"):
        df = READER.read(tmp_path)
    assert len(df) == 20
    from entropy_law.table.tidy import tidy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the duplicate steps 5-9, expected
        t = tidy(df.assign(run="r"))
    np.testing.assert_array_equal(t["step"], np.arange(15))
    want = np.r_[1.0 + np.arange(5) / 100, 2.0 + np.arange(5, 15) / 100]
    np.testing.assert_array_equal(t["value"], f32(want))  # steps 5-9 from the later file


# ------------------------------------------------------------------------------- errors
def test_errors_name_the_file_and_what_to_do(tmp_path):
    csv = tmp_path / "metrics.csv"
    csv.write_text("step,entropy\n0,0.5\n1,0.4\n")
    with pytest.raises(LoadError, match="expected a TensorBoard event file") as e:
        read_events(csv)
    assert e.value.path == str(csv) and "starts with" in str(e.value)
    assert not tb.sniff_file(csv)
    empty = tmp_path / "events.out.tfevents.1.host"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="empty file"):
        read_events(empty)
    with (
        pytest.raises(LoadError, match="every event file in this folder is empty"),
        pytest.warns(DataWarning, match="skipped 1 empty"),
    ):
        read(tmp_path)
    nothing = tmp_path / "sub"
    nothing.mkdir()
    with pytest.raises(LoadError, match="found none"):
        read(nothing)
    with pytest.raises(LoadError, match="no such file"):
        read_events(tmp_path / "missing")


def test_record_with_valid_crc_but_not_an_event_is_skipped(tmp_path, tbx_file):
    from entropy_law.loaders._tfevents import masked_crc

    def frame(data: bytes) -> bytes:
        head = struct.pack("<Q", len(data))
        return head + struct.pack("<I", masked_crc(head)) + data + struct.pack("<I", masked_crc(data))

    clean = tbx_file.read_bytes()
    offs = record_offsets(clean)
    f = tmp_path / "events.out.tfevents.junk"
    f.write_bytes(clean[: offs[5]] + frame(b"\xff\xff\xff") + clean[offs[5] :])
    with pytest.warns(DataWarning, match=f"skipped 1 record.*byte offset {offs[5]}"):
        df = read_events(f)
    pd.testing.assert_frame_equal(df, read_events(tbx_file))


def test_file_without_scalars_is_an_error_for_read(tmp_path):
    w = tbx.SummaryWriter(str(tmp_path))
    w.add_histogram("h", np.arange(10.0), 0)
    w.close()
    f = only_file(tmp_path)
    assert tb.sniff_file(f) and len(read_events(f)) == 0
    with pytest.raises(LoadError, match="no scalar summaries"):
        read(tmp_path)


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
