r"""The prior's point forecast: the change from now along an exponential entropy path
(and a fixed-shape sigmoid), and its check on the references.

.. math::

    H(t) = H_\infty + (H_{now} - H_\infty)\,e^{-(t - t_{now})/\tau}, \qquad
    \hat R(t) = L_{now} - a\,\big(e^{H(t)} - e^{H_{now}}\big)

Used by :mod:`entropy_law.forecasting.informed` for the run and by
:mod:`entropy_law.forecasting.reference_prior` to score the prior on each reference.
"""

from __future__ import annotations

import math

import numpy as np

from .core import tail_mask

__all__ = [
    "law_change",
    "sigmoid_change",
    "predicted_change",
    "check_on_references",
    "fleet_change",
    "reference_changes",
    "now_state",
]

SIGMOID_MIN_POINTS = 5  # the fixed-shape sigmoid (2 free parameters) needs this many points
SIGMOID_MIN_PROGRESS = 0.3  # ... and the slice must cover this much of the prior shape's rise


def now_state(s, first, upto):
    """Level now, entropy now (means over the slice's last 10%, at least the last point /
    last 3 entropy points) and the mean steps of those windows."""
    kp, ke = s.p_step <= upto, s.e_step <= upto
    ps, pv, es, ev = s.p_step[kp], s.p_val[kp], s.e_step[ke], s.e_val[ke]
    if not len(ps) or not len(es):
        return math.nan, math.nan, math.nan, math.nan
    pm = tail_mask(ps, first, upto)
    em = es >= min(ps[pm].min(), es[-min(3, len(es))])
    return float(np.mean(pv[pm])), float(np.mean(ev[em])), float(np.mean(ps[pm])), float(np.mean(es[em]))


def law_change(t, a, h_inf, tau, h_now, t_now):
    """Predicted change of performance from now along the exponential entropy path."""
    t = np.atleast_1d(np.asarray(t, float))
    a, h_inf, tau = (np.atleast_1d(np.asarray(x, float))[:, None] for x in (a, h_inf, tau))
    H = h_inf + (h_now - h_inf) * np.exp(-np.maximum(t - t_now, 0.0) / tau)
    return -a * (np.exp(H) - math.exp(h_now))


def sigmoid_change(p_step, p_val, t, B, C, t_now, bounds):
    """Change from now of the fixed-shape sigmoid fitted (R0, A) to the slice; NaN if none."""
    x = np.maximum(np.asarray(p_step, float), 0.0)
    B, C = np.atleast_1d(np.asarray(B, float)), np.atleast_1d(np.asarray(C, float))
    with np.errstate(all="ignore"):

        def g(v):
            v = np.maximum(np.asarray(v, float), 0.0)
            return np.where(v > 0, 1.0 / (1.0 + (C[:, None] / np.where(v > 0, v, 1.0)) ** B[:, None]), 0.0)

        G = g(x)  # (n, m)
        if len(x) < 3:
            return np.full((len(B), np.size(t)), np.nan)
        s0, s1 = (1 - G).sum(1), G.sum(1)
        s00, s01, s11 = ((1 - G) ** 2).sum(1), ((1 - G) * G).sum(1), (G**2).sum(1)
        y0, y1 = ((1 - G) * p_val).sum(1), (G * p_val).sum(1)
        det = s00 * s11 - s01**2
        R0 = (s11 * y0 - s01 * y1) / det
        A = (s00 * y1 - s01 * y0) / det
        out = (A - R0)[:, None] * (g(np.atleast_1d(t)) - g(np.array([t_now])))
    bad = ~np.isfinite(A) | (np.abs(det) < 1e-9 * np.maximum(s0 * s1, 1e-300))
    if bounds is not None:
        lo, hi = bounds
        bad |= (A < lo - 0.05 * (hi - lo)) | (A > hi + 0.05 * (hi - lo))
    out[bad] = np.nan
    return out


