r"""Reference runs: finished runs of the same model and data as a prior for a new run.

Empirical Bayes, not a hierarchical fit. Each finished reference run is fitted alone,
once, over all its steps (:func:`summarize_reference`): the law's slope :math:`a`, the
exponential entropy decay :math:`H(t) = H_\infty + (H_0 - H_\infty)e^{-(t-t_0)/\tau}`
(floor :math:`H_\infty` and :math:`\log\tau`, :math:`\tau` in steps) and the ScaleRL
sigmoid's shape (:math:`B`, :math:`\log C_{mid}`), each with its bootstrap standard
error. For a run cut at ``upto`` (:func:`build_prior`):

1. **Resemblance.** Each reference is compared with the run over the run's own slice:
   start level (mean performance over the first 10% of the slice's steps, the same
   steps in the reference), level at the cut (its last 10%), entropy scale
   (:math:`\log` of the mean entropy over the slice's steps), entropy regime
   (:func:`~entropy_law.trajectory.regime.classify_regime` on the same steps) and
   metric keys. A difference of :math:`d` scales costs :math:`w = e^{-\max(d - 1, 0)^2/2}`
   (no cost within one scale); a regime mismatch multiplies the weight by
   ``REGIME_PENALTY``, other metric keys by ``METRIC_PENALTY``. The level scale (start
   and cut) is the largest of the references' median noise (residual spread about a
   running mean), the run's own (from ``MIN_NOISE_POINTS`` points on), the references'
   spread of that level (1.4826 MAD) and 2% of the metric's range; the entropy scale the larger of the
   references' spread of log entropy and ``ENTROPY_LOG_SCALE``. References with
   :math:`w < 0.5` are reported as down-weighted.
2. **Prior strength from disagreement.** Per parameter, the weighted mean
   :math:`\mu` and the between-reference variance
   :math:`\tau^2 = \max(0, s^2_w - \overline{se^2})` (DerSimonian-Laird method of
   moments: the references' weighted spread less their own fit noise). The prior for a
   new run is the predictive :math:`N(\mu, \tau^2(1 + 1/K) + \overline{se^2}/K)`,
   :math:`K` the Kish effective number of references, widened by :math:`1/W` when the
   summed weight :math:`W < 1`. With :math:`W <` ``MIN_WEIGHT``, no single reference of
   weight ``DOWNWEIGHTED``, or :math:`K \le` ``MIN_EFFECTIVE`` (one reference cannot
   measure disagreement) no prior is formed and the forecast is the run's alone. (Leaving
   one reference out in the check can leave one effective reference: then :math:`\tau`
   is ``DEFAULT_REL_SD`` of the value, ``DEFAULT_SD`` on log scales.)
3. **Check on the references.** The prior's own forecast (its mean parameters, each
   reference left out of its own prior) is scored on every reference from the same cut
   to the same horizon (:mod:`entropy_law.forecasting.reference_prior`); their weighted
   median, shrunk, corrects the informed forecast and their spread about it is its model
   spread (:attr:`ReferencePrior.correction`, :attr:`ReferencePrior.model_sd`,
   :mod:`entropy_law.forecasting.informed`). The fleet's change (the level now plus the
   references' weighted median change from the cut) is scored alongside; it replaces the
   law's value at the horizon where it did better and the run has no fit of its own
   (:attr:`ReferencePrior.fleet_preferred`, :attr:`ReferencePrior.fleet_used`).

Why empirical Bayes: the references are fitted once and reused for every new run and
cut, the posterior is closed-form per parameter (precision weighting), and a reference
that does not resemble the run can be down-weighted without refitting anything. A
hierarchical fit would re-estimate every reference at each forecast (seconds per run and
cut) for a gain that only matters with few, very noisy references.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .._defaults import N_BOOT_FLEET, SEED
from ..errors import EntropyLawError

__all__ = [
    "ReferenceRun",
    "ReferencePrior",
    "ReferenceSet",
    "references",
    "summarize_reference",
]

PARAMS = ("a", "h_inf", "log_tau", "sig_B", "sig_logC")
REGIME_PENALTY = 0.25
METRIC_PENALTY = 0.1  # a reference logging other metric keys may not measure the same thing
MIN_NOISE_POINTS = 10  # the run's own noise enters the start-level scale from this many points
ENTROPY_LOG_SCALE = 0.25
MIN_WEIGHT = 0.5
MIN_EFFECTIVE = 1.5  # Kish effective references needed to measure their disagreement
DOWNWEIGHTED = 0.5
DEFAULT_REL_SD = 0.5
DEFAULT_SD = 0.5
TAIL = 0.10


#: suffixes of log files that name a run in one place (``watch``: the file name) and not in
#: another (the loaders: the stem); ``same_run`` ignores them
_LOG_SUFFIXES = (".log", ".txt", ".md", ".csv", ".tsv", ".jsonl", ".json", ".parquet", ".out")


def _bare(name: str) -> str:
    name = str(name)
    for suf in _LOG_SUFFIXES:
        if name.lower().endswith(suf):
            return name[: -len(suf)]
    return name


def same_run(a: str, b: str) -> bool:
    """Whether two run names denote the same run (equal, or equal but for a log suffix)."""
    return a == b or _bare(a) == _bare(b)


@dataclass(frozen=True)
class ReferenceRun:
    """One finished run fitted alone: ``params[name] = (value, standard error)``."""

    run: str
    series: Any = field(repr=False)  # a RunSeries (forecasting.forecaster)
    params: dict[str, tuple[float, float]]
    regime: str

    def value(self, name: str) -> tuple[float, float]:
        return self.params.get(name, (math.nan, math.nan))


@dataclass(frozen=True)
class ReferenceSet:
    """Fitted reference runs (:func:`references`), reusable across runs and cuts."""

    runs: tuple[ReferenceRun, ...]
    notes: tuple[str, ...] = ()

    def without(self, run: str) -> ReferenceSet:
        """The set without *run* (a run is never its own reference)."""
        return ReferenceSet(tuple(r for r in self.runs if not same_run(r.run, run)), self.notes)

    def __len__(self) -> int:
        return len(self.runs)


@dataclass(frozen=True)
class ReferencePrior:
    """The prior for one run at one cut (module docstring), with its provenance."""

    mean: dict[str, float]
    sd: dict[str, float]
    between_sd: dict[str, float]
    weights: dict[str, float]
    downweighted: dict[str, str]
    check_rms: float
    check_bias: float
    n_check: int
    usable: bool
    reason: str = ""
    check_mae: float = math.nan  # the law-based forecast's weighted median |error| on the references
    fleet_change: float = math.nan  # the references' weighted median change, cut -> horizon
    fleet_rms: float = math.nan  # the fleet's change scored on the references like the law's
    fleet_bias: float = math.nan
    fleet_mae: float = math.nan
    fleet_used: bool = False  # set by the informed forecast (informed.apply_reference)

    @property
    def fleet_preferred(self) -> bool:
        """Whether the fleet's change (level now + the references' median change) had the
        smaller weighted median |error| on the references than the prior's law-based path."""
        return self.n_check >= 2 and math.isfinite(self.fleet_change) and self.fleet_mae < self.check_mae

    def _rms_bias(self) -> tuple[float, float]:
        if self.fleet_used:
            return self.fleet_rms, self.fleet_bias
        return self.check_rms, self.check_bias

    @property
    def correction(self) -> float:
        """The chosen forecast's median error on the references (the check's bias), shrunk
        by its signal-to-noise factor k = bias^2 / (bias^2 + var(bias)); subtracted from the
        forecast."""
        rms, bias = self._rms_bias()
        if self.n_check < 2 or not math.isfinite(bias):
            return 0.0
        var = max(rms**2 - bias**2, 0.0) / self.n_check
        k = bias**2 / (bias**2 + var) if var > 0 else 1.0
        return k * bias

    @property
    def model_sd(self) -> float:
        """Spread of the corrected forecast's error on a new run (NaN without a check)."""
        rms, bias = self._rms_bias()
        if self.n_check < 2 or not math.isfinite(rms):
            return math.nan
        resid = max(rms**2 - bias**2, 0.0)
        return math.sqrt(resid * (1 + 1 / self.n_check) + (bias - self.correction) ** 2)

    @property
    def total_weight(self) -> float:
        return float(sum(self.weights.values()))

    def to_dict(self) -> dict:
        def num(x):
            return float(x) if x is not None and math.isfinite(x) else None

        return {
            "used": self.usable,
            "reason": self.reason,
            "n_references": len(self.weights),
            "total_weight": num(self.total_weight),
            "weights": {k: num(w) for k, w in self.weights.items()},
            "downweighted": dict(self.downweighted),
            "prior": {p: {"mean": num(self.mean[p]), "sd": num(self.sd[p])} for p in self.mean},
            "between_reference_sd": {p: num(s) for p, s in self.between_sd.items()},
            "check_on_references": {
                "rms": num(self.check_rms),
                "bias": num(self.check_bias),
                "median_abs": num(self.check_mae),
                "n": self.n_check,
                "fleet_change": {
                    "value": num(self.fleet_change),
                    "rms": num(self.fleet_rms),
                    "bias": num(self.fleet_bias),
                    "median_abs": num(self.fleet_mae),
                    "preferred": self.fleet_preferred,
                    "used": self.fleet_used,
                },
            },
        }

    def describe(self) -> list[str]:
        """Lines for the detailed report."""
        head = f"references: {len(self.weights)} run(s), total weight {self.total_weight:.2f}" + (
            "" if self.usable else f" - not used: {self.reason}"
        )
        out = [head]
        if self.usable:
            pr = ", ".join(
                f"{p}={self.mean[p]:.3g}±{self.sd[p]:.2g}"
                for p in PARAMS
                if math.isfinite(self.mean.get(p, math.nan))
            )
            out.append(f"reference prior: {pr}")
            if self.n_check:
                fleet = (
                    f"; the fleet's change {self.fleet_change:+.3g}: median |error| {self.fleet_mae:.3g}"
                    if math.isfinite(self.fleet_change) and math.isfinite(self.fleet_mae)
                    else ""
                )
                out.append(
                    f"prior's forecast checked on {self.n_check} reference(s): RMS error "
                    f"{self.check_rms:.3g}, median {self.check_bias:+.3g}, median |error| "
                    f"{self.check_mae:.3g}{fleet}"
                )
                out.append(
                    (
                        "forecast: the level now plus the fleet's change (it beat the law on the references)"
                        if self.fleet_used
                        else "forecast: the law-based path"
                    )
                    + f" (correction {-self.correction:+.3g})"
                )
        out += [f"reference {r!r} down-weighted: {why}" for r, why in self.downweighted.items()]
        return out


