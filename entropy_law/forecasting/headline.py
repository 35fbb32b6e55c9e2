"""One-line headlines and summary tables of :class:`~entropy_law.forecasting.result.ForecastResult` s."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["headline", "summary_row", "summary_frame", "summary_table"]


def _fmt(res, v: float) -> str:
    """A value with precision fitting the metric: 3 decimals in [0, 1], else 4 significant digits."""
    if not math.isfinite(v):
        return "unbounded" if math.isinf(v) else "n/a"
    b = res.bounds
    if b is not None and b[1] - b[0] <= 1.0:
        return f"{v:.3f}"
    return f"{v:.4g}"


def _fmt_gain(res, v: float) -> str:
    """A signed change at the precision of the level it changes (never ``+1.255e-09``).

    On a metric in [0, 1] this is 3 decimals; otherwise as many decimals as the current
    level shows at 4 significant digits, so a gain too small to change the level reads
    ``+0.000`` like the level it is added to.
    """
    if not math.isfinite(v):
        return "unbounded" if math.isinf(v) else "n/a"
    b = res.bounds
    if b is not None and b[1] - b[0] <= 1.0:
        digits = 3
    else:
        ref = abs(float(res.last_value)) if math.isfinite(res.last_value) else abs(v)
        digits = max(0, 3 - math.floor(math.log10(ref))) if ref > 0 else 3
    out = f"{v:+.{digits}f}"
    return out.replace("-", "+", 1) if float(out) == 0 else out  # '-0.000' reads as a drop


def _interval(res, lo: float, hi: float) -> str:
    if math.isnan(lo) and math.isnan(hi):
        return ""
    return f"[{_fmt(res, lo)}, {_fmt(res, hi)}]"


def _step(v: float) -> str:
    return "unbounded" if math.isinf(v) else ("n/a" if math.isnan(v) else str(int(round(v))))


def _verdict(res) -> str:
    if res.verdict == "unforecastable":
        return f"unforecastable: {res.verdict_reason.split(';')[0]}" if res.verdict_reason else res.verdict
    return res.verdict


def _whose(res) -> str:
    """`` (sigmoid)`` when the plateau is the ScaleRL sigmoid's alone, not the law's.

    A run whose entropy is held up (or where the law does not hold) can still get the
    sigmoid's asymptote; its verdict then says the law implies no ceiling, so the plateau
    beside it must say whose it is.
    """
    return " (sigmoid)" if res.method == "sigmoid" else ""


def _passed(res) -> str:
    """Why a combined forecast's horizon value can lie beyond its plateau, when it does.

    The plateau of a law-and-sigmoid combination is the law's (the one ``check`` reports),
    while the path and the value at the horizon are the mean of the two models; where the
    sigmoid's asymptote lies beyond the law's limit the horizon value can pass the plateau
    (12 of 81 law-based forecasts of the forecast benchmark). The headline says so instead
    of leaving "plateau 0.620" beside "gain +0.264" from 0.540 unexplained."""
    if res.method != "combined" or res.sigmoid is None or not res.sigmoid.ok:
        return ""
    L, c, h = res.last_value, float(res.ceiling.value), float(res.at_horizon.value)
    if not all(math.isfinite(v) for v in (L, c, h)):
        return ""
    scale = (res.bounds[1] - res.bounds[0]) if res.bounds is not None else max(abs(c - L), 1e-12)
    if (h - L) * (c - L) >= 0 and abs(h - L) <= abs(c - L) + 0.01 * scale:
        return ""
    return (
        f" (the law's; the sigmoid's asymptote {_fmt(res, float(res.sigmoid.A.value))} "
        f"takes the horizon value past it)"
    )


def summary_row(res) -> dict[str, Any]:
    """Summary columns of one forecast: run, step, now, plateau [lo, hi], gain, 95% step, verdict.

    A ceiling the forecast does not claim (too early, entropy held up, the current level as the
    forecast) is shown as ``not claimed``, with no saturation step, as in the plot.
    """
    sat = res.saturation_step.value
    upto = res.settings.upto_step
    claimed = res.ceiling_claimed
    sat_txt = _step(sat) if claimed else "n/a"
    if claimed and math.isfinite(sat) and sat <= upto:
        sat_txt = f"reached ~{int(round(sat))}"
    g = res.expected_gain
    gain = _fmt_gain(res, g.value)
    if not claimed and (res.verdict == "unforecastable" or res.method == "last_value"):
        gain = "n/a"  # the level carried forward: '+0.000' alone would read 'no gain expected'
    return {
        "run": res.run,
        "step": int(upto),
        "now": _fmt(res, res.last_value),
        "plateau": (f"{_fmt(res, res.ceiling.value)} {_interval(res, *res.ceiling.ci)}".strip() + _whose(res))
        if claimed
        else "not claimed",
        "gain": gain,
        f"{res.settings.saturation_fraction:.0%} step": sat_txt,
        "verdict": _verdict(res),
    }


def headline(res) -> str:
    """One line answering first: level now, plateau, gain to the horizon, saturation step, verdict.

    Only what the forecast claims is stated: where its ceiling is not claimed (see
    :func:`entropy_law.forecasting.claims.claims`) the line says "no plateau claimed" and gives the
    predicted level at the horizon (the gain) without a saturation step or the law's upside;
    a run judged ``plateaued`` all the same is "flat at the current level; the law claims no
    ceiling".
    """
    st = res.settings
    c, g, s = res.ceiling, res.expected_gain, res.saturation_step
    frac = f"{st.saturation_fraction:.0%}"
    parts = [f"{res.run}: {_verdict(res)}", f"now {_fmt(res, res.last_value)} at step {int(st.upto_step)}"]
    claimed = res.ceiling_claimed
    # judged plateaued (flat to the horizon, entropy spent) while the law's ceiling is only
    # reached after the horizon: "plateaued; ...; plateau 0.954" read as a contradiction on
    # a CS336 run whose ceiling needs 10x its steps; the ceiling is named as the law's limit
    late = claimed and res.verdict == "plateaued" and not s.value <= st.horizon
    if claimed and math.isfinite(c.value):
        what = "sigmoid plateau" if res.method == "sigmoid" else "plateau"
        if late:
            what = "the law's limit"
        parts.append(f"{what} {_fmt(res, c.value)} {_interval(res, *c.ci)}".strip() + _passed(res))
    elif not claimed and res.verdict == "plateaued":
        # flat with its entropy spent, though the law claims no ceiling: "plateaued; ...; no
        # plateau claimed" read as a contradiction (TRL rho 5.0 at step 50)
        parts.append("flat at the current level; the law claims no ceiling")
    elif not claimed:
        parts.append("no plateau claimed")
    if math.isfinite(g.value) and res.method != "last_value":  # the level carried forward: no gain
        gain = f"gain to step {int(st.horizon)} {_fmt_gain(res, g.value)} {_interval(res, *g.ci)}"
        parts.append(gain.strip())
    if not claimed:
        pass  # no plateau, so no step at which 95% of it is reached
    elif math.isfinite(s.value) and s.value <= st.upto_step:
        parts.append(f"{frac} of the plateau already reached at about step {int(round(s.value))}")
    elif late:
        finite = math.isfinite(s.value)
        when = f"only at step {int(round(s.value))}" if finite else "beyond the searched steps"
        parts.append(f"{frac} of that limit {when}, after the horizon")
    elif math.isfinite(s.value):
        parts.append(f"{frac} of the plateau at step {int(round(s.value))}")
    elif math.isinf(s.value):
        parts.append(f"{frac} of the plateau beyond the searched steps")
    budget = getattr(res, "budget", None)
    if budget is not None and claimed:
        parts.append(budget.phrase())
    elif budget is not None and math.isfinite(budget.fraction_spent):
        parts.append(f"entropy {budget.fraction_spent:.0%} spent")  # the law's upside is not claimed
    groups = getattr(res, "entropy_groups", None)
    if groups is not None and groups.flagged:
        parts.append(groups.phrase())
    return "; ".join(parts)


def summary_frame(results: Iterable) -> pd.DataFrame:
    """One row per forecast (``ForecastResult.to_frame`` rows concatenated)."""
    rows = [summary_row(r) for r in results]
    return pd.DataFrame(rows)


def summary_table(results: Iterable) -> str:
    """The summary as aligned plain text (what ``entropy-law forecast`` prints first).

    Text columns (run, verdict) are left-aligned and numbers right-aligned, so long run
    names do not push the table to the right of the screen.
    """
    df = summary_frame(results)
    if df.empty:
        return ""
    left = {"run", "verdict"}
    cells = {c: [str(c), *(str(v) for v in df[c])] for c in df.columns}
    width = {c: max(len(v) for v in col) for c, col in cells.items()}
    lines = []
    for i in range(len(df) + 1):
        row = [cells[c][i].ljust(width[c]) if c in left else cells[c][i].rjust(width[c]) for c in df.columns]
        lines.append("  ".join(row).rstrip())
    return "\n".join(lines)