def predicted_change(s, params, first, upto, t, bounds):
    """The informed point forecast's change from now at times *t* (law, mean with sigmoid)."""
    L, h_now, tp, te = now_state(s, first, upto)
    law = law_change(t, params["a"], params["h_inf"], math.exp(params["log_tau"]), h_now, te)[0]
    k = s.p_step <= upto
    B, C = params.get("sig_B", math.nan), math.exp(params.get("sig_logC", math.nan))
    if k.sum() < SIGMOID_MIN_POINTS or not (math.isfinite(B) and math.isfinite(C)):
        return _clip_change(law, L, bounds)
    if 1.0 / (1.0 + (C / max(tp, 1e-12)) ** B) < SIGMOID_MIN_PROGRESS:
        return _clip_change(law, L, bounds)
    sig = sigmoid_change(s.p_step[k], s.p_val[k], t, B, C, tp, bounds)[0]
    return _clip_change(np.where(np.isfinite(sig), 0.5 * (law + sig), law), L, bounds)


def _clip_change(d, L, bounds):
    return np.clip(L + d, *bounds) - L if bounds is not None else d


def _wmedian(e, w) -> float:
    o = np.argsort(e)
    cw = np.cumsum(w[o])
    return float(e[o][int(np.searchsorted(cw, 0.5 * cw[-1]))])


def _level_and_final(s, upto, horizon):
    """A reference's level at the cut and its realised final (mean of its last 10% up to
    *horizon* or its end), as the benchmark scores a forecast."""
    first, h = s.first_step, min(horizon, s.last_step)
    L = now_state(s, first, upto)[0]
    final = float(np.mean(s.p_val[tail_mask(s.p_step, first, h) & (s.p_step <= h)]))
    return L, final


def reference_changes(refs, weights, upto, horizon) -> dict[str, tuple[float, float, float]]:
    """``{run: (level at the cut, realised final, weight)}`` of every weighted reference
    that runs past the cut, both finite (computed once per prior, read by
    :func:`fleet_change` and :func:`check_on_references`)."""
    out = {}
    for r in refs:
        w = weights.get(r.run, 0.0)
        if w <= 0 or r.series.last_step <= upto:
            continue
        L, final = _level_and_final(r.series, upto, horizon)
        if math.isfinite(L) and math.isfinite(final):
            out[r.run] = (L, final, w)
    return out


def fleet_change(changes, skip=None) -> float:
    r"""The references' weighted median change from the cut to the horizon (or their end),
    :math:`\operatorname{med}_w(R_{final} - L_{now})`, from :func:`reference_changes`,
    leaving out the run *skip*."""
    kept = [(final - L, w) for run, (L, final, w) in changes.items() if run != skip]
    if not kept:
        return math.nan
    ch, ws = (np.array(x, float) for x in zip(*kept))
    return _wmedian(ch, ws)


def check_on_references(refs, changes, upto, horizon, bounds, prior_means) -> dict:
    """Score the two candidate forecasts on the references, each reference left out of
    its own prior (``prior_means(skip=run)``) and of the fleet's change, from the cut
    *upto* to *horizon* (or the reference's end); *changes* from :func:`reference_changes`.

    Returns ``{"law": (rms, median, n, median_abs), "fleet": (...)}``: the weighted RMS,
    weighted median (the bias) and weighted median absolute value of the errors of the
    prior's law-based forecast and of the fleet's change (:func:`fleet_change`), over the
    references where both could be scored.
    """
    errs: dict[str, list[float]] = {"law": [], "fleet": []}
    ws = []
    for r in refs:
        if r.run not in changes:
            continue
        s, (L, final, w) = r.series, changes[r.run]
        p = prior_means(r.run)
        if not all(math.isfinite(p[k]) for k in ("a", "h_inf", "log_tau")):
            continue
        h = min(horizon, s.last_step)
        d = float(predicted_change(s, p, s.first_step, upto, np.array([h], float), bounds)[0])
        fc = fleet_change(changes, skip=r.run)
        if math.isfinite(d) and math.isfinite(fc):
            pred = L + fc
            if bounds is not None:
                pred = float(np.clip(pred, *bounds))
            errs["law"].append(L + d - final)
            errs["fleet"].append(pred - final)
            ws.append(w)
    if not ws:
        return {k: (math.nan, math.nan, 0, math.nan) for k in errs}
    w = np.array(ws)
    out = {}
    for k, v in errs.items():
        e = np.array(v)
        # the bias is the weighted *median* error: a minority of references that collapsed
        # late (bimodal outcomes, as in the TRL rho sweep) should not move every forecast
        rms = float(math.sqrt(np.sum(w * e**2) / w.sum()))
        out[k] = (rms, _wmedian(e, w), len(e), _wmedian(np.abs(e), w))
    return out
