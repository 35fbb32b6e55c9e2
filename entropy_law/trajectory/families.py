r"""Decay families for the entropy trajectory H(t), as data.

Each family is a :class:`DecayFamily`: the curve on scaled time, its analytic Jacobian,
parameter bounds and a data-driven starting guess. :data:`FAMILIES` maps names to
families; :func:`entropy_law.trajectory.fit.fit_trajectory` fits and averages them.

Time is scaled as :math:`u = (t - t_0)/T`, :math:`T = t_{last} - t_0`; the reported time
constants are converted back to the units of ``t``.

``"exp"``        :math:`H = H_\infty + (H_0 - H_\infty)\,e^{-(t - t_0)/\tau}`
``"power"``      :math:`H = H_\infty + (H_0 - H_\infty)\,(1 + (t - t_0)/s)^{-\alpha}`,
                 fitted as :math:`(\tau, \alpha)` with :math:`s = \alpha\tau`
``"stretched"``  :math:`H = H_\infty + (H_0 - H_\infty)\,e^{-((t - t_0)/\tau)^{\beta}}`

All have :math:`H_\infty \ge 0` (the entropy floor) and :math:`H_0 = H(t_0)`, so the
amplitude is :math:`A = H_0 - H_\infty`. Writing the amplitude through :math:`H_0` keeps
it pinned by the first points. In every family :math:`\tau` is the initial e-folding time
(:math:`H'(t_0) = -A/\tau`), which decorrelates the power law's ``s`` and ``alpha``; the
power law tends to the exponential as :math:`\alpha \to \infty`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..fitting.batch_lm import lm_batch

__all__ = ["DecayFamily", "FAMILIES", "fit_batch"]


@dataclass(frozen=True)
class DecayFamily:
    """One decay family as data: ``func(u, **params)`` on scaled time ``u`` ∈ [0, 1].

    ``bounds`` are in scaled units; ``time_params`` are multiplied by the time span
    ``T`` when reported; ``guess(u, h)`` returns starting values from the data.
    """

    name: str
    func: Callable[..., np.ndarray]
    param_names: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float]]
    guess: Callable[[np.ndarray, np.ndarray], dict[str, float]]
    equation: str
    jac: Callable[..., np.ndarray]
    time_params: tuple[str, ...] = ()

    def bounds_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds in :attr:`param_names` order."""
        lo, hi = zip(*(self.bounds[p] for p in self.param_names))
        return np.array(lo, dtype=float), np.array(hi, dtype=float)


def _cols(*cols) -> np.ndarray:
    """Jacobian columns stacked last: ``(n, P)``, or ``(B, n, P)`` for batched params."""
    shape = np.broadcast_shapes(*(np.shape(c) for c in cols))
    out = np.empty((*shape, len(cols)))
    for j, c in enumerate(cols):
        out[..., j] = c
    return out


def _exp(u, h_inf, h0, tau):
    return h_inf + (h0 - h_inf) * np.exp(-u / tau)


def _exp_jac(u, h_inf, h0, tau):
    e = np.exp(-u / tau)
    return _cols(1 - e, e, (h0 - h_inf) * e * u / tau**2)


def _power(u, h_inf, h0, tau, alpha):
    # (1 + x)^-alpha as exp(-alpha log1p(x)): one log and one exp, the Jacobian's own terms
    return h_inf + (h0 - h_inf) * np.exp(-alpha * np.log1p(u / (alpha * tau)))


def _power_jac(u, h_inf, h0, tau, alpha):
    x = u / (alpha * tau)
    lx = np.log1p(x)
    g = np.exp(-alpha * lx)
    a = (h0 - h_inf) * g
    inv = 1.0 / (1.0 + x)
    return _cols(1 - g, g, a * u * inv / tau**2, a * (x * inv - lx))


def _stretched(u, h_inf, h0, tau, beta):
    return h_inf + (h0 - h_inf) * np.exp(-np.power(np.maximum(u, 0.0) / tau, beta))


def _stretched_jac(u, h_inf, h0, tau, beta):
    r = np.maximum(u, 0.0) / tau
    z = np.power(r, beta)
    e = np.exp(-z)
    a = (h0 - h_inf) * e
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), 0.0)
    return _cols(1 - e, e, a * beta * z / tau, -a * z * lr)


