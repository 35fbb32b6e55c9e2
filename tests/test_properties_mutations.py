"""Byte-level mutations of every log format (issue 9, item 3): truncate, flip a bit,
insert bytes, delete bytes.

Properties, for TensorBoard event files, ``.wandb`` transaction logs, MLflow metric files,
JSON Lines and verl console logs:

* never a traceback: the reader returns a table or raises the project's ``LoadError``;
* the intact records before the damage are kept, exactly;
* binary formats (CRC-checked) never yield a point that was not written;
* a warning when anything is dropped -- checked for truncation off a record boundary
  (a cut exactly at a record boundary, or a deleted whole line of text, cannot be seen).

The intact files are built once per module; hypothesis draws the mutation, derandomised.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from _craft import history_record, wandb_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entropy_law.errors import LoadError
from entropy_law.loaders import mlflow, tabular, verl_console, wandb_run
from entropy_law.loaders.tensorboard import read_events

SETTINGS = dict(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RNG_SEED = 20260101

MUTATIONS = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 2**31)),
    st.tuples(st.just("flip"), st.integers(0, 2**31), st.integers(0, 7)),
    st.tuples(st.just("insert"), st.integers(0, 2**31), st.binary(min_size=1, max_size=24)),
    st.tuples(st.just("delete"), st.integers(0, 2**31), st.integers(1, 64)),
)


def mutate(data: bytes, m: tuple) -> tuple[bytes, int]:
    """The mutated bytes and the offset of the first changed byte."""
    pos = m[1] % (len(data) + (m[0] in ("truncate", "insert")))
    if m[0] == "truncate":
        return data[:pos], pos
    if m[0] == "flip":
        b = bytearray(data)
        b[pos] ^= 1 << m[2]
        return bytes(b), pos
    if m[0] == "insert":
        return data[:pos] + m[2] + data[pos:], pos
    return data[:pos] + data[pos + m[2] :], pos


def run_reader(read, path: Path):
    """``(table or None, warnings)``; any exception but LoadError fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = read(path)
        except LoadError:
            out = None
    return out, [w for w in caught if issubclass(w.category, UserWarning)]


def _in_tmp(name: str, data: bytes, read):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        return run_reader(read, p)


def _rows(df) -> list[tuple]:
    return list(zip(df.step.tolist(), df.metric.tolist(), df.value.tolist(), strict=True))


# ---------------------------------------------------------------- TensorBoard


@cache
def tb_base() -> tuple[bytes, list[tuple], list[int]]:
    """A tensorboardX event file, its points in file order and the end offset of each record."""
    from tensorboardX import SummaryWriter

    from entropy_law.loaders._tfevents import frame_records

    rng = np.random.default_rng(RNG_SEED)
    with tempfile.TemporaryDirectory() as d:
        w = SummaryWriter(d)
        for s in range(30):
            w.add_scalar("actor/entropy", float(rng.random()), s)
            w.add_scalar("critic/score/mean", float(rng.random()), s)
        w.close()
        (f,) = Path(d).glob("events.out.tfevents.*")
        data = f.read_bytes()
    offs, lens, _ = frame_records(data)
    ends = (offs + 16 + lens).tolist()
    return data, _rows(read_events_quiet(data)), ends


def read_events_quiet(data: bytes):
    out, _ = _in_tmp("events.out.tfevents.1.h", data, read_events)
    return out


@settings(max_examples=60, **SETTINGS)
@given(m=MUTATIONS)
def test_tensorboard_mutations(m):
    data, orig, ends = tb_base()
    bad, pos = mutate(data, m)
    out, caught = _in_tmp("events.out.tfevents.1.h", bad, read_events)
    got = [] if out is None else _rows(out)
    # every scalar record is one point here; records 0.. are the file header (no point)
    n_intact = sum(1 for e in ends if e <= pos) - (len(ends) - len(orig))
    assert got[: max(n_intact, 0)] == orig[: max(n_intact, 0)]  # the intact prefix, exactly
    assert all(p in set(orig) for p in got)  # CRCs: nothing that was not written
    if m[0] == "truncate" and pos not in ends and len(got) < len(orig):
        assert out is None or caught, "records lost with no warning"


# ---------------------------------------------------------------- .wandb


@cache
def wandb_base() -> tuple[bytes, list[tuple], list[int]]:
    """A crafted .wandb file of 150 history records spanning 3 blocks (some records split
    across blocks), its points and the end offset of each record's last chunk."""
    from _craft import wandb_chunks

    rng = np.random.default_rng(RNG_SEED)
    payloads = [
        history_record(
            {"_step": str(s), "actor/entropy": repr(float(rng.random())), "pad": json.dumps("x" * 500)}
        )
        for s in range(150)
    ]
    data = wandb_frame(payloads)
    ends = [off + 7 + n for off, n, kind in wandb_chunks(data) if kind in (1, 4)]
    assert len(data) > 2 * wandb_run.BLOCK and len(ends) == 150
    out, _ = _in_tmp("run-x.wandb", data, wandb_run.read_run)
    return data, _rows(out), ends


