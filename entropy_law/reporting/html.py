"""One self-contained HTML page of forecasts: a summary table, one section per run with its
forecast text, forecast plot and fit diagnostics, a comparison plot and a forest plot of
the ceilings when several runs forecast, and the settings. Figures are inline base64 PNGs;
no network is needed to view it.

The summary table has the forecast command's columns (``headline.summary_row``) plus an
``entropy budget`` column (:mod:`entropy_law.forecasting.budget`); a run's section states its
budget and, when the log splits entropy by group, one line per group and the
hidden-exploration flag (:mod:`entropy_law.forecasting.groups`)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

__all__ = ["report", "forecast_runs"]

_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:auto}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}"
    "pre{background:#f6f6f6;padding:6px;overflow-x:auto}.error{color:#a00}.flag{color:#a50;font-weight:bold}"
)
BUDGET_COLUMN = "entropy budget"


def _settings_html(settings) -> str:
    """The forecast settings as a two-column table (not a dataclass repr)."""
    from dataclasses import asdict

    e = html.escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in asdict(settings).items())
    return f'<table class="settings">{rows}</table>'


def budget_cell(r) -> str:
    """The summary table's budget cell: the budget phrase, or why there is none."""
    b = getattr(r, "budget", None)
    if b is None:
        return "n/a (no law-based forecast)"
    return b.phrase()


def _groups_html(r) -> str:
    eg = getattr(r, "entropy_groups", None)
    if eg is None:
        return ""
    e = html.escape
    items = "".join(f"<li>{e(g.line())}</li>" for g in eg.groups)
    flag = f'<p class="flag">Hidden exploration: {e(eg.reason)}</p>' if eg.flagged else ""
    return f'<div class="groups"><p>Entropy by group:</p><ul>{items}</ul>{flag}</div>'


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def forecast_runs(items, **kwargs) -> dict[str, Any]:
    """Run name -> ForecastResult or the error message of a run that failed.

    *items* is what :func:`report` takes; a mapping this function returned is passed through.
    """
    from ..forecasting.forecaster import forecast
    from ..forecasting.result import ForecastResult

    if isinstance(items, dict):
        return dict(items)
    if isinstance(items, ForecastResult):
        items = [items]
    if hasattr(items, "groupby"):
        items = [g for _, g in items.groupby("run", sort=False)]
    out: dict[str, Any] = {}
    for item in items:
        if isinstance(item, ForecastResult):
            out[item.run] = item
            continue
        name = str(item["run"].iloc[0])
        try:
            out[name] = forecast(item, **kwargs)
        except Exception as exc:  # a run that fails gets a section with its error
            out[name] = f"{type(exc).__name__}: {exc}"
    return out


def report(results_or_tables, path: str | Path, **forecast_kwargs) -> Path:
    """Write an HTML report of forecasts to *path* and return the path.

    Parameters
    ----------
    results_or_tables : ForecastResult, sequence of them, tidy DataFrame, or dict
        Forecasts, or a tidy long table (``entropy_law.load``) whose runs are forecast here,
        or what :func:`forecast_runs` returned (run -> ForecastResult or error message).
    path : str or Path
        The HTML file to write.
    **forecast_kwargs
        Passed to :func:`entropy_law.forecast` for tables.
    """
    from ..forecasting.headline import summary_row
    from ..plotting.forecast import plot_forecast

    runs = forecast_runs(results_or_tables, **forecast_kwargs)
    e = html.escape
    ok = [r for r in runs.values() if not isinstance(r, str)]
    names = [*summary_row(ok[0]), BUDGET_COLUMN] if ok else ["run", "error"]
    rows, sections = [], []
    for name, r in runs.items():
        if isinstance(r, str):
            rows.append(f"<tr><td>{e(name)}</td><td colspan={len(names) - 1} class=error>{e(r)}</td></tr>")
            sections.append(
                f'<section class="run"><h2>{e(name)}</h2>'
                f'<p class="error">Forecast failed: {e(r)}</p></section>'
            )
            continue
        cells = [*summary_row(r).values(), budget_cell(r)]
        rows.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in cells) + "</tr>")
        try:
            fig = _png(plot_forecast(r))
        except Exception as exc:
            fig = f'<p class="error">Plot failed: {e(str(exc))}</p>'
        diag = ""
        if r.law_fit is not None:
            diag = (
                "<h3>Fit diagnostics</h3><p>The entropy law fitted alone: its intercept b is not "
                "anchored to the current level, so its b - a can differ from the forecast's hard "
                f"ceiling b' - a above.</p><pre>{e(r.law_fit.report())}</pre>"
            )
        head_line = f'<p class="headline">{e(r.headline())}</p>'
        head_line += f'<p class="budget">Entropy budget: {e(budget_cell(r))}</p>{_groups_html(r)}'
        body = f"<pre>{e(str(r))}</pre>{fig}{diag}"
        sections.append(f'<section class="run"><h2>{e(name)}</h2>{head_line}{body}</section>')
    comp = ""
    if len(ok) > 1:
        try:
            from ..fleet.compare import compare
            from ..plotting.compare import plot_comparison
            from ..plotting.forest import plot_forest

            cmp = compare({r.run: r for r in ok})
            comp = "<h2>Comparison</h2>" + _png(plot_comparison(cmp)) + _png(plot_forest(cmp))
        except Exception as exc:
            comp = f'<p class="error">Comparison failed: {e(str(exc))}</p>'
    settings = _settings_html(ok[0].settings) if ok else "<p>none</p>"
    head = "".join(f"<th>{e(c)}</th>" for c in names)
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>entropy-law report</title>"
        f"<style>{_CSS}</style></head><body><h1>entropy-law report</h1><table><tr>{head}</tr>"
        f"{''.join(rows)}</table>{comp}{''.join(sections)}"
        f"<h2>Settings</h2>{settings}</body></html>"
    )
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out
