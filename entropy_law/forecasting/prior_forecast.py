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

__all__ = ["law_change", "sigmoid_change", "predicted_change", "check_on_references", "now_state"]

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


def check_on_references(refs, weights, upto, horizon, bounds, prior_means) -> tuple[float, float, int]:
    """Weighted RMS and median of the prior's forecast errors on the references, each left
    out of its own prior (``prior_means(skip=run)``), from the cut *upto* to *horizon* (or
    the reference's end)."""
    errs, ws = [], []
    for r in refs:
        s, w = r.series, weights.get(r.run, 0.0)
        if w <= 0 or s.last_step <= upto:
            continue
        first, h = s.first_step, min(horizon, s.last_step)
        p = prior_means(r.run)
        if not all(math.isfinite(p[k]) for k in ("a", "h_inf", "log_tau")):
            continue
        L = now_state(s, first, upto)[0]
        final = float(np.mean(s.p_val[tail_mask(s.p_step, first, h) & (s.p_step <= h)]))
        d = float(predicted_change(s, p, first, upto, np.array([h], float), bounds)[0])
        if math.isfinite(d) and math.isfinite(L) and math.isfinite(final):
            errs.append(L + d - final)
            ws.append(w)
    if not errs:
        return math.nan, math.nan, 0
    e, w = np.array(errs), np.array(ws)
    # the bias is the weighted *median* error: a minority of references that collapsed
    # late (bimodal outcomes, as in the TRL rho sweep) should not move every forecast
    o = np.argsort(e)
    cw = np.cumsum(w[o])
    med = float(e[o][int(np.searchsorted(cw, 0.5 * cw[-1]))])
    return float(math.sqrt(np.sum(w * e**2) / w.sum())), med, len(errs)
