r"""A fleet-informed forecast: the run's early fit combined with a reference prior.

Given the empirical-Bayes prior of :mod:`entropy_law.forecasting.reference`, each of the
parameters :math:`\theta \in \{a, H_\infty, \log\tau\}` gets the normal-normal posterior

.. math::

    \theta \mid \text{run} \sim N\!\Big(\frac{\hat\theta/s^2 + \mu/v}{1/s^2 + 1/v},\;
    \frac{1}{1/s^2 + 1/v}\Big)

with :math:`\hat\theta, s` the run's own estimate and bootstrap spread on its slice and
:math:`\mu, v` the prior's mean and variance. The run's own estimate is used only when it
exists and rests on enough points (``MIN_OWN_POINTS`` aligned points for :math:`a`, a
decaying trajectory for the decay); otherwise the posterior is the prior. The forecast
path keeps the level anchoring of :mod:`entropy_law.forecasting.forecaster`, with the
entropy decaying exponentially from its current level :math:`H_{now}`:

.. math::

    H(t) = H_\infty + (H_{now} - H_\infty)\,e^{-(t - t_{now})/\tau}, \qquad
    \hat R(t) = L_{now} - a\,\big(e^{H(t)} - e^{H_{now}}\big).

The sigmoid's shape (:math:`B`, :math:`C_{mid}`) comes from the prior alone; given the
shape the sigmoid is linear in :math:`(R_0, A)`, which are solved by least squares on the
run's slice. When the slice has ``SIGMOID_MIN_POINTS`` points, covers
``SIGMOID_MIN_PROGRESS`` of the prior shape's rise and the fit is finite and inside the
metric's range, the change is the mean of the two (:mod:`.prior_forecast`).

The prior forecast's weighted median error on the references, from the same cut to the
same horizon (:func:`~entropy_law.forecasting.prior_forecast.check_on_references`), shrunk
by its signal-to-noise factor, is subtracted (``ReferencePrior.correction``). The value
at the horizon pairs the posterior draws with a model spread: the spread of those errors
about their median (``ReferencePrior.model_sd``), drawn as a Student t with
``n_check - 1`` degrees of freedom; it already holds the noise of the level now and of the
final window. Without such a check, the run's own level-forecast spread.

**The fleet's change.** Where the check found the references' weighted median change
from the cut (:func:`~entropy_law.forecasting.prior_forecast.fleet_change`) closer to what
the references then did than the prior's path (weighted median :math:`|error|`,
``ReferencePrior.fleet_preferred``), and the run has no estimate of its own to add to
the prior (so the check scored exactly this forecast), the path is moved so that its
value at the horizon is :math:`L_{now}` plus that change, and the fleet's errors give the
correction and the model spread (``ReferencePrior.fleet_used``). The result has
``method="reference"`` and status ``ok``; the ceiling is where the informed path
levels off, :math:`L_{now} - a(e^{H_\infty} - e^{H_{now}}) + \delta_\infty` with
:math:`\delta_\infty` the part of the path that does not come from the entropy (the
sigmoid's share and the correction) at the far end of the grid; ``law_ceiling`` is the
law's alone (without :math:`\delta_\infty`); the saturation step is read from the
informed path. Values are inside the metric's bounds: the hard ceiling
:math:`L_{now} - a(1 - e^{H_{now}}) + \delta_\infty` is clipped to them (flagged, with a warning), and a
saturation step already reached in the data (the level now is past the target) is the
observed step, its interval starting at the evaluation before it, with a warning saying so.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..fitting.diagnostics import clip_to_bounds
from ..fitting.results import Estimate
from .core import _grid, saturation_steps, smooth
from .fallback import with_verdict
from .prior_forecast import law_change, now_state, predicted_change
from .result import est

__all__ = ["apply_reference", "use_reference", "MIN_OWN_POINTS"]

MIN_OWN_POINTS = 6  # as core.MIN_LAW_ONLY_POINTS: fewer aligned points cannot see their error


def _posterior(own, own_sd, mu, sd):
    if not (math.isfinite(own) and math.isfinite(own_sd) and own_sd > 0):
        return mu, sd
    if not (math.isfinite(mu) and math.isfinite(sd) and sd > 0):
        return own, own_sd
    p = 1 / own_sd**2 + 1 / sd**2
    return (own / own_sd**2 + mu / sd**2) / p, math.sqrt(1 / p)


def _own_estimates(res, s):
    """The run's own (value, sd) of a, H_inf and log tau on its slice, where usable."""
    from ..trajectory.fit import fit_trajectory

    out = {}
    lf = res.law_fit
    if lf is not None and lf.status == "ok" and "a" in lf.params and len(s.aligned()) >= MIN_OWN_POINTS:
        d = np.asarray(lf.draws["a"], float)
        out["a"] = (float(lf.params["a"].value), float(np.nanstd(d, ddof=1)))
    if len(s.e_step) >= 8:
        tr = fit_trajectory(s.e_step.astype(float), s.e_val, families=("exp",), n_boot=100, seed=1)
        if tr.status == "ok" and tr.regime == "decaying":
            bt = np.asarray(tr._boot_params[:, 0, 2], float) * tr.time_scale
            with np.errstate(all="ignore"):
                out["h_inf"] = (float(tr.floor.value), float(np.nanstd(tr.floor_draws, ddof=1)))
                out["log_tau"] = (
                    math.log(float(tr.families[0].params["tau"])),
                    float(np.nanstd(np.log(bt), ddof=1)),
                )
    return out


