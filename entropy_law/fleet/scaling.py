r"""Cross-run law: how the entropy law's coefficients grow with model size.

Cui et al. (2025) report that the coefficients of :math:`R = -a\,e^{H} + b` vary
log-linearly with the model size :math:`N`. :func:`fit_scaling` fits, across runs,

.. math::

    a_j = \alpha_a + \beta_a \ln N_j + u^a_j + e^a_j, \qquad
    b_j = \alpha_b + \beta_b \ln N_j + u^b_j + e^b_j,

by ordinary least squares on the runs' estimates, where :math:`e_j = (e^a_j, e^b_j)` is
run *j*'s measurement error (its bootstrap draws, or its intervals) and
:math:`u_j \sim N(0, \Sigma_\tau)` the scatter of runs around the lines beyond
measurement error (seeds, data, recipes). :math:`\Sigma_\tau` is estimated by moments from
the OLS residuals :math:`r_j`, with :math:`h_{jj}` the leverages and :math:`S_j` the
covariance of run *j*'s draws,

.. math::

    \hat\Sigma_\tau = \Big(\sum_j r_j r_j^\top - \sum_j (1 - h_{jj})\, S_j\Big) / (k - 2),

projected onto the positive semi-definite matrices (zero when :math:`k = 2`: two runs fix
the lines exactly and say nothing about the scatter).

**Uncertainty.** A parametric bootstrap under that model: each replicate takes one draw
of every run's :math:`(a_j, b_j)` (the joint draws of :func:`entropy_law.fit` when
available, else a quantile-matched two-piece normal from the intervals), adds
:math:`u_j`, and refits the lines. A prediction at an unseen size :math:`N_0` is for a new
run of that size, :math:`\alpha + \beta\ln N_0 + u_{new}`, and the ceiling at
:math:`H = 0` is :math:`b - a`, both from the same replicates.
"""

from __future__ import annotations

import html
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._defaults import N_BOOT, SEED
from ..errors import DataWarning, EntropyLawError
from ..fitting.results import Estimate, FitResult
from .compare import interval_draws
from .frames import coefficient_frame

__all__ = ["fit_scaling", "ScalingResult", "ScalingPrediction", "parse_size"]

_UNITS = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}


@dataclass(frozen=True)
class ScalingPrediction:
    """Predicted ``a``, ``b`` and ceiling ``b - a`` of a new run of model size ``size``."""

    size: float
    a: Estimate
    b: Estimate
    ceiling: Estimate
    extrapolated: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "ceiling": self.ceiling.to_dict(),
            "extrapolated": self.extrapolated,
        }

    def __str__(self) -> str:
        tag = "  (extrapolated beyond the fitted sizes)" if self.extrapolated else ""
        return f"size {self.size:.4g}: a {self.a}   b {self.b}   ceiling b - a {self.ceiling}{tag}"


