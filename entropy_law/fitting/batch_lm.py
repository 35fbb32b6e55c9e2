r"""Bounded Levenberg–Marquardt for many least-squares problems at once (no Python loop).

Used where one model is refitted to many series: the bootstrap refits of an lmfit-class
law (:func:`entropy_law.fitting.engine.fit_arrays`, e.g. the ScaleRL sigmoid) and the
entropy-trajectory families (:func:`entropy_law.trajectory.families.fit_batch`). One NumPy
pass per iteration serves every row, instead of one optimiser call per row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["lm_batch", "batched_law_jacobian", "refit_law_batch"]


def lm_batch(
    func: Callable[..., np.ndarray],
    jac: Callable[..., np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    u: np.ndarray,
    Y: np.ndarray,
    start: np.ndarray,
    *,
    sqrt_weights: np.ndarray | None = None,
    max_iter: int = 200,
    rtol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Minimise :math:`\chi^2_i(\theta_i) = \sum_t w_{it} (f(u_t; \theta_i) - Y_{it})^2` per row.

    Each iteration solves the damped normal equations
    :math:`(J^T J + \lambda\,\mathrm{diag}\,J^T J)\,\delta = -J^T r` with the Jacobian,
    projects onto the bounds, and keeps a step only if it lowers :math:`\chi^2` (then
    :math:`\lambda \to \lambda/10`, else :math:`\lambda \to 10\lambda`). A parameter at a
    bound whose gradient points outward is held there (active set). A row stops when a step
    changes :math:`\chi^2` by less than ``rtol`` relative and every parameter by less than
    ``sqrt(rtol)`` relative, when a rejected step's linear model promised a decrease below
    ``rtol`` relative, or when :math:`\lambda` exceeds 1e12.

    Parameters
    ----------
    func : callable
        ``func(u, *cols)`` with ``cols[j]`` of shape ``(b, 1)``; returns ``(b, n)``.
    jac : callable
        ``jac(u, *cols)`` returning the Jacobian ``(b, n, P)``.
    lo, hi : ndarray, shape (P,)
        Bounds (``±inf`` for free).
    u : ndarray, shape (n,) or (B, n)
        The independent variable (per row when 2-D).
    Y : ndarray, shape (B, n)
        The series.
    start : ndarray, shape (P,) or (B, P)
        Starting values (clipped into the bounds).
    sqrt_weights : ndarray, shape (n,) or (B, n), optional
        Square roots of the observation weights.
    max_iter : int
        Iterations at most (each costs one function and one Jacobian evaluation).
    rtol : float
        Relative convergence tolerance on :math:`\chi^2`.

    Returns
    -------
    params : ndarray (B, P)
    chisq : ndarray (B,)
        Weighted; ``inf`` where the model is not finite.
    converged : ndarray of bool (B,)
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B, P = Y.shape[0], len(lo)
    u = np.asarray(u, dtype=float)
    per_row_u = u.ndim == 2
    sw = None if sqrt_weights is None else np.broadcast_to(np.asarray(sqrt_weights, float), Y.shape)
    theta = np.clip(np.broadcast_to(np.asarray(start, dtype=float), (B, P)), lo, hi).copy()

    def evaluate(th, rows):
        uu = u[rows] if per_row_u else u
        with np.errstate(all="ignore"):
            r = func(uu, *(th[:, j, None] for j in range(P))) - Y[rows]
            if sw is not None:
                r = r * sw[rows]
        c = np.einsum("bn,bn->b", r, r)
        return r, np.where(np.isfinite(c), c, np.inf)

    everything = np.arange(B)
    r, chi = evaluate(theta, everything)
    lam = np.full(B, 1e-3)
    live = np.isfinite(chi)
    done = ~live
    eye = np.eye(P)
    # J^T J and J^T r per row, kept while the row's theta is unchanged: a rejected step
    # (about one in five) retries from the same point with a larger lambda, so its
    # Jacobian is not evaluated again (the arithmetic is the same as recomputing it)
    AA, gg = np.empty((B, P, P)), np.empty((B, P))
    fresh = np.zeros(B, dtype=bool)
    for _ in range(max_iter):
        act = np.nonzero(~done)[0]
        if act.size == 0:
            break
        th = theta[act]
        need = act[~fresh[act]]
        if need.size:
            tn = theta[need]
            with np.errstate(all="ignore"):
                J = jac(u[need] if per_row_u else u, *(tn[:, j, None] for j in range(P)))  # (b, n, P)
                if sw is not None:
                    J = J * sw[need][:, :, None]
            J = np.where(np.isfinite(J), J, 0.0)
            Jt = J.transpose(0, 2, 1)
            AA[need] = Jt @ J
            gg[need] = (Jt @ r[need][:, :, None])[:, :, 0]
            fresh[need] = True
        A, g = AA[act], gg[act]
        held = ((th <= lo) & (g > 0)) | ((th >= hi) & (g < 0))
        free = ~held
        A = A * (free[:, :, None] & free[:, None, :]) + eye * held[:, :, None]
        g = np.where(held, 0.0, g)
        d = np.einsum("bpp->bp", A)
        scale = np.maximum(d, 1e-12 * np.maximum(d.max(axis=1, keepdims=True), 1e-300))
        M = A + (lam[act, None, None] * scale[:, :, None]) * eye
        try:
            step = np.linalg.solve(M, -g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = -g / np.einsum("bpp->bp", M)
        new = np.clip(th + np.where(held, 0.0, step), lo, hi)
        r_new, chi_new = evaluate(new, act)
        better = chi_new < chi[act]
        small = (np.abs(chi[act] - chi_new) <= rtol * chi[act]) & np.all(
            np.abs(new - th) <= np.sqrt(rtol) * (np.abs(th) + np.sqrt(rtol)), axis=1
        )
        ok = act[better]
        theta[ok], r[ok], chi[ok] = new[better], r_new[better], chi_new[better]
        fresh[ok] = False
        lam[ok] = np.maximum(lam[ok] / 10.0, 1e-12)
        lam[act[~better]] *= 10.0
        # a rejected step whose own linear model promises less than rtol of chi^2 ends the
        # row: theta is already the optimum to tolerance (larger lambdas only shorten it)
        dstep = np.where(held, 0.0, step)
        Ad = (A @ dstep[:, :, None])[:, :, 0]
        promise = -(2.0 * np.einsum("bp,bp->b", g, dstep) + np.einsum("bp,bp->b", dstep, Ad))
        flat = promise <= rtol * chi[act]
        done[act[small | (~better & (flat | np.all(step == 0, axis=1) | (lam[act] > 1e12)))]] = True
    return theta, chi, done & live


def batched_law_jacobian(func: Callable[..., np.ndarray], jac: Callable[..., np.ndarray] | None, P: int):
    """A ``(b, n, P)`` Jacobian from a law's own one-series Jacobian ``jac(x, *params) -> (n, P)``.

    A law's Jacobian stacks its columns with ``np.column_stack``; given ``(b, n)`` columns
    that yields ``(b, P n)``, which is reshaped. A Jacobian that does not broadcast so (or
    a law without one) is replaced by forward differences of *func*.
    """

    def numeric(u, *cols):
        f0 = func(u, *cols)
        out = np.empty((*f0.shape, P))
        for j in range(P):
            h = 1.49e-8 * np.maximum(np.abs(cols[j]), 1.0)
            shifted = list(cols)
            shifted[j] = cols[j] + h
            out[..., j] = (func(u, *shifted) - f0) / h
        return out

    if jac is None:
        return numeric

    def analytic(u, *cols):
        b = cols[0].shape[0]
        n = np.shape(u)[-1]
        try:
            j = np.asarray(jac(u, *cols))
        except ValueError:
            return numeric(u, *cols)
        if j.shape == (b, P * n):
            return j.reshape(b, P, n).transpose(0, 2, 1)
        return numeric(u, *cols)

    return analytic


def refit_law_batch(law, x, y, w, best, resid, idx: np.ndarray, resample: str) -> np.ndarray:
    """Refit a nonlinear law to every bootstrap resample at once (:func:`lm_batch`).

    Parameters
    ----------
    law : Law
        The law (:mod:`entropy_law.fitting.laws`); its ``jac`` is used when it broadcasts.
    x, y, w : ndarray, shape (n,)
        The data and weights; *best* is the full-data fit (warm start), *resid* its residuals.
    idx : ndarray of int, shape (B, n)
        Resampled points (``"block"``/``"pairs"``) or residuals (``"residual"``).
    resample : str
        The scheme.

    Returns
    -------
    ndarray, shape (B, P)
        Parameters per resample in ``law.param_names`` order; NaN rows where a refit fails.
    """
    names = law.param_names
    lo = np.array([law.bounds.get(p, (-np.inf, np.inf))[0] for p in names], dtype=float)
    hi = np.array([law.bounds.get(p, (-np.inf, np.inf))[1] for p in names], dtype=float)
    start = np.clip(np.array([best.params[p] for p in names], dtype=float), lo, hi)
    if resample == "residual":
        xs, ys, sw = x, best.fitted[None, :] + resid[idx], np.sqrt(w)
    else:
        xs, ys, sw = x[idx], y[idx], np.sqrt(w[idx])
    jac = batched_law_jacobian(law.func, law.jac, len(names))
    # 100 iterations and "not converged = failed", as the per-resample least_squares
    # (max_nfev=100) it replaces: drifting, ill-posed resamples are left out as before
    out, chisq, conv = lm_batch(law.func, jac, lo, hi, xs, ys, start, sqrt_weights=sw, max_iter=100)
    out[~(conv & np.all(np.isfinite(out), axis=1) & np.isfinite(chisq))] = np.nan
    return out
