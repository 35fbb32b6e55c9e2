"""The TensorBoard event-file reader on damaged and awkward input: truncation, flipped bytes,
records that are not events, files without scalars, a folder of two files, and errors that
name the file."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorboardX as tbx
from _tensorboard_files import f32, only_file, write_tbx_file

from entropy_law.errors import DataWarning, LoadError, TruncatedLogWarning
from entropy_law.loaders import tensorboard as tb
from entropy_law.loaders.tensorboard import READER, read, read_events


@pytest.fixture(scope="module")
def tbx_file(tmp_path_factory) -> Path:
    """A real tensorboardX SummaryWriter file: scalars plus a histogram and a text."""
    return write_tbx_file(tmp_path_factory.mktemp("tbx"))


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