def _sd_of(draws) -> float:
    d = np.asarray(draws, float)
    d = d[np.isfinite(d)]
    return float(np.std(d, ddof=1)) if d.size > 2 else math.nan


def summarize_reference(
    series, *, n_boot: int = N_BOOT_FLEET, seed: int = SEED, sigmoid: bool = True
) -> ReferenceRun:
    """Fit one finished run alone: law slope, exponential decay, sigmoid shape."""
    from ..fitting.engine import fit_arrays
    from ..trajectory.fit import fit_trajectory

    params: dict[str, tuple[float, float]] = {}
    al = series.aligned()
    if len(al) >= 3:
        lf = fit_arrays(
            al["entropy"].to_numpy(), al["reward"].to_numpy(), al["step"].to_numpy(), n_boot=n_boot, seed=seed
        )
        if lf.status == "ok" and "a" in lf.params:
            params["a"] = (float(lf.params["a"].value), _sd_of(lf.draws["a"]))
    regime = "flat"
    if len(series.e_step) >= 5:
        tr = fit_trajectory(
            series.e_step.astype(float), series.e_val, families=("exp",), n_boot=n_boot, seed=seed
        )
        regime = tr.regime
        if tr.status == "ok" and regime == "decaying":  # a floor and a decay rate only where entropy decays
            tau = float(tr.families[0].params["tau"])
            boot_tau = np.asarray(tr._boot_params[:, 0, 2], float) * tr.time_scale
            with np.errstate(all="ignore"):
                params["h_inf"] = (
                    float(tr.floor.value),
                    _sd_of(np.minimum(tr.floor_draws, series.e_val.max())),
                )
                params["log_tau"] = (math.log(tau), _sd_of(np.log(boot_tau)))
    if sigmoid and len(series.p_step) >= 5:
        sf = fit_arrays(
            series.p_step.astype(float),
            series.p_val,
            series.p_step,
            law="sigmoid",
            n_boot=min(n_boot, 50),
            seed=seed,
        )
        if sf.status == "ok" and sf.draws:
            with np.errstate(all="ignore"):
                params["sig_B"] = (float(sf.params["B"].value), _sd_of(sf.draws["B"]))
                params["sig_logC"] = (
                    math.log(float(sf.params["C_mid"].value)),
                    _sd_of(np.log(sf.draws["C_mid"])),
                )
    return ReferenceRun(series.run, series, params, regime)