def apply_reference(res, s, prior, rng):
    """*res* (the run-alone forecast of slice *s*) replaced by the fleet-informed one."""
    st, level, bounds = res.settings, res.settings.level, res.bounds
    first, upto, horizon, n = s.first_step, st.upto_step, st.horizon, int(st.n_boot)
    L, h_now, tp, te = now_state(s, first, upto)
    if not (math.isfinite(L) and math.isfinite(h_now)):
        return replace(
            res, reference=prior, warnings=res.warnings + ("references not used: no current level/entropy",)
        )
    own = _own_estimates(res, s)
    post = {}
    for p in ("a", "h_inf", "log_tau"):
        own_value, own_sd = own.get(p, (math.nan, math.nan))
        post[p] = _posterior(own_value, own_sd, prior.mean[p], prior.sd[p])
    missing = [p for p, (m, sd) in post.items() if not (math.isfinite(m) and math.isfinite(sd))]
    if missing:  # no reference fitted a decay (none decays) and the run cannot say either
        why = f"no prior and no estimate from the run for {', '.join(missing)}"
        return replace(
            res,
            reference=replace(prior, usable=False, reason=why),
            warnings=res.warnings + (f"references not used: {why}",),
        )
    draws = {p: m + sd * rng.standard_normal(n) for p, (m, sd) in post.items()}
    draws["h_inf"] = np.maximum(draws["h_inf"], 0.0)
    grid = _grid(upto, horizon)
    dR = law_change(grid, draws["a"], draws["h_inf"], np.exp(draws["log_tau"]), h_now, te)
    pt = {p: m for p, (m, _) in post.items()}
    pt.update(sig_B=prior.mean["sig_B"], sig_logC=prior.mean["sig_logC"])
    d_pt = predicted_change(s, pt, first, upto, grid, bounds)
    law_pt = law_change(grid, pt["a"], pt["h_inf"], math.exp(pt["log_tau"]), h_now, te)[0]
    ih = int(np.searchsorted(grid, horizon))
    # the fleet's change replaces the law's value at the horizon where it did better on the
    # references, and only where the run adds nothing of its own (no law fit, no decaying
    # trajectory): the check scores the prior alone, which is then the informed forecast
    if prior.fleet_preferred and not own:
        prior = replace(prior, fleet_used=True)
    corr = prior.correction  # the chosen forecast's median error on the references (shrunk)
    if prior.fleet_used:  # the path keeps its shape and reaches the fleet's change
        corr += float(d_pt[ih]) - prior.fleet_change
    d_pt = d_pt - corr
    R = L + dR + (d_pt - law_pt)[None, :]  # the sigmoid's share and the correction move every draw alike
    # the check's errors already hold the noise of the level now and of the final window
    # (scored the same way on the references), as a Student t with n_check - 1 degrees of
    # freedom: a spread measured on 2-4 references is itself uncertain
    if math.isfinite(prior.model_sd):
        at_h = R[:, ih] + prior.model_sd * rng.standard_t(max(prior.n_check - 1, 1), n)
    else:
        at_h = R[:, ih] + _level_sd(res) * rng.standard_normal(n)
    law_ceil = L - draws["a"] * (np.exp(draws["h_inf"]) - math.exp(h_now))
    law_ceil_pt = L - pt["a"] * (math.exp(pt["h_inf"]) - math.exp(h_now))
    # the ceiling is where the informed path itself levels off: the law's limit plus the
    # part of the path that does not come from the entropy (the sigmoid's share and the
    # references' bias correction, the same at every draw), read at the far end of the
    # grid; the hard ceiling carries the same shift, so ceiling <= hard ceiling still holds
    # and the plateau never contradicts the value at the horizon (a TRL run read "plateau
    # 0.975" beside "0.923 at the horizon" from a level of 0.925)
    shift = float((d_pt - law_pt)[-1])
    hard = L - draws["a"] * (1.0 - math.exp(h_now)) + shift
    hard_pt = L - pt["a"] * (1 - math.exp(h_now)) + shift
    ceil = np.minimum(law_ceil + shift, hard)
    ceil_pt = min(law_ceil_pt + shift, hard_pt)
    R_c = np.clip(R, *bounds) if bounds is not None else R
    R_pt = L + d_pt
    R_pt_c = np.clip(R_pt, *bounds) if bounds is not None else R_pt
    obs_s = smooth(s.p_val)
    sat = saturation_steps(s.p_step, obs_s, grid, R_c, res.start_level, ceil, st.saturation_fraction)
    sat_pt = saturation_steps(
        s.p_step, obs_s, grid, R_pt_c[None, :], res.start_level, [ceil_pt], st.saturation_fraction
    )[0]
    sat_est, sat_note = _saturation(s.p_step, sat, sat_pt, L, res.start_level, ceil, ceil_pt, st, level)
    hard_est, hard_note = clip_to_bounds(est(hard, level, hard_pt), bounds, what="hard ceiling")
    from ..fitting.intervals import percentile_interval

    band = np.column_stack([R_pt_c, *percentile_interval(R_c, level)])
    msg = (
        f"fleet-informed: empirical-Bayes prior from {len(prior.weights)} reference run(s) "
        f"(total weight {prior.total_weight:.2g}) on a, the entropy floor and decay, and the sigmoid's shape"
        + (f"; run alone: {res.status}" if res.status != "ok" else "")
        + "."
    )
    new = replace(
        res,
        status="ok",
        message=msg,
        method="reference",
        horizon_method="reference",
        ceiling=est(ceil, level, ceil_pt, bounds),
        law_ceiling=est(law_ceil, level, law_ceil_pt, bounds),
        hard_ceiling=hard_est,
        entropy_floor=est(draws["h_inf"], level, pt["h_inf"]),
        saturation_step=sat_est,
        at_horizon=est(at_h, level, float(R_pt[ih]), bounds),
        path=(grid, band),
        reference=prior,
        warnings=res.warnings
        + tuple(f"reference {r!r} down-weighted: {w}" for r, w in prior.downweighted.items())
        + tuple(w for w in (hard_note, sat_note) if w),
    )
    from ..forecasting.level import level_forecast

    lvl = level_forecast(s.p_step, s.p_val, first, upto, horizon, bounds=bounds) if len(s.p_val) else None
    return with_verdict(new, lvl, s)