@dataclass(frozen=True)
class ScalingResult:
    r"""The fitted lines :math:`a = \alpha_a + \beta_a \ln N`, :math:`b = \alpha_b + \beta_b \ln N`.

    Attributes
    ----------
    coefficients : dict
        ``alpha_a, beta_a, alpha_b, beta_b`` as :class:`~entropy_law.fitting.results.Estimate`.
    scatter : dict
        ``tau_a, tau_b``: standard deviation of runs around each line beyond their
        measurement error (0 when not detectable).
    runs : DataFrame
        ``run, size, a, a_low, a_high, b, b_low, b_high, source`` used in the fit.
    predictions : tuple of ScalingPrediction
        Those asked for with ``predict=``; more with :meth:`predict`.
    level, n_boot, seed
        The settings.
    """

    coefficients: dict[str, Estimate]
    scatter: dict[str, float]
    runs: pd.DataFrame = field(repr=False)
    predictions: tuple[ScalingPrediction, ...]
    level: float
    n_boot: int
    seed: int | None
    warnings: tuple[str, ...] = ()
    _coef_draws: np.ndarray | None = field(default=None, repr=False)  # (B, 2, 2): [a|b, alpha|beta]
    _u_new: np.ndarray | None = field(default=None, repr=False)  # (B, 2) new-run scatter

    def predict(self, size) -> ScalingPrediction:
        """Predict ``a``, ``b`` and ``b - a`` for a new run of model *size* (e.g. ``7e9``)."""
        n0 = parse_size(size, "size")
        x0 = math.log(n0)
        pt = {
            k: self.coefficients[f"alpha_{k}"].value + self.coefficients[f"beta_{k}"].value * x0 for k in "ab"
        }
        if self._coef_draws is None or self._u_new is None:
            raise EntropyLawError(
                "this ScalingResult carries no bootstrap draws (it was not made by "
                "fit_scaling); refit with el.fit_scaling."
            )
        d = self._coef_draws[:, :, 0] + self._coef_draws[:, :, 1] * x0 + self._u_new
        ests = [
            _est(d[:, 0], pt["a"], self.level),
            _est(d[:, 1], pt["b"], self.level),
            _est(d[:, 1] - d[:, 0], pt["b"] - pt["a"], self.level),
        ]
        lo, hi = self.runs["size"].min(), self.runs["size"].max()
        return ScalingPrediction(float(n0), ests[0], ests[1], ests[2], extrapolated=not lo <= n0 <= hi)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record."""
        return {
            "model": "a = alpha_a + beta_a ln N; b = alpha_b + beta_b ln N",
            "coefficients": {k: e.to_dict() for k, e in self.coefficients.items()},
            "scatter": {k: float(v) for k, v in self.scatter.items()},
            "runs": self.runs.replace({np.nan: None}).to_dict(orient="records"),
            "predictions": [p.to_dict() for p in self.predictions],
            "confidence_level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "warnings": list(self.warnings),
        }

    def report(self) -> str:
        c = self.coefficients
        lines = [
            f"Cross-run law over {len(self.runs)} runs ({self.level:.0%} intervals, "
            f"parametric bootstrap B = {self.n_boot}, seed = {self.seed})",
            f"  a = {c['alpha_a']} + {c['beta_a']} ln N   (scatter tau_a {self.scatter['tau_a']:.3g})",
            f"  b = {c['alpha_b']} + {c['beta_b']} ln N   (scatter tau_b {self.scatter['tau_b']:.3g})",
        ]
        lines += [f"  predicted {p}" for p in self.predictions]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    __str__ = report
    to_frame = coefficient_frame  # one row per coefficient

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{e.value:.4g}</td><td>[{e.ci[0]:.4g}, {e.ci[1]:.4g}]</td></tr>"
            for k, e in self.coefficients.items()
        )
        preds = "".join(f"<li>{html.escape(str(p))}</li>" for p in self.predictions)
        return (
            f"<p><b>Cross-run law</b> a, b = &alpha; + &beta; ln N over {len(self.runs)} "
            f"runs</p><table><tr><th>coefficient</th><th>value</th><th>{self.level:.0%} "
            f"interval</th></tr>{rows}</table>" + (f"<ul>{preds}</ul>" if preds else "")
        )


def fit_scaling(
    results,
    size=None,
    *,
    predict=None,
    level: float = 0.9,
    n_boot: int = N_BOOT,
    seed: int | None = SEED,
    interval_level: float | None = None,
) -> ScalingResult:
    """Fit the log-linear dependence of ``a`` and ``b`` on model size across runs.

    Parameters
    ----------
    results : sequence or mapping of FitResult, or DataFrame
        Fits of the entropy law (:func:`entropy_law.fit`), one per run; or a table with
        columns ``size, a, b`` and optionally ``a_low, a_high, b_low, b_high`` (intervals
        at ``interval_level``) and ``run``.
    size : sequence, mapping or None
        Model size of each FitResult (same order, or run name -> size); numbers or
        strings such as ``"7B"``, ``"500M"``. Not used with a table.
    predict : size or sequence of sizes, optional
        Sizes to predict ``a``, ``b`` and ``b - a`` for.
    level : float
        Interval level.
    n_boot : int
        Bootstrap replicates.
    seed : int, optional
        Seed of the bootstrap.
    interval_level : float, optional
        Level of the intervals in a table (default: *level*).

    Returns
    -------
    ScalingResult
    """
    if not 0 < level < 1:
        raise EntropyLawError(f"level={level} must lie in (0, 1).")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 50:
        raise EntropyLawError(f"n_boot must be an int >= 50; got {n_boot!r}.")
    rng = np.random.default_rng([0 if seed is None else int(seed), 17])
    runs, draws = _collect(results, size, interval_level or level, n_boot, rng)
    notes: list[str] = []
    x = np.log(runs["size"].to_numpy(float))
    k = len(x)
    X = np.column_stack([np.ones(k), x])
    P = np.linalg.pinv(X)  # (2, k)
    Y = runs[["a", "b"]].to_numpy(float)  # (k, 2)
    coef = P @ Y  # (2: alpha|beta, 2: a|b)
    resid = Y - X @ coef
    lev = np.einsum("ij,ji->i", X, P)
    S = np.stack([np.cov(d.T) if d.shape[0] > 1 else np.zeros((2, 2)) for d in draws])
    if k > 2:
        tau_cov = (resid.T @ resid - np.einsum("j,jpq->pq", 1 - lev, S)) / (k - 2)
        w, V = np.linalg.eigh(tau_cov)
        tau_cov = (V * np.clip(w, 0, None)) @ V.T
    else:
        tau_cov = np.zeros((2, 2))
        notes.append(
            "two runs fix each line exactly: the scatter of runs around the lines "
            "cannot be estimated and the intervals reflect measurement error only; "
            "add a third size for honest prediction intervals."
        )
    # replicates: one draw per run + between-run scatter, refit, predict
    Yb = np.stack([d[rng.integers(d.shape[0], size=n_boot)] for d in draws], axis=1)
    Yb = Yb + rng.multivariate_normal(np.zeros(2), tau_cov, size=(n_boot, k))
    cd = np.einsum("ck,bkv->bvc", P, Yb)  # (B, a|b, alpha|beta)
    u_new = rng.multivariate_normal(np.zeros(2), tau_cov, size=n_boot)
    coefs = {
        f"{p}_{v}": _est(cd[:, iv, ip], coef[ip, iv], level)
        for iv, v in enumerate("ab")
        for ip, p in enumerate(("alpha", "beta"))
    }
    coefs = {key: coefs[key] for key in ("alpha_a", "beta_a", "alpha_b", "beta_b")}
    res = ScalingResult(
        coefficients=coefs,
        scatter={"tau_a": float(np.sqrt(tau_cov[0, 0])), "tau_b": float(np.sqrt(tau_cov[1, 1]))},
        runs=runs,
        predictions=(),
        level=level,
        n_boot=int(n_boot),
        seed=seed,
        warnings=tuple(notes),
        _coef_draws=cd,
        _u_new=u_new,
    )
    for msg in notes:
        warnings.warn(msg, DataWarning, stacklevel=2)
    if predict is None:
        return res
    sizes = predict if isinstance(predict, Sequence) and not isinstance(predict, str) else [predict]
    return _replace(res, predictions=tuple(res.predict(s) for s in sizes))


def _replace(res: ScalingResult, **kw) -> ScalingResult:
    from dataclasses import replace

    return replace(res, **kw)


def parse_size(v, name: str = "size") -> float:
    """A model size as a positive float: ``7e9``, ``"7B"``, ``"1.5b"``, ``"350M"``."""
    if isinstance(v, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kmbgt]?)\s*", v.lower())
        if not m:
            raise EntropyLawError(
                f"{name}={v!r} is not a model size; give a number (7e9) or "
                "a string like '7B', '1.5B', '350M'."
            )
        v = float(m.group(1)) * _UNITS[m.group(2)]
    if isinstance(v, bool) or not isinstance(v, int | float | np.number) or not np.isfinite(v) or v <= 0:
        raise EntropyLawError(f"{name}={v!r} must be a positive finite model size.")
    return float(v)


def _collect(results, size, ilevel, n_boot, rng) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Per-run table (run, size, a, b, intervals, source) and per-run (n, 2) draws."""
    rows, draws = [], []
    if isinstance(results, pd.DataFrame):
        if size is not None:
            raise EntropyLawError(
                "size= is taken from the table's 'size' column; do not pass it with a table."
            )
        miss = [c for c in ("size", "a", "b") if c not in results.columns]
        if miss:
            raise EntropyLawError(
                f"fit_scaling(): the table lacks column(s) {miss}; expected "
                f"size, a, b (and optionally a_low, a_high, b_low, b_high); "
                f"found {list(results.columns)}."
            )
        for i, r in enumerate(results.to_dict(orient="records")):
            run = str(r.get("run", f"row{i}"))
            ests = {
                p: Estimate(
                    float(r[p]), (float(r.get(f"{p}_low", np.nan)), float(r.get(f"{p}_high", np.nan))), ilevel
                )
                for p in "ab"
            }
            has_ci = all(np.isfinite(e.ci).all() for e in ests.values())
            d = (
                np.column_stack([interval_draws(ests[p], rng, n_boot) for p in "ab"])
                if has_ci
                else np.array([[ests["a"].value, ests["b"].value]])
            )
            rows.append(
                _row(run, parse_size(r["size"], f"size of {run}"), ests, "intervals" if has_ci else "point")
            )
            draws.append(d)
    else:
        items = (
            list(results.items())
            if isinstance(results, Mapping)
            else [(getattr(r, "run", "") or f"run{i}", r) for i, r in enumerate(results)]
            if isinstance(results, Sequence)
            else None
        )
        if items is None:
            raise EntropyLawError(
                "fit_scaling(results): expected a list or dict of FitResult "
                f"or a table (size, a, b); got {type(results).__name__}."
            )
        sizes = _sizes(size, [n for n, _ in items])
        for (name, fr), n in zip(items, sizes):
            if not isinstance(fr, FitResult) or not {"a", "b"} <= set(fr.params):
                raise EntropyLawError(
                    f"fit_scaling(): run {name!r} is not a FitResult of the "
                    "entropy law (with parameters a and b)."
                )
            if fr.status != "ok":
                raise EntropyLawError(
                    f"fit_scaling(): the fit of run {name!r} has status "
                    f"{fr.status!r} ({fr.message}); drop it or refit."
                )
            ests = {p: fr.params[p] for p in "ab"}
            if fr.draws and "a" in fr.draws:
                d = np.column_stack([fr.draws["a"], fr.draws["b"]]).astype(float)
                d, src = d[np.isfinite(d).all(axis=1)], "draws"
            else:
                d, src = np.column_stack([interval_draws(ests[p], rng, n_boot) for p in "ab"]), "intervals"
            rows.append(_row(str(name), n, ests, src))
            draws.append(d)
    runs = pd.DataFrame(rows)
    bad = runs.loc[~np.isfinite(runs[["a", "b"]].to_numpy(float)).all(axis=1), "run"]
    if len(bad):
        raise EntropyLawError(f"fit_scaling(): a or b is not finite for run(s) {list(bad)}.")
    if runs["size"].nunique() < 2:
        raise EntropyLawError(
            f"fit_scaling() needs runs of at least 2 different sizes; got "
            f"sizes {sorted(runs['size'].unique())}."
        )
    return runs, draws


