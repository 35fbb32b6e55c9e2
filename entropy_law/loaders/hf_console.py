"""Hugging Face ``Trainer`` / TRL console logs: the printed dicts ``{'loss': ..., 'entropy': ...}``.

``Trainer``'s progress callback prints every logged dict with ``tqdm.write(str(logs))``,
so a console capture (a ``.log``/``.txt``/``.out`` file, a Markdown file holding it, a
W&B ``files/output.log``) holds one Python dict repr per logging step, interleaved with
tqdm progress bars and whatever else the job printed (a second process, vLLM, warnings).

Which text is a logged dict
    a one-line ``{'key': value, ...}`` with at least two numeric values and one of the
    keys the Trainer always adds (``epoch``) or logs (``loss``, ``learning_rate``,
    ``grad_norm``, ``eval_*``). Values may be numbers, ``nan``/``inf``, numpy reprs
    (``np.float64(0.25)``) or numbers in quotes (``'0.2188'``: recent transformers print
    every float as ``f"{v:.4g}"``, so such values carry 4 significant digits); other text
    values are skipped. A dict whose keys are only the
    end-of-training summary (``train_runtime``, ``train_loss``, ...) is a run attribute.
    Dicts with a key starting ``eval_`` are evaluation dicts; the others are training dicts.

Steps (the dicts carry none), first rule that applies:
    1. **tqdm counters**: when tqdm.write prints a dict it clears the bar (a run of spaces)
       and redraws it at the same count, so each logging event shows the main bar (the one
       whose total is ``Total optimization steps``, else the most common total) right after a
       clear, or twice in a row, at the count = ``global_step``. If the distinct redraw
       counts, in order, are as many as the training dicts and increasing, they are the
       steps. (stdout and stderr are buffered apart, so the *position* of a dict among the
       bars is not used.) A capture cut while the job ran can show more redraws than
       dicts, the bars being flushed ahead: the first redraws are then the dicts' steps,
       as ``watch`` pairs them while it reads, with a :class:`TruncatedLogWarning` (the file
       ends inside a dict or without a line end) or a :class:`DataWarning` (it ends at a
       line end; ``logging_steps`` given by the caller takes precedence then).
    2. **logging_steps** given by the caller (``el.load(..., logging_steps=N)``, CLI
       ``--logging-steps N``), else found in the text (``logging_steps=N``,
       ``"logging_steps": N``, ``--logging-steps N``): the *i*-th training dict (from 1)
       is step ``N * i``.
    3. the dict index (1, 2, ...) with a :class:`DataWarning` that says so.

    An evaluation dict takes the step of the training dict printed before it.

A file that ends inside a dict (``{'loss': 0.25, 're``) keeps every complete dict before
it, with a :class:`TruncatedLogWarning`.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from .base import Reader
from .hf_trainer_state import SUMMARY_KEYS
from .options import current

__all__ = ["READER", "read", "sniff_file", "parse_dicts", "tqdm_steps"]

_SUFFIXES = (".log", ".txt", ".out", ".err", ".md", "")
_DICT = re.compile(r"\{'[^{}\r\n]*\}")
_PAIR = re.compile(r"'([^'\r\n]+)':\s*([^,{}]+?)\s*(?=,\s*'|\}$|\}|$)")
_WRAPPED = re.compile(r"^(?:np\.|numpy\.)?(?:float|int|uint)\d*\((.*)\)$|^tensor\(([^,()]*)")
_HF_KEYS = ("epoch", "loss", "learning_rate", "grad_norm")
_BAR = re.compile(r"(\d+)%\|[^|\r\n]*\|\s*(\d+)/(\d+) \[")
_TOTAL = re.compile(r"Total optimization steps\s*=\s*([\d,]+)")
_LOGGING_STEPS = re.compile(r"""(?:["']?logging[_-]steps["']?\s*[=:]\s*|--logging[_-]steps[= ])(\d+)""")


def _number(text: str) -> float | None:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].strip()  # transformers >= 4.5x prints floats as strings: f"{v:.4g}"
    m = _WRAPPED.match(text)
    if m:
        text = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
    try:
        return float(text)  # also 'nan', 'inf', '-inf'
    except ValueError:
        return None


def parse_dicts(text: str) -> list[dict[str, float]]:
    """Every logged Trainer dict in *text*, in order, as ``{key: float}``."""
    out = []
    for m in _DICT.finditer(text):
        body = m.group(0)
        pairs = {}
        for pm in _PAIR.finditer(body):
            v = _number(pm.group(2))
            if v is not None:
                pairs[pm.group(1)] = v
        keys = pairs.keys()
        if len(pairs) >= 2 and (any(k in keys for k in _HF_KEYS) or any(k.startswith("eval_") for k in keys)):
            out.append(pairs)
    return out


def _after_clear(text: str, start: int) -> bool:
    """True when the bar drawn at *start* follows tqdm.write's clear (``\\r`` + spaces + ``\\r``)
    with only the written message, if any, in between (no other bar draw)."""
    j = text.rfind("\r", 0, start)  # the bar's own carriage return
    if j < 0 or text[j + 1 : start].strip(" "):
        return False
    k = text.rfind("\r", 0, j)  # the clear's closing one (the message has none)
    i = text.rfind("\r", 0, k) if k >= 0 else -1
    return i >= 0 and k - i > 8 and not text[i + 1 : k].strip(" ")


def tqdm_steps(text: str) -> tuple[list[int], int | None]:
    """The distinct redraw counts of the main training bar, in order, and its total."""
    bars = [(int(m.group(2)), int(m.group(3)), _after_clear(text, m.start())) for m in _BAR.finditer(text)]
    if not bars:
        return [], None
    tm = _TOTAL.search(text)
    total = int(tm.group(1).replace(",", "")) if tm else None
    totals = Counter(t for _c, t, _cl in bars)
    if total is None or total not in totals:
        total = totals.most_common(1)[0][0]
    main = [(c, cl) for c, t, cl in bars if t == total]
    redraw: list[int] = []
    for (a, _), (b, cleared) in zip([(-1, False), *main], main):
        # drawn twice in a row, or right after tqdm.write's clear (the bar is not drawn at
        # every step: tqdm's mininterval)
        if (a == b or cleared) and (not redraw or b > redraw[-1]):
            redraw.append(b)
    return redraw, total


def _cut_inside_dict(text: str) -> str:
    """The unfinished dict the text ends in (``{'loss': 0.25, 're``), else ``""``."""
    tail = re.split(r"[\r\n]", text)[-1]
    start = tail.rfind("{'")
    if start < 0 or "}" in tail[start:]:
        return ""
    part = tail[start:]
    return part if re.search(r"'[^'\r\n]+':\s*\S", part) else ""


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    return raw.decode("utf-8", errors="replace")


def read(path: Path) -> pd.DataFrame:
    """Read a Trainer / TRL console log into ``step, metric, value`` (rules above)."""
    path = Path(path)
    text = _read_text(path)
    dicts = parse_dicts(text)
    meta: dict = {}
    train, evals = [], []  # (dict index, dict)
    for i, d in enumerate(dicts):
        if set(d) <= SUMMARY_KEYS | {"epoch"}:
            meta.update({k: v for k, v in d.items() if k != "epoch"})
        elif any(k.startswith("eval_") for k in d):
            evals.append((i, d))
        else:
            train.append((i, d))
    if not train and not evals:
        raise LoadError(
            path,
            "no Trainer log dicts found; expected lines like \"{'loss': 0.1, 'entropy': 0.5, "
            "'epoch': 0.01}\" as transformers' Trainer / TRL print them.",
        )
    redraw, total = tqdm_steps(text)
    opt = current().logging_steps
    found = _LOGGING_STEPS.search(text)
    n = len(train)
    cut = _cut_inside_dict(text)
    open_end = bool(cut) or not text.endswith(("\n", "\r"))
    ahead = bool(n) and len(redraw) > n and not opt
    if n and len(redraw) == n:
        steps = redraw
        rule = f"tqdm counters of the {total}-step progress bar"
    elif ahead:
        # a capture cut while the job ran: stderr's bars are flushed ahead of stdout's
        # dicts, so the redraws of the last logging events have no dict in the file; the
        # i-th redraw is still the i-th dict's step (the rule `watch` applies as it reads)
        steps = redraw[:n]
        rule = f"tqdm counters of the {total}-step progress bar (first {n} of {len(redraw)} redraws)"
    elif opt or found:
        every = int(opt or found.group(1))  # type: ignore[union-attr]
        steps = [every * (j + 1) for j in range(n)]
        rule = f"logging_steps={every} ({'given' if opt else 'found in the log'}) x dict index"
    else:
        steps = list(range(1, n + 1))
        rule = "dict index"
        warnings.warn(
            f"{path}: the Trainer dicts carry no step and the tqdm counters do not match them "
            f"({len(redraw)} redraw(s) for {n} dict(s)); numbered the dicts 1..{n}. Pass "
            "logging_steps=N (CLI: --logging-steps N) to get trainer steps.",
            DataWarning,
            stacklevel=2,
        )
    steps_note = (
        f"the {n} dicts have the steps of the first {n} of the {len(redraw)} logging events "
        f"its progress bar shows (the dicts of the last {len(redraw) - n} are not in the file)"
        if ahead
        else ""
    )
    if cut or (ahead and open_end):
        what = f"ends inside a logged dict ({cut[-40:]!r})" if cut else "ends while the job was writing"
        warnings.warn(
            f"{path}: the file {what}, cut while being written; kept every complete dict "
            f"before the cut" + (f"; {steps_note}." if ahead else "."),
            TruncatedLogWarning,
            stacklevel=2,
        )
    elif ahead:  # ends at a line end: cut at one, or dicts lost; pass logging_steps if so
        warnings.warn(
            f"{path}: {steps_note}; a log cut while being written looks like this. If dicts "
            "are missing in the middle instead, pass logging_steps=N (CLI: --logging-steps N).",
            DataWarning,
            stacklevel=2,
        )
    meta["step_rule"] = rule
    if total is not None:
        meta["max_steps"] = total
    step_of = {i: s for (i, _d), s in zip(train, steps)}
    rows_s: list[int] = []
    rows_k: list[str] = []
    rows_v: list[float] = []
    for (_i, d), s in zip(train, steps):
        for k, v in d.items():
            rows_s.append(s)
            rows_k.append(k)
            rows_v.append(v)
    orphan = 0
    for i, d in evals:
        before = [s for j, s in step_of.items() if j < i]
        if not before:
            orphan += 1
            continue
        for key, v in d.items():
            if key == "epoch":
                continue  # the training dict at this step has it
            rows_s.append(before[-1])
            rows_k.append(key)
            rows_v.append(v)
    if orphan:
        warnings.warn(
            f"{path}: skipped {orphan} evaluation dict(s) printed before any training dict "
            "(no step to give them).",
            DataWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(
        {
            "step": np.asarray(rows_s, dtype=np.int64),
            "metric": rows_k,
            "value": np.asarray(rows_v, dtype=float),
        }
    )
    out.attrs["meta"] = meta
    return out


def _head(path: Path) -> str | None:
    """The first 4 MiB of *path* as text (None if unreadable): what sniffing looks at."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(4 * 1024 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return None


def progress_only(path: Path) -> bool:
    """A text file whose first 4 MiB show tqdm progress bars but no Trainer dict: a console
    capture before its first logging step (nothing to read yet; ``watch`` follows it)."""
    head = _head(path)
    return head is not None and bool(_BAR.search(head)) and not parse_dicts(head)


def young_capture_note(path: Path) -> str:
    """What to tell a user whose file is a capture before its first dict ("" otherwise)."""
    if not progress_only(path):
        return ""
    return (
        "The file shows progress bars but no logged metrics yet (a Trainer / TRL console "
        f"capture before its first logging step?); `entropy-law watch {path}` follows it as "
        "it grows. "
    )


def sniff_file(path: Path) -> bool:
    """A text file whose first 4 MiB hold a Trainer log dict."""
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        return False
    head = _head(path)
    return head is not None and "{'" in head and bool(parse_dicts(head))


READER = Reader(
    name="hf-console",
    description="Hugging Face Trainer / TRL console log (printed {'loss': ..., 'entropy': ...} dicts)",
    read=read,
    sniff_file=sniff_file,
)
