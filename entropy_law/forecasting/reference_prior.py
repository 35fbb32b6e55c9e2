"""The empirical-Bayes prior for one run at one cut (see :mod:`entropy_law.forecasting.reference`).

Resemblance weights, random-effects pooling of the references' fits and the check of the
prior's own forecast on the references.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..trajectory.regime import classify_regime
from .prior_forecast import check_on_references, fleet_change, reference_changes
from .reference import (
    DEFAULT_REL_SD,
    DEFAULT_SD,
    DOWNWEIGHTED,
    ENTROPY_LOG_SCALE,
    METRIC_PENALTY,
    MIN_EFFECTIVE,
    MIN_NOISE_POINTS,
    MIN_WEIGHT,
    PARAMS,
    REGIME_PENALTY,
    TAIL,
    ReferencePrior,
    ReferenceRun,
    ReferenceSet,
    same_run,
)

__all__ = ["build_prior", "prior_means"]


def _window(step, val, lo, hi):
    m = (step >= lo) & (step <= hi)
    if not m.any():
        if not len(step):
            return math.nan
        m = np.zeros(len(step), bool)
        m[int(np.argmin(np.abs(step - lo)))] = True
    return float(np.mean(val[m]))


def _mad(x) -> float:
    x = np.asarray([v for v in x if math.isfinite(v)], float)
    return 1.4826 * float(np.median(np.abs(x - np.median(x)))) if x.size >= 3 else 0.0


def _features(s, first, upto):
    head = first + TAIL * (upto - first)
    sl = s.e_step <= upto
    ent = float(np.mean(s.e_val[sl])) if sl.sum() else math.nan
    reg = classify_regime(s.e_step[sl].astype(float), s.e_val[sl])[0] if sl.sum() >= 5 else "unknown"
    kp = s.p_step <= upto
    now = _window(s.p_step[kp], s.p_val[kp], upto - TAIL * (upto - first), upto) if kp.any() else math.nan
    return _window(s.p_step, s.p_val, first, head), math.log(max(ent, 1e-6)), reg, now


def _resemblance(run_slice, refs: Sequence[ReferenceRun], upto: int, noise: float, span: float):
    first = run_slice.first_step
    r_start, r_ent, r_reg, r_now = _features(run_slice, first, upto)
    feats = [_features(r.series, first, upto) for r in refs]
    from .level import residual_noise

    ref_noise = float(np.median([residual_noise(r.series.p_val)[0] for r in refs]))
    run_noise = (
        noise if len(run_slice.p_val) >= MIN_NOISE_POINTS else 0.0
    )  # a few points hold jumps, not noise
    s_start = max(
        run_noise,
        ref_noise if math.isfinite(ref_noise) else 0.0,
        _mad([f[0] for f in feats]),
        0.02 * span,
        1e-12,
    )
    base = max(run_noise, ref_noise if math.isfinite(ref_noise) else 0.0, 0.02 * span, 1e-12)
    s_now = max(base, _mad([f[3] for f in feats]))
    s_ent = max(_mad([f[1] for f in feats]), ENTROPY_LOG_SCALE)
    weights, down = {}, {}
    for r, (st, le, reg, now) in zip(refs, feats):
        d1, d2, d3 = (
            abs(x - y) / s if math.isfinite(x) and math.isfinite(y) else math.inf
            for x, y, s in ((st, r_start, s_start), (le, r_ent, s_ent), (now, r_now, s_now))
        )
        w = math.prod(math.exp(-0.5 * max(d - 1, 0) ** 2) for d in (d1, d2, d3))
        why = []
        if d1 > 1.5:
            why.append(f"start level {st:.3g} vs the run's {r_start:.3g} ({d1:.1f} scales of {s_start:.2g})")
        if d3 > 1.5:
            why.append(
                f"level at the cut {now:.3g} vs the run's {r_now:.3g} ({d3:.1f} scales of {s_now:.2g})"
            )
        if d2 > 1.5:
            why.append(
                f"entropy scale {math.exp(le):.3g} vs the run's {math.exp(r_ent):.3g} nats ({d2:.1f} scales)"
            )
        if "unknown" not in (reg, r_reg) and reg != r_reg:
            w *= REGIME_PENALTY
            why.append(f"entropy regime {reg!r} vs the run's {r_reg!r}")
        if (r.series.reward, r.series.entropy) != (run_slice.reward, run_slice.entropy):
            w *= METRIC_PENALTY
            why.append(
                f"metrics {r.series.entropy!r}/{r.series.reward!r} vs the run's "
                f"{run_slice.entropy!r}/{run_slice.reward!r}"
            )
        weights[r.run] = w
        if w < DOWNWEIGHTED:
            down[r.run] = f"weight {w:.2g}: " + ("; ".join(why) or "several small differences")
    return weights, down


def _pool(vals, ses, w, name):
    """Random-effects pooling: (mean, predictive sd for a new run, between-run sd)."""
    ok = np.isfinite(vals) & (w > 0)
    vals, w = vals[ok], w[ok]
    ses = ses[ok]
    good = np.isfinite(ses) & (ses > 0)
    # a reference without a usable bootstrap spread (too few draws, a parameter at its
    # bound) is given the median spread of the others, never infinite precision
    ses = np.where(good, ses, float(np.median(ses[good])) if good.any() else 0.0)
    W = float(w.sum())
    if W <= 0:
        return math.nan, math.nan, math.nan
    K = W**2 / float(np.sum(w**2))
    se2 = float(np.sum(w * ses**2) / W)
    if K > 1.5:
        mu0 = float(np.sum(w * vals) / W)
        s2 = float(np.sum(w * (vals - mu0) ** 2) / W) * K / (K - 1)
        tau2 = max(0.05 * s2, s2 - se2)  # floor: DL's 0 would trust the pooled mean fully
    else:
        tau2 = (
            DEFAULT_SD if name.startswith(("log", "sig_logC")) else DEFAULT_REL_SD * abs(float(vals[0]))
        ) ** 2
    tau2 = max(tau2, 1e-12)
    wr = w / (ses**2 + tau2)  # a noisier reference counts less (DerSimonian-Laird weights)
    mu = float(np.sum(wr * vals) / wr.sum())
    var = tau2 + 1.0 / float(wr.sum())
    return mu, math.sqrt(var / min(W, 1.0)), math.sqrt(tau2)


def prior_means(refs, weights, skip: str | None = None) -> dict[str, float]:
    """Pooled means of each parameter (optionally leaving one reference out)."""
    rs = [r for r in refs if skip is None or not same_run(r.run, skip)]
    w = np.array([weights[r.run] for r in rs], float)
    return {
        p: _pool(
            np.array([r.value(p)[0] for r in rs], float), np.array([r.value(p)[1] for r in rs], float), w, p
        )[0]
        for p in PARAMS
    }


def build_prior(
    refs: ReferenceSet, run_slice, upto: int, horizon: int, *, noise: float, span: float, bounds=None
) -> ReferencePrior:
    """The empirical-Bayes prior for *run_slice* cut at *upto* (module docstring)."""
    rs = [r for r in refs.runs if not same_run(r.run, run_slice.run)]
    if not rs:
        empty: dict[str, float] = {p: math.nan for p in PARAMS}
        return ReferencePrior(empty, empty, empty, {}, {}, math.nan, math.nan, 0, False, "no reference runs")
    weights, down = _resemblance(run_slice, rs, upto, noise, span)
    w = np.array([weights[r.run] for r in rs], float)
    mean, sd, between = {}, {}, {}
    for p in PARAMS:
        vals = np.array([r.value(p)[0] for r in rs], float)
        ses = np.array([r.value(p)[1] for r in rs], float)
        mean[p], sd[p], between[p] = _pool(vals, ses, w, p)
    W = float(w.sum())
    best = float(w.max())
    K = W**2 / float(np.sum(w**2)) if W > 0 else 0.0
    usable = W >= MIN_WEIGHT and best >= DOWNWEIGHTED and K > MIN_EFFECTIVE and math.isfinite(mean["a"])
    reason = ""
    if W < MIN_WEIGHT or best < DOWNWEIGHTED:
        # a crowd of poor matches is no prior: at least one reference must resemble the run
        reason = (
            f"no reference resembles the run (best weight {best:.2g}, total {W:.2g}; {DOWNWEIGHTED} needed)"
        )
    elif K <= MIN_EFFECTIVE:
        # one resembling reference (perhaps by chance) cannot say how much runs disagree
        reason = (
            f"only {K:.2g} effective reference(s) resemble the run; more than {MIN_EFFECTIVE} are "
            "needed to learn the prior's strength from their disagreement"
        )
    elif not math.isfinite(mean["a"]):
        reason = "no reference has a fitted entropy law"
    nan4 = (math.nan, math.nan, 0, math.nan)
    chk, fleet = {"law": nan4, "fleet": nan4}, math.nan
    if usable:
        changes = reference_changes(rs, weights, upto, horizon)
        chk = check_on_references(
            rs, changes, upto, horizon, bounds, lambda skip: prior_means(rs, weights, skip)
        )
        fleet = fleet_change(changes)
    (rms, bias, n, mae), (f_rms, f_bias, _, f_mae) = chk["law"], chk["fleet"]
    return ReferencePrior(
        mean, sd, between, weights, down, rms, bias, n, usable, reason, mae, fleet, f_rms, f_bias, f_mae
    )