def _saturation(p_step, sat, sat_pt, L, start, ceil, ceil_pt, st, level):
    """The saturation step's estimate, and a note when it is already reached in the data.

    Every informed path starts at the level now *L*: a draw whose *L* is already past its
    target (``saturation_fraction`` of the way from *start* to its ceiling) reached it by
    the last evaluation, even when the smoothed observed curve (which lags) does not show
    it yet. Such a draw is reached, not forecast for the first step after the cut. A
    step reached in the data is only known to lie after the evaluation before it, so a
    reached point's interval starts there rather than collapsing onto the evaluation at
    which it was seen.
    """
    steps = np.asarray(p_step, float)
    if not len(steps):
        return est(sat, level, sat_pt), None
    last = float(steps[-1])
    f = st.saturation_fraction
    ceil = np.asarray(ceil, float)
    target = start + f * (ceil - start)
    now_past = (L - target) * np.where(ceil >= start, 1.0, -1.0) >= 0
    sat = np.where(now_past & (sat > last), last, sat)
    t_pt = start + f * (ceil_pt - start)
    if (L - t_pt) * (1.0 if ceil_pt >= start else -1.0) >= 0 and sat_pt > last:
        sat_pt = last
    out = est(sat, level, sat_pt)
    if not (math.isfinite(sat_pt) and sat_pt <= last):
        return out, None
    lo = out.ci[0]
    if lo <= last:  # reached draws at the low end: they crossed after the evaluation before
        lo = _before(steps, lo)
    out = Estimate(out.value, (lo, out.ci[1]), out.level)
    note = (
        f"{f:.0%} of the plateau already reached within the data, between the evaluations at "
        f"steps {_before(steps, sat_pt):g} and {sat_pt:g}: the saturation step is observed, not forecast"
    )
    return out, note