def _guess_common(u, h):
    k = max(2, len(h) // 10)
    h0, h_end = float(np.median(h[:k])), float(np.median(h[-k:]))
    h_inf = max(0.0, 0.8 * h_end if h_end < h0 else h_end)
    excess = h - h_inf
    below = np.nonzero(excess < (h0 - h_inf) / math.e)[0]
    tau = float(np.clip(u[below[0]] if below.size else 1.0, 0.02, 10.0))
    return h_inf, h0, tau


def _guess_exp(u, h):
    h_inf, h0, tau = _guess_common(u, h)
    return {"h_inf": h_inf, "h0": h0, "tau": tau}


def _guess_power(u, h):
    h_inf, h0, tau = _guess_common(u, h)
    return {"h_inf": h_inf, "h0": h0, "tau": tau, "alpha": 2.0}


def _guess_stretched(u, h):
    h_inf, h0, tau = _guess_common(u, h)
    return {"h_inf": h_inf, "h0": h0, "tau": tau, "beta": 1.0}


_INF = np.inf
FAMILIES: dict[str, DecayFamily] = {
    "exp": DecayFamily(
        "exp",
        _exp,
        ("h_inf", "h0", "tau"),
        {"h_inf": (0.0, _INF), "h0": (0.0, _INF), "tau": (1e-3, 1e3)},
        _guess_exp,
        "H = H_inf + (H0 - H_inf)*exp(-(t - t0)/tau)",
        _exp_jac,
        ("tau",),
    ),
    "power": DecayFamily(
        "power",
        _power,
        ("h_inf", "h0", "tau", "alpha"),
        {"h_inf": (0.0, _INF), "h0": (0.0, _INF), "tau": (1e-3, 1e3), "alpha": (0.05, 50.0)},
        _guess_power,
        "H = H_inf + (H0 - H_inf)*(1 + (t - t0)/s)^(-alpha),  s = alpha*tau",
        _power_jac,
        ("tau",),
    ),
    "stretched": DecayFamily(
        "stretched",
        _stretched,
        ("h_inf", "h0", "tau", "beta"),
        {"h_inf": (0.0, _INF), "h0": (0.0, _INF), "tau": (1e-3, 1e3), "beta": (0.2, 3.0)},
        _guess_stretched,
        "H = H_inf + (H0 - H_inf)*exp(-((t - t0)/tau)^beta)",
        _stretched_jac,
        ("tau",),
    ),
}


def fit_batch(
    fam: DecayFamily,
    u: np.ndarray,
    Y: np.ndarray,
    start: np.ndarray,
    *,
    max_iter: int = 200,
    rtol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Fit *fam* to many series at once by bounded Levenberg–Marquardt.

    Minimises :math:`\chi^2_i(\theta_i) = \sum_t (f(u_t; \theta_i) - Y_{it})^2` for every
    row ``i`` of *Y* simultaneously (one NumPy pass per iteration for all rows, instead of
    one optimiser call per row). Each iteration solves the damped normal equations
    :math:`(J^T J + \lambda\,\mathrm{diag}\,J^T J)\,\delta = -J^T r` with the analytic
    Jacobian, projects onto the bounds, and keeps a step only if it lowers
    :math:`\chi^2` (then :math:`\lambda \to \lambda/10`, else :math:`\lambda \to 10\lambda`).
    A parameter at a bound whose gradient points outward is held there (active set), so a
    floor at :math:`H_\infty = 0` is found exactly. A row stops when a step changes
    :math:`\chi^2` by less than ``rtol`` relative and every parameter by less than
    ``sqrt(rtol)`` relative, or when :math:`\lambda` exceeds 1e12.

    Parameters
    ----------
    fam : DecayFamily
    u : ndarray, shape (n,)
        Scaled time.
    Y : ndarray, shape (B, n)
        The series.
    start : ndarray, shape (P,) or (B, P)
        Starting values (clipped into the bounds).
    max_iter : int
        Iterations at most (each costs one function and one Jacobian evaluation).
    rtol : float
        Relative convergence tolerance on :math:`\chi^2` (see above).

    Returns
    -------
    params : ndarray (B, P)
    chisq : ndarray (B,)
    converged : ndarray of bool (B,)
    """
    lo, hi = fam.bounds_arrays()
    return lm_batch(fam.func, fam.jac, lo, hi, u, Y, start, max_iter=max_iter, rtol=rtol)
