"""Frozen results of an entropy-trajectory fit: per-family fits, the floor, the model average."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import EntropyLawError, FitError
from .families import FAMILIES

__all__ = ["FamilyFit", "FloorEstimate", "TrajectoryResult"]


@dataclass(frozen=True)
class FamilyFit:
    """The full-data least-squares fit of one family (time constants in units of ``t``)."""

    family: str
    equation: str
    params: dict[str, float]
    stderr: dict[str, float | None]
    aic: float
    bic: float
    weight: float
    rsquared: float
    success: bool
    message: str


@dataclass(frozen=True)
class FloorEstimate:
    """The entropy floor H∞ with its bootstrap percentile interval at ``level``."""

    value: float
    low: float
    high: float
    level: float

    def __str__(self) -> str:
        return f"{self.value:.4g} [{self.low:.4g}, {self.high:.4g}] ({self.level:.0%})"


@dataclass(frozen=True, eq=False)
class TrajectoryResult:
    r"""A fitted entropy trajectory: families, floor, regime and bootstrap draws.

    Attributes
    ----------
    status : {"ok", "insufficient_data", "no_decay"}
        ``no_decay`` when the regime is not ``"decaying"`` (the fits are still made,
        but a floor of a series that does not decay is not a forecast).
    families : tuple of FamilyFit
        One entry per family, with its weight (1 for the chosen one under ``"best"``).
    floor : FloorEstimate
        Model-averaged (or best) H∞ and its interval; ``floor_draws`` holds the draws.
    t0, time_scale : float
        First time used and the span T; families are evaluated on ``(t - t0)/T``.
    """

    status: str
    message: str
    regime: str
    regime_reason: str
    families: tuple[FamilyFit, ...]
    best: str | None
    floor: FloorEstimate
    floor_draws: np.ndarray
    t: np.ndarray
    H: np.ndarray
    t0: float
    time_scale: float
    weighting: str
    n_boot: int
    block_length: int
    level: float
    seed: int | None
    n_boot_failed: int
    _params: np.ndarray = field(repr=False)  # (K, P) scaled params, NaN-padded
    _boot_params: np.ndarray = field(repr=False)  # (n_boot, K, P)
    _boot_weights: np.ndarray = field(repr=False)  # (n_boot, K)

    @property
    def n_points(self) -> int:
        return len(self.t)

    def _require_fit(self) -> None:
        if self.status == "insufficient_data":
            raise FitError(f"no trajectory was fitted: {self.message}", status=self.status)

    def _eval(self, t, params: np.ndarray) -> np.ndarray:
        """Evaluate every family at ``t``: params (..., K, P) -> (..., K, len(t))."""
        u = (np.asarray(t, dtype=float) - self.t0) / self.time_scale
        out = []
        for k, ff in enumerate(self.families):
            fam = FAMILIES[ff.family]
            cols = [params[..., k, j, None] for j in range(len(fam.param_names))]
            with np.errstate(invalid="ignore", over="ignore"):
                out.append(fam.func(u, *cols))
        return np.stack(out, axis=-2)

    def predict(self, t) -> np.ndarray:
        """Point prediction of H at times ``t`` (model average or best family).

        Valid for ``t >= t0``; the power family is undefined far before ``t0`` (NaN).
        """
        self._require_fit()
        w = np.array([f.weight for f in self.families])
        return np.tensordot(w, self._eval(np.atleast_1d(t), self._params), axes=1)

    def sample_paths(self, t, n: int | None = None) -> np.ndarray:
        """Bootstrap draws of the entropy path, shape ``(n, len(t))``.

        Draw ``i`` is the same for the same ``seed`` and does not depend on ``n`` (the
        first ``n`` of ``n_boot`` draws are returned), so it can be paired with draw
        ``i`` of another bootstrap.
        """
        self._require_fit()
        n = self.n_boot if n is None else int(n)
        if not 0 <= n <= self.n_boot:
            raise EntropyLawError(
                f"sample_paths: n must be between 0 and n_boot="
                f"{self.n_boot}; got {n}. Refit with a larger n_boot."
            )
        paths = self._eval(np.atleast_1d(t), self._boot_params[:n])  # (n, K, len(t))
        return np.einsum("nk,nkt->nt", self._boot_weights[:n], paths)

    def to_dict(self) -> dict:
        """JSON-safe summary (plain Python objects; NaN becomes None)."""
        fl = self.floor
        return _clean(
            {
                "status": self.status,
                "message": self.message,
                "regime": self.regime,
                "regime_reason": self.regime_reason,
                "best": self.best,
                "floor": {"value": fl.value, "low": fl.low, "high": fl.high, "level": fl.level},
                "families": [vars(f) for f in self.families],
                "weighting": self.weighting,
                "t0": self.t0,
                "time_scale": self.time_scale,
                "n_points": self.n_points,
                "n_boot": self.n_boot,
                "block_length": self.block_length,
                "level": self.level,
                "seed": self.seed,
                "n_boot_failed": self.n_boot_failed,
            }
        )

    def to_frame(self):
        """One row per family: its weight, AIC, BIC, R², parameters and success; the
        (model-averaged) floor with its interval repeated on every row."""
        import pandas as pd

        fl = self.floor
        rows = [
            {
                "family": f.family,
                "best": f.family == self.best,
                "weight": f.weight,
                "aic": f.aic,
                "bic": f.bic,
                "rsquared": f.rsquared,
                **f.params,
                "success": f.success,
                "floor": fl.value,
                "floor_low": fl.low,
                "floor_high": fl.high,
                "status": self.status,
                "regime": self.regime,
            }
            for f in self.families
        ]
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        lines = [
            f"Entropy trajectory  status={self.status}  regime={self.regime}",
            f"  {self.regime_reason}",
            f"  points={self.n_points}  t0={self.t0:g}  span={self.time_scale:g}  "
            f"weighting={self.weighting}  n_boot={self.n_boot}  "
            f"block={self.block_length}  seed={self.seed}",
            f"  floor H_inf = {self.floor}",
        ]
        for f in self.families:
            lines.append(
                f"  {f.family:<9} w={f.weight:.3f}  AIC={f.aic:.1f}  BIC={f.bic:.1f}"
                f"  R2={f.rsquared:.3f}  {_fmt(f.params)}"
            )
        if self.status != "ok":
            lines.append(f"  note: {self.message}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{f.family}</td><td>{f.weight:.3f}</td><td>{f.aic:.1f}</td>"
            f"<td>{f.bic:.1f}</td><td>{html.escape(_fmt(f.params))}</td></tr>"
            for f in self.families
        )
        return (
            f"<p><b>Entropy trajectory</b> status={self.status}, regime={self.regime}"
            f" ({html.escape(self.regime_reason)})<br>floor H<sub>∞</sub> = "
            f"{html.escape(str(self.floor))}</p><table><tr><th>family</th><th>weight</th>"
            f"<th>AIC</th><th>BIC</th><th>parameters</th></tr>{rows}</table>"
        )


def _fmt(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in params.items())


def _clean(x):
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