def _sizes(size, names: list[str]) -> list[float]:
    if size is None:
        raise EntropyLawError("fit_scaling(): give size= (one model size per result, or a dict run -> size).")
    if isinstance(size, Mapping):
        miss = [n for n in names if n not in size]
        if miss:
            raise EntropyLawError(
                f"fit_scaling(): size= has no entry for run(s) {miss}; its keys are {list(size)[:10]}."
            )
        return [parse_size(size[n], f"size[{n!r}]") for n in names]
    size = list(size) if isinstance(size, Sequence) and not isinstance(size, str) else [size]
    if len(size) != len(names):
        raise EntropyLawError(f"fit_scaling(): {len(names)} results but {len(size)} sizes.")
    return [parse_size(s, f"size of {n!r}") for s, n in zip(size, names)]


def _row(run: str, size: float, ests: dict[str, Estimate], source: str) -> dict:
    a, b = ests["a"], ests["b"]
    return {
        "run": run,
        "size": size,
        "a": a.value,
        "a_low": a.ci[0],
        "a_high": a.ci[1],
        "b": b.value,
        "b_low": b.ci[0],
        "b_high": b.ci[1],
        "source": source,
    }


def _est(draws: np.ndarray, point: float, level: float) -> Estimate:
    lo, hi = np.nanquantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(float(point), (float(lo), float(hi)), level)
