"""Build small damaged logs in code for the reliability tests (no fixture data).

The ``.wandb`` framing here follows the layout the loader documents (LevelDB-log chunks
in 32 KiB blocks after a 7-byte header); :func:`wandb_chunks` parses it back, so tests
can locate records by structure instead of by fixed byte offsets.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32768
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def wandb_frame(payloads: list[bytes]) -> bytes:
    """A ``.wandb`` file holding *payloads* as records, split across blocks as LevelDB does."""
    out = bytearray(HEADER)
    for p in payloads:
        first = True
        while True:
            room = BLOCK - len(out) % BLOCK
            if room < 7:
                out += b"\0" * room
                continue
            frag, p = p[: room - 7], p[room - 7 :]
            end = not p
            kind = (FULL if end else FIRST) if first else (LAST if end else MIDDLE)
            crc = zlib.crc32(frag, zlib.crc32(bytes([kind])))
            out += struct.pack("<IHB", crc, len(frag), kind) + frag
            first = False
            if end:
                break
    return bytes(out)


def wandb_chunks(data: bytes) -> list[tuple[int, int, int]]:
    """``(offset, payload length, type)`` of every chunk of an intact ``.wandb`` file."""
    pos, out = len(HEADER), []
    while pos < len(data):
        room = BLOCK - pos % BLOCK
        if room < 7:
            pos += room
            continue
        _crc, length, kind = struct.unpack_from("<IHB", data, pos)
        if (_crc, length, kind) == (0, 0, 0):
            pos += room
            continue
        out.append((pos, length, kind))
        pos += 7 + length
    return out


def history_record(items: dict[str, str], step: int | None = None) -> bytes:
    """A serialised ``wandb`` history Record with raw ``value_json`` strings."""
    from wandb.proto import wandb_internal_pb2 as pb

    r = pb.Record()
    for k, v in items.items():
        it = r.history.item.add()
        it.key = k
        it.value_json = v
    if step is not None:
        r.history.step.num = step
    return r.SerializeToString()


def wandb_run_dir(root: Path, payloads: list[bytes], name: str = "run-20260101_000000-abc") -> Path:
    """A run folder ``root/wandb/<name>`` holding one crafted ``.wandb`` file."""
    d = root / "wandb" / name
    d.mkdir(parents=True)
    (d / f"run-{name.split('-')[-1]}.wandb").write_bytes(wandb_frame(payloads))
    return d


def history_jsonl_dir(root: Path, lines: list[str], name: str = "run-20260101_000000-abc") -> Path:
    """A run folder ``root/wandb/<name>/files/wandb-history.jsonl`` with *lines*."""
    d = root / "wandb" / name
    (d / "files").mkdir(parents=True)
    (d / "files" / "wandb-history.jsonl").write_text("\n".join(lines) + "\n")
    return d


def mlflow_store(root: Path, runs: dict[str, dict[str, list[tuple[int, float, int]]]]) -> Path:
    """An MLflow file store ``root/mlruns`` with one experiment; *runs* maps a run name to
    ``{metric key: [(timestamp_ms, value, step), ...]}``. Run ids are 32 hex digits."""
    store = root / "mlruns"
    exp = store / "1"
    exp.mkdir(parents=True)
    (exp / "meta.yaml").write_text("name: exp\n")
    for i, (name, metrics) in enumerate(runs.items()):
        r = exp / f"{i:032x}"
        (r / "tags").mkdir(parents=True)
        (r / "meta.yaml").write_text(f"run_id: {r.name}\n")
        (r / "tags" / "mlflow.runName").write_text(name)
        for key, pts in metrics.items():
            f = r / "metrics" / key
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text("".join(f"{t} {v!r} {s}\n" for t, v, s in pts))
    return store


def tb_record(data: bytes) -> bytes:
    """One TFRecord framing *data* (length, masked CRC32C of it, data, masked CRC32C)."""
    from entropy_law.loaders._tfrecord import masked_crc

    h = struct.pack("<Q", len(data))
    return h + struct.pack("<I", masked_crc(h)) + data + struct.pack("<I", masked_crc(data))


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def chmod_tree(path: Path, mode: int) -> None:
    """chmod *path* and everything under it, top down (to clean up after permission tests)."""
    os.chmod(path, mode)
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, mode)
