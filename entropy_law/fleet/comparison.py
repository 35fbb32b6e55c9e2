"""Frozen results of a comparison: one :class:`Difference` per run and quantity, and the
:class:`Comparison` that renders them as text, HTML and JSON."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import EntropyLawError
from ..fitting.results import Estimate
from ..forecasting.result import ForecastResult

__all__ = ["Comparison", "Difference", "QUANTITIES", "VERDICTS", "N_PAIRS", "not_claimed"]

#: Quantities compared, with their label and the words for "up" and "down".
QUANTITIES = {
    "ceiling": ("ceiling", "higher", "lower"),
    "law_ceiling": ("law ceiling", "higher", "lower"),
    "entropy_floor": ("entropy floor", "higher", "lower"),
    "saturation_step": ("saturation step", "later", "earlier"),
}
VERDICTS = ("lifted", "no detectable change", "lowered", "undetermined")
N_PAIRS = 4000  # draws of each difference (independent pairings of the two runs' draws)


def not_claimed(res: ForecastResult) -> str | None:
    """Why *res* does not claim its plateau (:func:`entropy_law.forecasting.claims.claims`), or
    None when it does (a missing ceiling value counts as not claimed)."""
    from ..forecasting.claims import claims

    why = claims(res).ceiling
    if why is None and not math.isfinite(float(res.ceiling.value)):
        why = "no ceiling value"
    return why


@dataclass(frozen=True)
class Difference:
    """``run`` minus ``baseline`` for one quantity, with its interval and verdict."""

    quantity: str
    run: str
    baseline: str
    value: float
    ci: tuple[float, float]
    level: float
    verdict: str
    source: str
    run_estimate: Estimate
    baseline_estimate: Estimate
    note: str = ""

    @property
    def sentence(self) -> str:
        """The verdict in plain language."""
        label, up, down = QUANTITIES[self.quantity]
        lo, hi = _fmt(self.ci[0]), _fmt(self.ci[1])
        if self.verdict == "undetermined":
            s = f"{label}: undetermined ({self.note or 'an estimate is missing'})"
        elif self.verdict == "no detectable change":
            s = (
                f"{label}: no detectable change (difference {_fmt(self.value, True)}, "
                f"{self.level:.0%} interval [{lo}, {hi}] holds 0)"
            )
        else:
            word = up if self.verdict == "lifted" else down
            s = (
                f"{label}: {self.verdict} -- {word} by {_fmt(abs(self.value))} "
                f"({self.level:.0%} interval of the difference [{lo}, {hi}])"
            )
        return s + (f"; note: {self.note}" if self.note and self.verdict != "undetermined" else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "run": self.run,
            "baseline": self.baseline,
            "difference": _num(self.value),
            "ci": [_num(self.ci[0]), _num(self.ci[1])],
            "level": self.level,
            "verdict": self.verdict,
            "source": self.source,
            "run_estimate": self.run_estimate.to_dict(),
            "baseline_estimate": self.baseline_estimate.to_dict(),
            "note": self.note,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class Comparison:
    """Differences of every run against the baseline (see the module docstring).

    Attributes
    ----------
    baseline : str
    runs : tuple of str
        Every run, the baseline first.
    forecasts : dict
        Run name -> :class:`~entropy_law.forecasting.result.ForecastResult`.
    differences : tuple of Difference
        One per (non-baseline run, quantity).
    level, n_boot, seed : the settings that produced the comparison.
    """

    baseline: str
    runs: tuple[str, ...]
    forecasts: dict[str, ForecastResult] = field(repr=False)
    differences: tuple[Difference, ...]
    level: float
    n_boot: int
    seed: int | None

    def get(self, run: str, quantity: str) -> Difference:
        """The difference of *run* against the baseline for *quantity*."""
        for d in self.differences:
            if d.run == run and d.quantity == quantity:
                return d
        raise EntropyLawError(
            f"no difference for run={run!r}, quantity={quantity!r}; runs "
            f"compared: {list(self.runs[1:])}, quantities: "
            f"{list(QUANTITIES)}."
        )

    def verdict(self, run: str, quantity: str) -> str:
        return self.get(run, quantity).verdict

    @property
    def ranking(self) -> tuple[tuple[str, Estimate], ...]:
        """``(run, ceiling)`` of the runs whose plateau is claimed, highest ceiling first.

        Only claimed numbers are ranked: a run too early to tell, or whose forecast carries
        its current level forward, is in :attr:`not_ranked` instead.
        """
        skip = self.not_ranked  # a property: evaluated once, not per run
        out = [(n, self.forecasts[n].ceiling) for n in self.runs if n not in skip]
        return tuple(sorted(out, key=lambda x: -float(x[1].value)))

    @property
    def not_ranked(self) -> dict[str, str]:
        """Run -> why it is not ranked (its plateau is not claimed)."""
        out = {n: not_claimed(self.forecasts[n]) for n in self.runs}
        return {n: why for n, why in out.items() if why is not None}

    def to_frame(self) -> pd.DataFrame:
        """One row per (run, quantity): difference, low, high, verdict, source."""
        return pd.DataFrame(
            [
                {
                    "run": d.run,
                    "baseline": d.baseline,
                    "quantity": d.quantity,
                    "difference": d.value,
                    "low": d.ci[0],
                    "high": d.ci[1],
                    "verdict": d.verdict,
                    "source": d.source,
                    "run_value": d.run_estimate.value,
                    "baseline_value": d.baseline_estimate.value,
                }
                for d in self.differences
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record (the CLI's ``--json`` document)."""
        return {
            "baseline": self.baseline,
            "runs": list(self.runs),
            "confidence_level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "differences": [d.to_dict() for d in self.differences],
            "ranking": [
                {"rank": i, "run": n, "ceiling": e.to_dict()} for i, (n, e) in enumerate(self.ranking, 1)
            ],
            "not_ranked": [{"run": n, "reason": why} for n, why in self.not_ranked.items()],
            "forecasts": {k: v.to_dict() for k, v in self.forecasts.items()},
        }

    def report(self) -> str:
        lines = [
            f"Comparison against baseline {self.baseline!r} ({self.level:.0%} intervals "
            f"from independent bootstrap draws, B = {self.n_boot}, seed = {self.seed})"
        ]
        skip = self.not_ranked
        for name in self.runs:
            f = self.forecasts[name]
            plateau = (
                (f"ceiling {f.ceiling}   " if name not in skip else "ceiling not claimed   ")
                + f"entropy floor {f.entropy_floor}   saturation step "
                + (f"{f.saturation_step}" if name not in skip else "n/a")
            )
            lines.append(f"  {name:<24} status {f.status:<18} {plateau}")
        lines.append(
            "Ranked by claimed ceiling (highest first; the differences below say which gaps are detected):"
        )
        lines += [
            f"  {i}. {n}  {e}" + (" (sigmoid)" if self.forecasts[n].method == "sigmoid" else "")
            for i, (n, e) in enumerate(self.ranking, 1)
        ] or ["  none: no run claims a plateau"]
        if skip:
            lines.append("Not ranked (plateau not claimed):")
            lines += [f"  {n}: {why}" for n, why in skip.items()]
        for run in self.runs[1:]:
            lines.append(f"{run} vs {self.baseline}:")
            lines += [f"  {d.sentence}" for d in self.differences if d.run == run]
        return "\n".join(lines)

    __str__ = report

    def _repr_html_(self) -> str:
        e = html.escape
        body = "".join(
            f"<tr><td>{e(d.run)}</td><td>{e(QUANTITIES[d.quantity][0])}</td>"
            f"<td>{_fmt(d.value, True)}</td><td>[{_fmt(d.ci[0])}, {_fmt(d.ci[1])}]</td>"
            f"<td><b>{e(d.verdict)}</b></td><td>{e(d.source)}</td></tr>"
            for d in self.differences
        )
        return (
            f"<p><b>Comparison</b> against baseline <code>{e(self.baseline)}</code></p>"
            f"<table><tr><th>run</th><th>quantity</th><th>difference</th>"
            f"<th>{self.level:.0%} interval</th><th>verdict</th><th>draws</th></tr>"
            f"{body}</table>"
        )

    def plot(self, ax=None, *, layout: str = "auto"):
        """The runs with their forecasts: overlaid up to four runs, small multiples beyond
        (*layout* ``"overlay"`` / ``"grid"`` forces one); returns the Figure."""
        from ..plotting.compare import plot_comparison

        return plot_comparison(self, ax=ax, layout=layout)

    def plot_forest(self, quantity: str = "ceiling", ax=None):
        """One row per run: *quantity* with its interval, coloured by its verdict against
        the baseline (:func:`entropy_law.plotting.forest.plot_forest`); returns the Figure."""
        from ..plotting.forest import plot_forest

        return plot_forest(self, quantity, ax=ax)


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _fmt(v, sign: bool = False) -> str:
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "+inf" if v > 0 else "-inf"
    return f"{v:+.4g}" if sign else f"{v:.4g}"
