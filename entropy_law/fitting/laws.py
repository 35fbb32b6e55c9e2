r"""The laws a run can be fitted with, each described as data.

``entropy`` (default; Cui et al. 2025, arXiv 2505.22617)
    :math:`R = -a\,e^{H} + b`. Linear in :math:`(a, b)` given :math:`x = e^{H}`, so it
    is solved exactly by weighted least squares. Ceiling :math:`b - a` (R at H = 0).
``entropy_scaled``
    :math:`R = -a\,e^{cH} + b`, the same family with a free rate ``c`` (lmfit; the
    alternative-law comparison solves it by variable projection instead).
    Ceiling :math:`b - a`.
``linear``
    :math:`R = -a\,H + b`, the natural linear alternative (closed form, like the
    entropy law). Ceiling :math:`b`.
``sigmoid`` (ScaleRL; Khatri et al. 2025)
    :math:`R(C) = R_0 + (A - R_0) / (1 + (C_{mid}/C)^B)` in steps or compute ``C``
    (lmfit). Ceiling :math:`A` (the asymptote).

A :class:`Law` knows its function, parameter names, bounds, a data-driven
:meth:`~Law.guess`, its equation (plain text and LaTeX) and how to solve itself
(:meth:`Law.solve`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import FitError

__all__ = ["Law", "LawFit", "LAWS", "get_law"]


@dataclass(frozen=True)
class LawFit:
    """One least-squares solution: parameter values, covariance, fitted curve."""

    params: dict[str, float]
    cov: np.ndarray | None
    fitted: np.ndarray
    success: bool = True
    message: str = ""


@dataclass(frozen=True)
class Law:
    """A performance law ``R = func(x, **params)``.

    Attributes
    ----------
    name : str
        Registry key (``"entropy"``...).
    func : callable
        ``func(x, *params)`` with the parameters in :attr:`param_names` order.
    param_names : tuple of str
    bounds : mapping
        ``name -> (low, high)`` used by lmfit (``±inf`` for free).
    guess_func : callable
        ``guess_func(x, y) -> dict`` of starting values from the data.
    equation, latex : str
        The law as plain text and LaTeX.
    variable : str
        ``"H"`` (policy entropy, nats) or ``"C"`` (steps or compute).
    ceiling_func : callable
        ``ceiling_func(params) -> value``: the performance the law implies at the
        limit (works element-wise on arrays of draws).
    ceiling_text : str
        What the ceiling is (``"b - a (R at H = 0)"``).
    linear : bool
        Linear in its parameters after the transform :attr:`basis`; solved in closed form.
    basis : callable, optional
        For linear laws, ``basis(x)`` is the regressor ``z`` of ``R = beta0 + beta1 z``.
    line_map : tuple, optional
        For linear laws, the 2x2 matrix ``M`` with ``params = M @ (beta0, beta1)``.
    family : str
        Laws of one family nest each other (``entropy`` is ``entropy_scaled`` at c = 1);
        the verdict only counts a better law of *another* family against a law.
    """

    name: str
    func: Callable[..., np.ndarray]
    param_names: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float]]
    guess_func: Callable[[np.ndarray, np.ndarray], dict[str, float]]
    equation: str
    latex: str
    variable: str
    ceiling_func: Callable[[Mapping[str, np.ndarray]], np.ndarray]
    ceiling_text: str
    linear: bool = False
    basis: Callable[[np.ndarray], np.ndarray] | None = None
    line_map: tuple[tuple[float, float], tuple[float, float]] | None = None
    family: str = ""
    description: str = field(default="", compare=False)
    jac: Callable[..., np.ndarray] | None = field(default=None, compare=False)

    def __call__(self, x, **params) -> np.ndarray:
        """Evaluate the law at *x* (arrays of parameters broadcast against *x*)."""
        return self.func(np.asarray(x, dtype=float), *(params[p] for p in self.param_names))

    def guess(self, x, y) -> dict[str, float]:
        """Starting values from the data (used by lmfit and for sanity checks)."""
        return self.guess_func(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def ceiling(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        """The law's ceiling from *params* (scalars or arrays of draws)."""
        return self.ceiling_func(params)

    def params_from_line(self, intercept, slope) -> dict[str, np.ndarray]:
        """Map line coefficients ``(beta0, beta1)`` to this law's parameters."""
        m = np.asarray(self.line_map, dtype=float)
        return {p: m[i, 0] * intercept + m[i, 1] * slope for i, p in enumerate(self.param_names)}

    def solve(self, x, y, weights=None, *, init: Mapping[str, float] | None = None) -> LawFit:
        """Weighted least-squares fit of the law to ``(x, y)``.

        Linear laws: exact closed form (normal equations on centred data), covariance
        ``s^2 (Z^T W Z)^{-1}`` with ``s^2 = sum w e^2 / (n - 2)``. Other laws: lmfit
        (Levenberg–Marquardt within :attr:`bounds`) from *init* or :meth:`guess`.
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        if self.linear:
            return self._solve_linear(x, y, w)
        return self._solve_lmfit(x, y, w, init)

    def _solve_linear(self, x, y, w) -> LawFit:
        assert self.basis is not None  # linear laws carry a basis (checked in __post_init__)
        z = self.basis(x)
        sw = w.sum()
        zm = (w @ z) / sw
        ym = (w @ y) / sw
        zc = z - zm
        szz = w @ (zc * zc)
        if not szz > 0:
            raise FitError(
                f"the regressor of the {self.name} law has no spread; the fit is not identified.",
                status="constant_entropy",
            )
        slope = (w @ (zc * (y - ym))) / szz
        intercept = ym - slope * zm
        fitted = intercept + slope * z
        n = x.size
        dof = n - 2
        s2 = (w @ (y - fitted) ** 2) / dof if dof > 0 else np.nan
        cov_line = s2 * np.array([[1.0 / sw + zm * zm / szz, -zm / szz], [-zm / szz, 1.0 / szz]])
        m = np.asarray(self.line_map, dtype=float)
        params = {p: float(v) for p, v in self.params_from_line(intercept, slope).items()}
        return LawFit(params, m @ cov_line @ m.T, fitted)

    def refit(self, x, y, weights, init: Mapping[str, float]) -> LawFit:
        """Refit from *init* with scipy's ``least_squares`` (for bootstrap resamples).

        The same bounded least-squares problem as :meth:`solve`, without lmfit's set-up
        cost (about 20x faster per call): resamples start next to the answer, so a plain
        trust-region solve from the full-data estimate is enough. No covariance.
        """
        from scipy.optimize import least_squares

        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        sw = np.sqrt(np.asarray(weights, dtype=float))
        names = list(self.param_names)
        lo = np.array([self.bounds.get(p, (-np.inf, np.inf))[0] for p in names])
        hi = np.array([self.bounds.get(p, (-np.inf, np.inf))[1] for p in names])
        p0 = np.clip(np.array([init[p] for p in names], dtype=float), lo, hi)
        with np.errstate(invalid="ignore"):  # strictly inside the bounds, as trf needs
            p0 = np.where((p0 <= lo) & np.isfinite(lo), lo + 1e-9 * np.maximum(1, abs(lo)), p0)
            p0 = np.where((p0 >= hi) & np.isfinite(hi), hi - 1e-9 * np.maximum(1, abs(hi)), p0)

        def resid(p):
            with np.errstate(all="ignore"):
                r = (self.func(x, *p) - y) * sw
            return np.where(np.isfinite(r), r, 1e6)

        jac = self.jac

        def analytic_jac(p):
            assert jac is not None  # only passed to the solver when the law has a Jacobian
            with np.errstate(all="ignore"):
                j = jac(x, *p) * sw[:, None]
            return np.where(np.isfinite(j), j, 0.0)

        try:
            res = least_squares(
                resid,
                p0,
                jac=analytic_jac if self.jac else "2-point",
                bounds=(lo, hi),
                method="trf",
                x_scale="jac",
                max_nfev=100,
            )
        except (ValueError, FloatingPointError) as exc:
            return LawFit({p: np.nan for p in names}, None, np.full_like(y, np.nan), False, str(exc))
        params = {p: float(v) for p, v in zip(names, res.x)}
        ok = bool(res.success) and bool(np.all(np.isfinite(res.x)))
        with np.errstate(all="ignore"):
            fitted = np.asarray(self.func(x, *res.x), dtype=float)
        return LawFit(params, None, fitted, ok, res.message)

    def _solve_lmfit(self, x, y, w, init) -> LawFit:
        import lmfit

        model = lmfit.Model(
            self.func, independent_vars=["x"], param_names=list(self.param_names), nan_policy="raise"
        )
        start = dict(self.guess(x, y) if init is None else init)
        pars = model.make_params()
        for p in self.param_names:
            lo, hi = self.bounds.get(p, (-np.inf, np.inf))
            pars[p].set(value=float(np.clip(start[p], lo, hi)), min=lo, max=hi)
        try:
            with np.errstate(all="ignore"):
                res = model.fit(y, pars, x=x, weights=np.sqrt(w))
        except (ValueError, FloatingPointError) as exc:
            nan = {p: np.nan for p in self.param_names}
            return LawFit(nan, None, np.full_like(y, np.nan), False, str(exc))
        params = {p: float(res.params[p].value) for p in self.param_names}
        cov = None
        if res.covar is not None and list(res.var_names) == list(self.param_names):
            cov = np.asarray(res.covar, dtype=float)
        ok = bool(res.success) and all(np.isfinite(v) for v in params.values())
        return LawFit(params, cov, np.asarray(res.best_fit, dtype=float), ok, res.message)


# -- the laws ---------------------------------------------------------------------------


def _entropy(x, a, b):
    return -a * np.exp(x) + b


def _entropy_scaled(x, a, b, c):
    return -a * np.exp(c * x) + b


def _entropy_scaled_jac(x, a, b, c):
    """Analytic Jacobian of :func:`_entropy_scaled` (columns a, b, c)."""
    e = np.exp(c * x)
    return np.column_stack([-e, np.ones_like(e), -a * x * e])


def _linear(x, a, b):
    return -a * x + b


def _sigmoid(x, R0, A, C_mid, B):
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = np.where(x > 0, C_mid / np.where(x > 0, x, 1.0), np.inf)
        return R0 + (A - R0) / (1.0 + ratio**B)


def _sigmoid_jac(x, R0, A, C_mid, B):
    """Analytic Jacobian of :func:`_sigmoid` (columns R0, A, C_mid, B)."""
    pos = x > 0
    xs = np.where(pos, x, 1.0)
    log_ratio = np.log(C_mid / xs)
    u = np.exp(np.clip(B * log_ratio, -700, 700))
    s = np.where(pos, 1.0 / (1.0 + u), 0.0)
    g = np.where(pos, -(A - R0) * s * s * u, 0.0)  # dR/du * u (0 at C = 0)
    return np.column_stack([1.0 - s, s, g * B / C_mid, g * log_ratio])


def _line_guess(basis):
    def guess(x, y):
        z = basis(x)
        if np.ptp(z) > 0:
            slope, intercept = np.polyfit(z, y, 1)
        else:
            slope, intercept = 0.0, float(np.mean(y))
        return {"a": float(-slope), "b": float(intercept)}

    return guess


def _scaled_guess(x, y):
    g = _line_guess(np.exp)(x, y)
    return {"a": g["a"], "b": g["b"], "c": 1.0}


def _sigmoid_guess(x, y):
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    k = max(1, xs.size // 10)
    r0 = float(np.mean(ys[:k]))
    top = float(np.mean(ys[-k:]))
    span = top - r0
    a = top + 0.1 * span
    half = r0 + 0.5 * (a - r0)
    above = np.nonzero((ys - half) * np.sign(span or 1.0) >= 0)[0]
    c_mid = float(xs[above[0]]) if above.size else float(np.median(xs))
    return {"R0": r0, "A": a, "C_mid": max(c_mid, float(np.min(xs[xs > 0], initial=1.0))), "B": 1.0}


_TURN = ((0.0, -1.0), (1.0, 0.0))  # (a, b) = (-beta1, beta0)
_INF = np.inf

LAWS: dict[str, Law] = {
    "entropy": Law(
        name="entropy",
        func=_entropy,
        param_names=("a", "b"),
        bounds={"a": (-_INF, _INF), "b": (-_INF, _INF)},
        guess_func=_line_guess(np.exp),
        equation="R = -a*exp(H) + b",
        latex=r"$R = -a\,e^{H} + b$",
        variable="H",
        ceiling_func=lambda p: p["b"] - p["a"],
        ceiling_text="b - a (R at H = 0)",
        linear=True,
        basis=np.exp,
        line_map=_TURN,
        family="exp",
        description="Cui et al. (2025) entropy-performance law",
    ),
    "entropy_scaled": Law(
        name="entropy_scaled",
        func=_entropy_scaled,
        param_names=("a", "b", "c"),
        bounds={"a": (-_INF, _INF), "b": (-_INF, _INF), "c": (1e-6, 50.0)},
        guess_func=_scaled_guess,
        equation="R = -a*exp(c*H) + b",
        latex=r"$R = -a\,e^{cH} + b$",
        variable="H",
        ceiling_func=lambda p: p["b"] - p["a"],
        ceiling_text="b - a (R at H = 0)",
        family="exp",
        description="entropy law with a free rate c",
        jac=_entropy_scaled_jac,
    ),
    "linear": Law(
        name="linear",
        func=_linear,
        param_names=("a", "b"),
        bounds={"a": (-_INF, _INF), "b": (-_INF, _INF)},
        guess_func=_line_guess(lambda x: x),
        equation="R = -a*H + b",
        latex=r"$R = -a\,H + b$",
        variable="H",
        ceiling_func=lambda p: p["b"],
        ceiling_text="b (R at H = 0)",
        linear=True,
        basis=lambda x: x,
        line_map=_TURN,
        family="linear",
        description="linear-in-entropy alternative",
    ),
    "sigmoid": Law(
        name="sigmoid",
        func=_sigmoid,
        param_names=("R0", "A", "C_mid", "B"),
        bounds={"R0": (-_INF, _INF), "A": (-_INF, _INF), "C_mid": (1e-12, _INF), "B": (1e-3, 50.0)},
        guess_func=_sigmoid_guess,
        equation="R = R0 + (A - R0)/(1 + (C_mid/C)^B)",
        latex=r"$R = R_0 + \frac{A - R_0}{1 + (C_{mid}/C)^{B}}$",
        variable="C",
        ceiling_func=lambda p: p["A"],
        ceiling_text="A (asymptote as C -> inf)",
        family="sigmoid",
        description="ScaleRL sigmoid in steps or compute (Khatri et al. 2025)",
        jac=_sigmoid_jac,
    ),
}


def get_law(law: str | Law) -> Law:
    """Return the :class:`Law` for a registry key (or the law itself)."""
    if isinstance(law, Law):
        return law
    if law not in LAWS:
        raise FitError(
            f"law={law!r} is not a known law; choose one of {list(LAWS)} or pass a Law object.",
            status="bad_argument",
        )
    return LAWS[law]