def references(
    reference,
    *,
    entropy=None,
    reward=None,
    kind="auto",
    n_boot: int = N_BOOT_FLEET,
    seed: int = SEED,
    prepare=None,
) -> ReferenceSet:
    """Fit reference runs once: a tidy long table of one or more runs (``el.load``), a
    sequence of such tables or :class:`~entropy_law.forecasting.forecaster.RunSeries`, or a
    :class:`ReferenceSet` (returned as is). *entropy*/*reward* are the run's metric keys;
    a reference lacking them is skipped with a note. Tables are turned into series by
    *prepare* (:func:`~entropy_law.forecasting.forecaster.prepare_run`, which
    ``forecast(reference=...)`` and :func:`entropy_law.forecasting.reference_tables.reference_set`
    pass)."""
    if isinstance(reference, ReferenceSet):
        return reference
    if isinstance(reference, str | PathLike):
        return load_references(reference, entropy=entropy, reward=reward, kind=kind, prepare=prepare)
    if isinstance(reference, pd.DataFrame) or _is_series(reference):
        reference = [reference]
    if not isinstance(reference, Sequence) or isinstance(reference, str):
        raise EntropyLawError(
            f"reference must be a tidy table of finished runs (entropy_law.load), a list of "
            f"such tables or a ReferenceSet; got {type(reference).__name__}."
        )
    runs, notes = [], []
    for item in reference:
        if _is_series(item):
            runs.append(summarize_reference(item, n_boot=n_boot, seed=seed))
            continue
        if not isinstance(item, pd.DataFrame) or "run" not in item.columns:
            raise EntropyLawError(
                "each reference must be a tidy long table (run, step, metric, value) or a RunSeries; "
                f"got {type(item).__name__}."
            )
        if prepare is None:
            raise EntropyLawError(
                "tables as references need prepare=entropy_law.forecasting.prepare_run; use "
                "el.forecast(run, reference=tables) or reference_tables.reference_set(tables)."
            )
        for run, sub in item.groupby("run", sort=True):
            try:
                s = prepare(sub.reset_index(drop=True), entropy=entropy, reward=reward, kind=kind)
            except EntropyLawError as exc:
                notes.append(f"reference {run!r} skipped: {exc}")
                continue
            runs.append(summarize_reference(s, n_boot=n_boot, seed=seed))
    return ReferenceSet(tuple(runs), tuple(notes))


_CACHE: dict[tuple, ReferenceSet] = {}


def _is_series(x) -> bool:
    return all(hasattr(x, k) for k in ("e_step", "p_step", "aligned", "upto"))


def load_references(path, *, entropy=None, reward=None, kind="auto", prepare=None) -> ReferenceSet:
    """:func:`references` of every run under *path* (a file or folder, ``entropy_law.load``),
    fitted once per process for each set of metric keys (``check`` and ``watch`` reuse it)."""
    from pathlib import Path

    from ..loaders import load

    p = Path(path)
    if not p.exists():
        raise EntropyLawError(f"--reference {p}: no such file or folder of finished runs.")
    key = (str(p.resolve()), entropy, reward, kind)
    if key not in _CACHE:
        _CACHE[key] = references(load(p), entropy=entropy, reward=reward, kind=kind, prepare=prepare)
    return _CACHE[key]
