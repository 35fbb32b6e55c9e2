"""Figure files written by the commands (``--plot``, ``--grid``, ``--forest``): checked
before any work, saved with a ``wrote FILE`` line on stderr."""

from __future__ import annotations

from pathlib import Path

from .common import check_output, fail, note

__all__ = ["check_figure_path", "save_figure", "FIGURE_SUFFIXES"]

#: suffixes matplotlib writes without extra software
FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


def check_figure_path(path, option: str, json_doc: dict | None = None) -> None:
    """Fail (exit 2) before any work when *path* cannot be written or has no figure suffix."""
    if path is None:
        return
    check_output(path, option, json_doc)
    suffix = Path(path).suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise fail(
            f"{option} {path}: the suffix {suffix or '(none)'!r} is not a figure format; "
            f"use one of {', '.join(FIGURE_SUFFIXES[:3])} (or {', '.join(FIGURE_SUFFIXES[3:])}).",
            json_doc=json_doc,
        )


def save_figure(fig, path: Path) -> None:
    """Save and close *fig*; an error writing it is an OSError naming the file."""
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, dpi=110)
    except ValueError as exc:
        raise OSError(str(exc)) from None
    finally:
        plt.close(fig)
    note(f"wrote {path}")