@settings(max_examples=60, **SETTINGS)
@given(m=MUTATIONS)
def test_wandb_mutations(m):
    data, orig, ends = wandb_base()
    bad, pos = mutate(data, m)
    out, caught = _in_tmp("run-x.wandb", bad, wandb_run.read_run)
    got = [] if out is None else _rows(out)
    n_intact = sum(1 for e in ends if e <= pos)
    if pos >= 7:  # past the header: the records before the damage are all kept
        assert got[:n_intact] == orig[:n_intact]
    assert set(got) <= set(orig)  # CRCs: nothing that was not written
    lost = len(got) < len(orig)
    if lost and not (m[0] == "truncate" and (pos in ends or pos == 7)):
        assert out is None or caught, "records lost with no warning"


# ---------------------------------------------------------------- text logs


def _text_lines(kind: str) -> list[str]:
    rng = np.random.default_rng(RNG_SEED)
    vals = rng.random((40, 2))
    if kind == "mlflow":
        return [f"{1_700_000_000_000 + s} {float(vals[s, 0])!r} {s}\n" for s in range(40)]
    if kind == "jsonl":
        return [
            json.dumps({"step": s, "actor/entropy": float(vals[s, 0]), "score": float(vals[s, 1])}) + "\n"
            for s in range(40)
        ]
    return [
        f"step:{s} - actor/entropy:{vals[s, 0]:.3f} - critic/score/mean:{vals[s, 1]:.3f}\n" for s in range(40)
    ]


def _read_mlflow_metric(path: Path):
    steps, values, _ = mlflow._read_metric_file(path, "a")
    return pd.DataFrame({"step": steps, "metric": "a", "value": values})


READERS = {
    "mlflow": ("a", _read_mlflow_metric),
    "jsonl": ("run.jsonl", lambda p: tabular.frame_to_long(tabular.read_frame(p, "jsonl"), p)),
    "verl": ("run.log", verl_console.read),
}


def _points_per_line(kind: str) -> int:
    return {"mlflow": 1, "jsonl": 2, "verl": 2}[kind]


def _check_text(kind: str, m: tuple) -> None:
    lines = _text_lines(kind)
    data = "".join(lines).encode()
    name, read = READERS[kind]
    _, orig_w = _in_tmp(name, data, read)
    orig = _rows(_in_tmp(name, data, read)[0])
    assert not orig_w and len(orig) == 40 * _points_per_line(kind)
    bad, pos = mutate(data, m)
    out, caught = _in_tmp(name, bad, read)
    got = [] if out is None else _rows(out)
    ends = np.cumsum([len(x) for x in lines]).tolist()
    before = sum(1 for e in ends if e <= pos)  # lines wholly before the first changed byte
    if kind == "jsonl":  # melted metric by metric: compare as sets
        want = {r for r in orig if r[0] < before}
        assert want <= set(got), "intact lines before the damage lost"
    else:
        k = before * _points_per_line(kind)
        assert got[:k] == orig[:k], "intact lines before the damage lost"
    at_boundary = pos == 0 or pos in ends or (pos + 1) in ends  # a cut right before "\n" loses nothing
    # a verl line is checked against the keys of the line before; the first has none (a
    # one-item first line "step:0 - a:0.5" cut after its first value looks complete)
    if m[0] == "truncate" and not at_boundary and not (kind == "verl" and before == 0):
        full = (before + 1) * _points_per_line(kind)
        if len(got) < full:
            assert out is None or caught, "a cut line was dropped with no warning"


@settings(max_examples=40, **SETTINGS)
@given(m=MUTATIONS)
def test_mlflow_metric_file_mutations(m):
    _check_text("mlflow", m)


@settings(max_examples=40, **SETTINGS)
@given(m=MUTATIONS)
def test_jsonl_mutations(m):
    _check_text("jsonl", m)


@settings(max_examples=40, **SETTINGS)
@given(m=MUTATIONS)
def test_verl_console_mutations(m):
    _check_text("verl", m)


def test_mutate_helper_is_exact():
    data = bytes(range(10))
    assert mutate(data, ("truncate", 3)) == (data[:3], 3)
    assert mutate(data, ("flip", 2, 0))[0][2] == 3
    assert mutate(data, ("insert", 1, b"ab"))[0] == data[:1] + b"ab" + data[1:]
    assert mutate(data, ("delete", 4, 2))[0] == data[:4] + data[6:]
