"""Settings and frozen results of a check: reasons, per-run verdicts, the fleet result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .._defaults import N_BOOT_FLEET, SEED
from .config import CheckConfigError

__all__ = ["CheckSettings", "Reason", "RunCheck", "CheckResult", "STATUSES"]

STATUSES = ("pass", "flag", "inconclusive", "error")
_NOT_ACTIONABLE = ("too_early", "insufficient_data")
SIGMOID_MODES = ("fallback", "always", "never")


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds and forecast settings of a check (every choice that shapes a verdict)."""

    min_ceiling: float | None = None
    min_saturation_step: int | None = None
    horizon: int | None = None
    level: float = 0.9
    strict: bool = False
    n_boot: int = N_BOOT_FLEET
    sigmoid: str = "fallback"
    seed: int = SEED
    entropy: str | None = None
    reward: str | None = None
    kind: str = "auto"
    step: str | None = None  # load options (entropy_law.loaders.options)
    aggregate: str = "mean"
    logging_steps: int | None = None
    reference: str | None = None  # finished runs whose prior informs each forecast

    def __post_init__(self) -> None:
        if self.min_ceiling is None and self.min_saturation_step is None:
            raise CheckConfigError(
                "no threshold to check against: give min_ceiling "
                "(--min-ceiling) and/or min_saturation_step "
                "(--min-saturation-step), on the command line or in "
                "[tool.entropy-law.check]."
            )
        if not 0 < self.level < 1:
            raise CheckConfigError(f"level must lie in (0, 1); got {self.level}.")
        if self.sigmoid not in SIGMOID_MODES:
            raise CheckConfigError(f"sigmoid must be one of {list(SIGMOID_MODES)}; got {self.sigmoid!r}.")
        if self.n_boot < 10:
            raise CheckConfigError(f"n_boot must be at least 10; got {self.n_boot}.")
        if self.horizon is not None and self.horizon < 1:
            raise CheckConfigError(f"horizon must be a positive step; got {self.horizon}.")


@dataclass(frozen=True)
class Reason:
    """One threshold applied to one forecast quantity."""

    rule: str  # "min_ceiling" or "min_saturation_step"
    quantity: str  # "ceiling" or "saturation_step"
    outcome: str  # "pass", "flag" or "inconclusive"
    value: float
    ci: tuple[float, float]
    level: float
    threshold: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = list(self.ci)
        return d


@dataclass(frozen=True)
class RunCheck:
    """The verdict on one run: status, the reasons, and the forecast (a JSON-safe dict)."""

    run: str
    status: str
    reasons: tuple[Reason, ...] = ()
    forecast: dict | None = field(default=None, repr=False)
    message: str = ""
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "status": self.status,
            "message": self.message,
            "source": self.source,
            "reasons": [r.to_dict() for r in self.reasons],
            "forecast": self.forecast,
        }


@dataclass(frozen=True)
class CheckResult:
    """Verdicts on every run checked, with the settings that produced them."""

    runs: tuple[RunCheck, ...]
    settings: CheckSettings

    @property
    def summary(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.runs) for s in STATUSES}

    @property
    def exit_code(self) -> int:
        """0 nothing flagged or errored; 1 otherwise (or inconclusive with ``strict``)."""
        bad = {"flag", "error"} | ({"inconclusive"} if self.settings.strict else set())
        return int(any(r.status in bad for r in self.runs))

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": [r.to_dict() for r in self.runs],
            "summary": self.summary,
            "settings": asdict(self.settings),
            "exit_code": self.exit_code,
        }

    def to_frame(self):
        """One row per run: status, message, source, the forecast's ceiling and saturation
        step with their intervals, and per rule its outcome and threshold
        (``min_ceiling_outcome``, ``min_ceiling_threshold``...). NaN where not available."""
        import pandas as pd

        rows = []
        for r in self.runs:
            fc = r.forecast or {}
            row: dict[str, Any] = {"run": r.run, "status": r.status, "message": r.message, "source": r.source}
            row["verdict"] = fc.get("verdict")
            for q in ("ceiling", "saturation_step"):
                est = fc.get(q) or {}
                lo, hi = (est.get("ci") or [None, None])[:2]
                row[q], row[f"{q}_low"], row[f"{q}_high"] = (
                    float("nan") if v is None else float(v) for v in (est.get("value"), lo, hi)
                )
            for reason in r.reasons:
                row[f"{reason.rule}_outcome"] = reason.outcome
                row[f"{reason.rule}_threshold"] = reason.threshold
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else ["run", "status", "message", "source"])

    def report(self) -> str:
        from .report import render_text

        return render_text(self)

    __str__ = report

    def _repr_html_(self) -> str:
        from .report import render_html

        return render_html(self)


# -- rules -------------------------------------------------------------------------------
