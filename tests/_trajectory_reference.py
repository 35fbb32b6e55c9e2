"""The trajectory solvers as they were before issue 14's speed work, kept as a reference.

``tests/test_trajectory_solver.py`` swaps these in to reproduce the *before* results on
fixed seeds: the batched Levenberg-Marquardt that re-evaluated the Jacobian after a
rejected step, the power family written with ``np.power``, and the full-data fit polished
by ``lmfit.minimize`` (which supplied the standard errors and information criteria).
Copied from entropy_law at main 9535ee2; not used by the package.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from entropy_law.trajectory import fit as fit_mod
from entropy_law.trajectory.families import FAMILIES


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
    for _ in range(max_iter):
        act = np.nonzero(~done)[0]
        if act.size == 0:
            break
        th, ra = theta[act], r[act]
        with np.errstate(all="ignore"):
            J = jac(u[act] if per_row_u else u, *(th[:, j, None] for j in range(P)))  # (b, n, P)
            if sw is not None:
                J = J * sw[act][:, :, None]
        J = np.where(np.isfinite(J), J, 0.0)
        Jt = J.transpose(0, 2, 1)
        A = Jt @ J
        g = (Jt @ ra[:, :, None])[:, :, 0]
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


def _power(u, h_inf, h0, tau, alpha):
    return h_inf + (h0 - h_inf) * np.power(1.0 + u / (alpha * tau), -alpha)


def _power_jac(u, h_inf, h0, tau, alpha):
    x = u / (alpha * tau)
    g = np.power(1.0 + x, -alpha)
    a = (h0 - h_inf) * g
    return np.stack(
        np.broadcast_arrays(1 - g, g, a * u / (tau**2 * (1 + x)), a * (x / (1 + x) - np.log1p(x))), axis=-1
    )


POWER = dataclasses.replace(FAMILIES["power"], func=_power, jac=_power_jac)


def fit_full(fam, u, y):
    """The old full-data fit: three batched starts, then an lmfit polish of the best."""
    import lmfit

    g = fam.guess(u, y)
    tkey = fam.time_params[0]
    starts = np.array(
        [[g[p] * (scale if p == tkey else 1.0) for p in fam.param_names] for scale in (1.0, 0.3, 3.0)]
    )
    lo, hi = fam.bounds_arrays()
    starts = np.clip(starts, lo + 1e-9, np.where(np.isfinite(hi), hi * (1 - 1e-9), np.inf))
    theta, chi, _ = fit_mod.fit_batch(fam, u, np.broadcast_to(y, (len(starts), y.size)), starts)
    ok = np.all(np.isfinite(theta), axis=1) & np.isfinite(chi)
    pick = theta[int(np.argmin(np.where(ok, chi, np.inf)))] if ok.any() else starts[0]
    ps = lmfit.Parameters()
    for p, v in zip(fam.param_names, pick):
        lo_p, hi_p = fam.bounds[p]
        inside = np.clip(v, lo_p + 1e-9, hi_p * (1 - 1e-9) if np.isfinite(hi_p) else np.inf)
        ps.add(p, value=float(inside), min=lo_p, max=hi_p)

    def resid(params):
        return fam.func(u, *[params[p].value for p in fam.param_names]) - y

    def jac(params):
        return fam.jac(u, *[params[p].value for p in fam.param_names])

    r = lmfit.minimize(resid, ps, method="leastsq", Dfun=jac)
    return fit_mod._FullFit(
        {p: float(r.params[p].value) for p in fam.param_names},
        {p: (None if r.params[p].stderr is None else float(r.params[p].stderr)) for p in fam.param_names},
        float(r.chisqr),
        float(r.aic),
        float(r.bic),
        bool(r.success),
        str(r.message),
    )


def install(monkeypatch) -> None:
    """Swap the reference solvers in (undone by pytest's monkeypatch at the test's end)."""
    from entropy_law.fitting import batch_lm
    from entropy_law.trajectory import families

    monkeypatch.setattr(families, "lm_batch", lm_batch)
    monkeypatch.setattr(batch_lm, "lm_batch", lm_batch)
    monkeypatch.setitem(FAMILIES, "power", POWER)
    monkeypatch.setattr(fit_mod, "_fit_full", fit_full)
