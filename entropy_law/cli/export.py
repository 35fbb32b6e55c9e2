"""``--csv PATH`` / ``--parquet PATH``: the table a command prints, as a file.

``fit``, ``forecast``, ``backtest`` and ``compare`` take both options. The file holds one
row per run (``fit``, ``forecast``), per run and cut (``backtest``) or per run and
quantity (``compare``), with numbers rather than the printed text (``plateau`` and
``plateau_low``/``plateau_high`` instead of ``0.645 [0.606, 0.685]``); runs that failed
get a row with ``status`` ``error`` and their ``message``. Both paths are checked before
any work (exit 2), as ``--plot`` is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from .common import check_output, echo_err, fail
from .output import note

__all__ = [
    "CsvOpt",
    "ParquetOpt",
    "CsvCutOpt",
    "ParquetCutOpt",
    "CsvDiffOpt",
    "ParquetDiffOpt",
    "check_exports",
    "write_exports",
    "forecast_frame",
    "source_of",
]


def _csv(rows: str) -> Any:
    return typer.Option("--csv", help=f"Also write the table to this CSV file (one row per {rows}).")


def _parquet(rows: str) -> Any:
    return typer.Option(
        "--parquet", help=f"Also write the table to this Parquet file (one row per {rows}; needs pyarrow)."
    )


CsvOpt = Annotated[Path | None, _csv("run")]
ParquetOpt = Annotated[Path | None, _parquet("run")]
CsvCutOpt = Annotated[Path | None, _csv("run and cut")]
ParquetCutOpt = Annotated[Path | None, _parquet("run and cut")]
CsvDiffOpt = Annotated[Path | None, _csv("run and quantity")]
ParquetDiffOpt = Annotated[Path | None, _parquet("run and quantity")]


def source_of(sub) -> str | None:
    """The file one run's rows came from (the tidy table's ``source``), for warnings."""
    if "source" not in sub or not len(sub):
        return None
    files = sub["source"].dropna().unique()
    return str(files[0]) if len(files) == 1 else None


def check_exports(csv: Path | None, parquet: Path | None, json_doc: dict | None = None) -> None:
    """Fail (exit 2) before any work when an export path cannot be written, or when
    ``--parquet`` is asked for without a Parquet engine installed."""
    check_output(csv, "--csv", json_doc)
    check_output(parquet, "--parquet", json_doc)
    if parquet is not None:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            try:
                import fastparquet  # type: ignore[import-not-found]  # noqa: F401
            except ImportError:
                raise fail(
                    f"--parquet {parquet}: writing Parquet needs pyarrow (pip install pyarrow); "
                    "or use --csv.",
                    json_doc=json_doc,
                ) from None


def write_exports(frame, csv: Path | None, parquet: Path | None, *, echo: bool = True) -> list[str]:
    """Write *frame* to the files asked for; the error messages of those that failed
    (also printed to stderr unless *echo* is false)."""
    errors = []
    for path, option in ((csv, "--csv"), (parquet, "--parquet")):
        if path is None:
            continue
        try:
            if option == "--csv":
                frame.to_csv(path, index=False)
            else:
                _parquet_safe(frame).to_parquet(path, index=False)
        except (OSError, ValueError, ImportError) as exc:
            errors.append(f"{option} {path}: could not write the table ({exc}).")
            if echo:
                echo_err(f"error: {errors[-1]}")
            continue
        note(f"wrote {path}")
    return errors


def _parquet_safe(frame):
    """Parquet needs one type per column: an object column of booleans (with gaps) becomes
    pandas' nullable boolean, one of numbers a float column, any other mix text."""
    import pandas as pd

    out = frame.copy()
    for c in out.columns:
        if out[c].dtype != object:
            continue
        vals = out[c].dropna()
        if vals.map(lambda v: isinstance(v, str)).all():
            continue
        if vals.map(lambda v: isinstance(v, (bool, np.bool_))).all():
            out[c] = out[c].astype("boolean")
        elif vals.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).all():
            out[c] = pd.to_numeric(out[c], errors="coerce")
        else:
            out[c] = out[c].map(
                lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            )
    return out


def _est(row: dict[str, Any], name: str, est) -> None:
    row[name], (row[f"{name}_low"], row[f"{name}_high"]) = est.value, est.ci


def forecast_frame(results, errors=()) -> Any:
    """``forecast``'s export: the summary table's columns as numbers, one row per run.

    *errors*: ``(run, message)`` pairs of runs that could not be forecast.
    """
    import pandas as pd

    rows = []
    for r in results:
        row: dict[str, Any] = {"run": r.run, "status": r.status, "verdict": r.verdict, "method": r.method}
        row.update(step=int(r.settings.upto_step), horizon=int(r.settings.horizon), now=r.last_value)
        _est(row, "plateau", r.ceiling)
        row["plateau_claimed"] = r.ceiling_claimed  # False where the text says 'not claimed'
        _est(row, "gain", r.expected_gain)
        _est(row, "at_horizon", r.at_horizon)
        _est(row, "saturation_step", r.saturation_step)
        _est(row, "entropy_floor", r.entropy_floor)
        row.update(verdict_reason=r.verdict_reason, message=r.message)
        rows.append(row)
    rows += [{"run": run, "status": "error", "message": msg} for run, msg in errors]
    return pd.DataFrame(rows)
