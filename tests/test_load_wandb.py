"""Weights & Biases readers: offline run folders (real SDK), history JSONL, panel exports."""

from __future__ import annotations

import json
import math
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _craft import wandb_chunks

from entropy_law.errors import DataWarning, LoadError, TruncatedLogWarning
from entropy_law.loaders import wandb_export, wandb_run
from entropy_law.table.tidy import tidy

N_STEPS = 120  # enough rows for the .wandb file to span two 32 KiB blocks


def entropy_at(s: int) -> float:
    return 0.5 * math.exp(-s / 20)


def score_at(s: int) -> float:
    return 0.1 + s / 200


def val_at(s: int) -> float:
    return s / N_STEPS + 0.01


# ---------------------------------------------------------------- a real offline run
@pytest.fixture(scope="module")
def offline_run(tmp_path_factory) -> Path:
    """One real wandb offline run (SDK start ~2 s), shared by the tests of this module."""
    import wandb  # the test extra; the jsonl/export tests need none

    root = tmp_path_factory.mktemp("wandb_offline")
    env = {
        "WANDB_MODE": "offline",
        "WANDB_DIR": str(root),
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB__DISABLE_STATS": "true",
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        settings = wandb.Settings(
            x_disable_stats=True, x_disable_meta=True, console="off", save_code=False, disable_git=True
        )
        run = wandb.init(project="t", name="my-run", dir=root, mode="offline", settings=settings)
        for s in range(N_STEPS):
            row = {"actor/entropy": entropy_at(s), "critic/score/mean": score_at(s)}
            if s % 5 == 0:
                row["val/acc"] = val_at(s)
                row["notes"] = "text is not a metric"
                row["nested"] = {"a": s * 1.5}
            run.log(row, step=s)
        run.finish()
        wandb.teardown()
    (folder,) = (root / "wandb").glob("offline-run-*")
    return folder


def _quiet_read(path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return wandb_run.read_run(path, **kw)


def _series(df: pd.DataFrame, metric: str) -> tuple[list[int], list[float]]:
    sub = df[df["metric"] == metric].sort_values("step")
    return sub["step"].tolist(), sub["value"].tolist()


def test_offline_run_round_trip_is_exact(offline_run):
    assert wandb_run.sniff_dir(offline_run)
    with pytest.warns(DataWarning, match=r"non-numeric value.*notes: 24"):
        df = wandb_run.read(offline_run)
    assert set(df["run"]) == {"my-run"}  # display name from the run record
    steps, vals = _series(df, "actor/entropy")
    assert steps == list(range(N_STEPS))
    # JSON floats round-trip exactly: equality, no tolerance
    assert vals == [entropy_at(s) for s in range(N_STEPS)]
    assert _series(df, "critic/score/mean")[1] == [score_at(s) for s in range(N_STEPS)]
    vsteps, vvals = _series(df, "val/acc")
    assert vsteps == list(range(0, N_STEPS, 5))  # sparse metric: only where logged
    assert vvals == [val_at(s) for s in vsteps]
    assert _series(df, "nested.a")[1] == [s * 1.5 for s in vsteps]
    assert set(df["metric"]) == {"actor/entropy", "critic/score/mean", "val/acc", "nested.a"}
    wall = df.loc[df["metric"] == "actor/entropy"].sort_values("step")["wall_time"].to_numpy()
    assert np.all(np.isfinite(wall)) and np.all(np.diff(wall) >= 0)
    assert abs(wall[0] - pd.Timestamp.now().timestamp()) < 3600  # seconds since the epoch
    tidy(df, origin="wandb")  # honours the long-table contract


def test_wandb_file_read_directly_matches_folder(offline_run):
    (binary,) = offline_run.glob("run-*.wandb")
    assert wandb_run.sniff_file(binary)
    assert binary.stat().st_size > wandb_run.BLOCK  # multi-chunk records were exercised
    pd.testing.assert_frame_equal(_quiet_read(binary), _quiet_read(offline_run))


def test_sniffers_do_not_claim_other_things(offline_run, tmp_path):
    assert not wandb_run.sniff_dir(offline_run.parent)  # wandb/ holds runs, is not one
    link = tmp_path / "latest-run"
    link.symlink_to(offline_run, target_is_directory=True)
    assert not wandb_run.sniff_dir(link)  # the same run must not be read twice
    fake = tmp_path / "x.wandb"
    fake.write_bytes(b"not a wandb file")
    assert not wandb_run.sniff_file(fake)
    with pytest.raises(LoadError, match="not a W&B transaction log"):
        wandb_run.read(fake)


def test_truncated_wandb_keeps_earlier_rows(offline_run, tmp_path):
    full = _quiet_read(offline_run)
    folder = tmp_path / "offline-run-cut"
    folder.mkdir()
    (binary,) = offline_run.glob("run-*.wandb")
    data = binary.read_bytes()
    cut = len(data) // 2 + 3  # lands inside some record, not on a boundary
    (folder / binary.name).write_bytes(data[:cut])
    with pytest.warns(TruncatedLogWarning, match=rf"{folder.name}.*byte offset \d+"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            warnings.simplefilter("always", TruncatedLogWarning)  # a DataWarning subclass
            part = wandb_run.read(folder)
    steps, vals = _series(part, "actor/entropy")
    assert 10 < len(steps) < N_STEPS  # about half the rows survive
    assert steps == list(range(len(steps)))  # an unbroken prefix
    assert vals == _series(full, "actor/entropy")[1][: len(steps)]


def _records_by_chunk(data: bytes) -> list[tuple[int, int, bytes]]:
    """``(offset of the record's first chunk, its type, payload)`` from the block framing."""
    out, parts, start = [], b"", 0
    for off, length, kind in wandb_chunks(data):
        payload = data[off + 7 : off + 7 + length]
        if kind in (1, 2):
            parts, start = payload, off
        else:
            parts += payload
        if kind in (1, 4):
            out.append((start, kind, parts))
    return out


def _history_step(payload: bytes) -> int | None:
    from wandb.proto import wandb_internal_pb2 as pb

    rec = pb.Record.FromString(payload)
    if rec.WhichOneof("record_type") != "history":
        return None
    return next(
        int(json.loads(i.value_json)) for i in rec.history.item if (i.key or i.nested_key[0]) == "_step"
    )


def test_bad_checksum_skips_to_next_block(offline_run, tmp_path):
    """Damage one history record of block 0, found by parsing the chunk framing (not by a
    fixed offset): the rows of block 0 from that record on are lost, every other row kept."""
    full = _quiet_read(offline_run)
    (binary,) = offline_run.glob("run-*.wandb")
    data = bytearray(binary.read_bytes())
    assert len(data) > wandb_run.BLOCK  # the run spans two blocks (N_STEPS is chosen so)
    records = [(start, _history_step(p)) for start, _kind, p in _records_by_chunk(bytes(data))]
    hist = [(start, step) for start, step in records if step is not None and start < wandb_run.BLOCK]
    start, step = hist[len(hist) // 2]  # a history record in the middle of block 0
    (off, length, kind) = next(c for c in wandb_chunks(bytes(data)) if c[0] == start)
    data[off + 7 + length // 2] ^= 0xFF  # one payload byte: the chunk's CRC no longer matches
    bad = tmp_path / binary.name
    bad.write_bytes(bytes(data))
    with pytest.warns(TruncatedLogWarning, match=rf"byte offset {off} \(checksum mismatch\).*byte 32768"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            warnings.simplefilter("always", TruncatedLogWarning)  # a DataWarning subclass
            part = wandb_run.read(bad)
    lost = {s for st, s in records if s is not None and off <= st < wandb_run.BLOCK}
    assert step in lost and min(s for _, s in records if s is not None) not in lost
    steps, _ = _series(part, "actor/entropy")
    assert steps == [s for s in _series(full, "actor/entropy")[0] if s not in lost]
    merged = part.merge(full, on=["metric", "step"], suffixes=("", "_full"))
    assert len(merged) == len(part) and (merged["value"] == merged["value_full"]).all()


def test_missing_wandb_gives_install_hint(offline_run, monkeypatch):
    for mod in ("wandb", "wandb.proto", "wandb.proto.wandb_internal_pb2"):
        monkeypatch.setitem(sys.modules, mod, None)  # makes `import` raise ImportError
    with pytest.raises(LoadError, match=r"pip install 'entropy-law\[wandb\]'") as err:
        wandb_run.read(offline_run)
    assert "run.history()" in str(err.value) and str(offline_run) in str(err.value)


# ---------------------------------------------------------------- history jsonl folders
def _jsonl_run(tmp_path: Path, lines: list[str], name: str = "run-20240101_000000-abc") -> Path:
    folder = tmp_path / name
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "wandb-history.jsonl").write_text("\n".join(lines))
    return folder


def test_history_jsonl_without_wandb(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # the jsonl path must not need wandb
    media = {"_type": "image-file", "path": "media/images/x.png"}
    rows = [
        {
            "_step": s,
            "_runtime": s * 2.0,
            "_timestamp": 1.7e9 + s,
            "actor/entropy": entropy_at(s),
            "eval": {"acc": s / 10},
            "img": media,
            "flag": True,
        }
        for s in range(4)
    ]
    lines = [json.dumps(r) for r in rows] + ['{"_step": 4, "actor/entr']  # cut last line
    folder = _jsonl_run(tmp_path, lines)
    assert wandb_run.sniff_dir(folder)
    with pytest.warns(TruncatedLogWarning, match=r"last line \(5\) is cut"):
        with pytest.warns(DataWarning, match=r"skipped 4 non-numeric.*flag: 4"):
            df = wandb_run.read(folder)
    assert set(df["run"]) == {folder.name}  # no run record without the binary file
    assert set(df["metric"]) == {"actor/entropy", "eval.acc"}  # media silently skipped
    assert _series(df, "actor/entropy") == ([0, 1, 2, 3], [entropy_at(s) for s in range(4)])
    assert _series(df, "eval.acc")[1] == [0.0, 0.1, 0.2, 0.3]
    assert df.loc[df["metric"] == "eval.acc", "wall_time"].tolist() == [1.7e9 + s for s in range(4)]


def test_history_jsonl_with_other_step_key(tmp_path):
    # HF Trainer style: _step counts log calls, train/global_step is the real axis
    rows = [{"_step": i, "train/global_step": 10 * (i + 1), "train/entropy": 0.1 * i} for i in range(3)] + [
        {"_step": 3, "eval/acc": 0.5}
    ]
    folder = _jsonl_run(tmp_path, [json.dumps(r) for r in rows])
    with pytest.warns(DataWarning, match="1 history row"):
        df = wandb_run.read_run(folder, step="train/global_step")
    assert df["step"].tolist() == [10, 20, 30] and set(df["metric"]) == {"train/entropy"}
    with pytest.raises(LoadError, match="step key 'nope'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            wandb_run.read_run(folder, step="nope")


def test_not_a_run_folder(tmp_path):
    assert not wandb_run.sniff_dir(tmp_path)
    with pytest.raises(LoadError, match="not a W&B run folder"):
        wandb_run.read(tmp_path)


# ---------------------------------------------------------------- panel CSV exports
EXPORT = (
    '"Step","grpo-a - actor/entropy","grpo-a - actor/entropy__MIN","grpo-a - actor/entropy__MAX",'
    '"grpo-b - actor/entropy","grpo-b - actor/entropy__MIN","grpo-b - actor/entropy__MAX",'
    '"ppo, lr=1e-6 - val-core/openai/gsm8k/reward/mean@1"\n'
    '0,"0.5","0.5","0.5","0.61","0.6","0.62",""\n'
    '1.0,"0.45","0.4","0.5","","","","0.25"\n'
    '2,"0.405","0.4","0.41","0.5","0.5","0.5",""\n'
    '10,"","","","0.125","0.1","0.2","0.375"\n'
)


def _write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_export_one_run_per_name_exact_values(tmp_path):
    p = _write(tmp_path, EXPORT)
    assert wandb_export.sniff_file(p)
    df = wandb_export.read(p)
    assert sorted(df["run"].unique()) == ["grpo-a", "grpo-b", "ppo, lr=1e-6"]
    assert not df["metric"].str.contains("__M").any()  # companions dropped
    got = {(r, m): (list(s["step"]), list(s["value"])) for (r, m), s in df.groupby(["run", "metric"])}
    assert got == {  # empty cells are not points; values exactly as written
        ("grpo-a", "actor/entropy"): ([0, 1, 2], [0.5, 0.45, 0.405]),
        ("grpo-b", "actor/entropy"): ([0, 2, 10], [0.61, 0.5, 0.125]),
        ("ppo, lr=1e-6", "val-core/openai/gsm8k/reward/mean@1"): ([1, 10], [0.25, 0.375]),
    }
    assert df["step"].dtype == np.int64
    tidy(df, origin=str(p))


def test_export_global_step_axis_and_ambiguous_names(tmp_path):
    text = "train/global_step,exp - seed 1 - train/reward\n5,0.25\n10,0.5\n"
    p = _write(tmp_path, text)
    assert wandb_export.sniff_file(p)
    with pytest.warns(DataWarning, match="more than once"):
        first = wandb_export.read(p)
    assert (first["run"].iloc[0], first["metric"].iloc[0]) == ("exp", "seed 1 - train/reward")
    with pytest.warns(DataWarning):
        last = wandb_export.read_export(p, split="last")
    assert (last["run"].iloc[0], last["metric"].iloc[0]) == ("exp - seed 1", "train/reward")
    assert last["step"].tolist() == [5, 10]


def test_export_duplicate_run_names_stay_apart(tmp_path):
    p = _write(tmp_path, "Step,a - loss,a - loss\n0,1,2\n")
    with pytest.warns(DataWarning, match="same name"):
        df = wandb_export.read(p)
    assert dict(zip(df["run"], df["value"])) == {"a": 1.0, "a [2]": 2.0}


def test_export_fractional_step_is_an_error(tmp_path):
    p = _write(tmp_path, "Step,r - m\n12.0,1\n12.5,2\n")
    with pytest.raises(LoadError, match=r"export\.csv.*column 'Step', row 3.*'12\.5'.*whole"):
        wandb_export.read(p)


def test_export_text_cell_is_an_error(tmp_path):
    p = _write(tmp_path, "Step,r - m,r - m__MIN\n0,1,1\n1,oops,1\n")
    with pytest.raises(LoadError, match=r"export\.csv.*column 'r - m', row 3 \(Step 1\).*'oops'"):
        wandb_export.read(p)


def test_export_time_axis_is_refused(tmp_path):
    p = _write(tmp_path, "Relative Time (Process),r - m\n0.5,1\n")
    assert wandb_export.sniff_file(p)  # recognised, so the user gets the helpful message
    with pytest.raises(LoadError, match="time axis"):
        wandb_export.read(p)


def test_export_sniffer_leaves_plain_tables_alone(tmp_path, real_runs_dir):
    assert not wandb_export.sniff_file(_write(tmp_path, "step,entropy,reward\n0,1,2\n"))
    assert not wandb_export.sniff_file(_write(tmp_path, "Step,a - b__MIN\n0,1\n", "m.csv"))
    assert not wandb_export.sniff_file(_write(tmp_path, "a - b,Step\n1,0\n", "o.csv"))
    real = sorted(real_runs_dir.glob("*.csv"))
    assert real and not any(wandb_export.sniff_file(f) for f in real)


# ---------------------------------------------------------------- through entropy_law.load
def test_history_dump_and_run_folder_load_through_entropy_law_load(offline_run, tmp_path):
    """A run.history()-shaped CSV (sparse NaN rows) and the run folder give the same points.

    The offline run cannot call the public API, so the dump is rebuilt from the folder
    in the shape ``run.history()`` returns: one row per step, ``_step``, ``_runtime``,
    ``_timestamp`` and a NaN wherever a key was not logged.
    """
    import entropy_law

    folder_df = _quiet_read(offline_run)
    wide = folder_df.pivot_table(index="step", columns="metric", values="value", aggfunc="last")
    wide.columns.name = None
    wall = folder_df.groupby("step")["wall_time"].first()
    hist = wide.reset_index().rename(columns={"step": "_step"})
    hist.insert(1, "_runtime", (wall - wall.min()).to_numpy())
    hist.insert(2, "_timestamp", wall.to_numpy())
    dump = tmp_path / "history.csv"
    hist.to_csv(dump, index=False, float_format="%.17g")
    assert hist["val/acc"].isna().sum() == N_STEPS - N_STEPS // 5  # sparse, as exported

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        from_dump = entropy_law.load(dump)
        copy = tmp_path / "wandb" / offline_run.name
        shutil.copytree(offline_run, copy)
        from_folder = entropy_law.load(tmp_path / "wandb")
    assert set(from_folder["run"]) == {"my-run"}
    for metric in ("actor/entropy", "critic/score/mean", "val/acc"):
        assert _series(from_dump, metric) == _series(folder_df, metric)
        assert _series(from_folder, metric) == _series(folder_df, metric)
    assert "_runtime" not in set(from_dump["metric"])
