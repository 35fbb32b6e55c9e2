"""Write one named section of docs/benchmarks.md, replacing its previous version; shared counts."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    import os

    return (
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores"
    )


def write_section(name: str, body: str) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def plateau_contradictions(level, plateau, at_horizon, scale: float = 1.0) -> tuple[int, int]:
    """``(k, n)``: of *n* forecasts with all three numbers finite, the *k* whose value at the
    horizon lies on the other side of the current level from the plateau, or beyond the
    plateau by more than 2% of *scale* (the checks of tests/test_reference.py)."""
    L, c, h = (np.asarray(x, float) for x in (level, plateau, at_horizon))
    ok = np.isfinite(L) & np.isfinite(c) & np.isfinite(h)
    L, c, h = L[ok], c[ok], h[ok]
    bad = ((c - L) * (h - L) < -1e-4) | (np.abs(h - L) > np.abs(c - L) + 0.02 * scale)
    return int(bad.sum()), int(ok.sum())