def _before(steps, step):
    """The evaluation before *step* (the first one when there is none before it)."""
    i = int(np.searchsorted(steps, step))
    return float(steps[i - 1]) if i > 0 else float(steps[0])


def _level_sd(res) -> float:
    """The run's own level-forecast spread (from its at_horizon interval when fallback)."""
    lo, hi = res.at_horizon.ci
    if math.isfinite(lo) and math.isfinite(hi):
        return max((hi - lo) / (2 * 1.6448536269514722), 0.0)
    return 0.0


def use_reference(res, s, reference, *, entropy=None, reward=None, kind="auto", prepare=None):
    """The forecaster's hook: *res* informed by *reference* (any form :func:`references`
    takes), or *res* with the reason the references were not used."""
    from .level import residual_noise
    from .reference import ReferencePrior, references
    from .reference_prior import build_prior

    refs = references(
        reference, entropy=entropy or s.entropy, reward=reward or s.reward, kind=kind, prepare=prepare
    )
    notes = tuple(refs.notes)
    st = res.settings
    p = np.asarray(s.p_val, float)
    span = (
        (res.bounds[1] - res.bounds[0]) if res.bounds is not None else (float(np.ptp(p)) if len(p) else 1.0)
    )
    noise = residual_noise(p)[0] if len(p) >= 3 else 0.0
    prior: ReferencePrior = build_prior(
        refs,
        s,
        st.upto_step,
        st.horizon,
        noise=noise if math.isfinite(noise) else 0.0,
        span=span,
        bounds=res.bounds,
    )
    if prior.usable and res.status == "entropy_controlled":
        prior = replace(
            prior,
            usable=False,
            reason="the run's entropy is not collapsing, so the law's prior does not apply",
        )
    if not prior.usable:
        return replace(
            res, reference=prior, warnings=res.warnings + notes + (f"references not used: {prior.reason}",)
        )
    seed = 0 if st.seed is None else int(st.seed)
    out = apply_reference(res, s, prior, np.random.default_rng([seed, 15]))
    return replace(out, warnings=out.warnings + notes)
