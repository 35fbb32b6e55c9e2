"""Each law as data, and agreement of the closed form with scipy and lmfit."""

from __future__ import annotations

import lmfit
import numpy as np
import pytest
from scipy.optimize import curve_fit

from entropy_law.errors import FitError
from entropy_law.fitting.laws import LAWS, get_law


def test_registry_and_law_fields():
    assert set(LAWS) == {"entropy", "entropy_scaled", "linear", "sigmoid"}
    for law in LAWS.values():
        assert law.equation and law.latex.startswith("$")
        assert set(law.bounds) == set(law.param_names)
    assert LAWS["entropy"].linear and not LAWS["sigmoid"].linear
    with pytest.raises(FitError, match="not a known law"):
        get_law("cubic")


def test_ceilings():
    assert LAWS["entropy"].ceiling({"a": 0.3, "b": 1.0}) == pytest.approx(0.7)
    assert LAWS["linear"].ceiling({"a": 0.3, "b": 1.0}) == pytest.approx(1.0)
    assert LAWS["sigmoid"].ceiling({"R0": 0.1, "A": 0.8, "C_mid": 5, "B": 1}) == 0.8
    # the ceiling of the entropy laws is R at H = 0
    assert LAWS["entropy"](0.0, a=0.3, b=1.0) == pytest.approx(0.7)


def test_entropy_law_agrees_with_curve_fit_and_lmfit():
    rng = np.random.default_rng(0)
    H = np.linspace(0.6, 0.05, 120)
    R = -0.4 * np.exp(H) + 1.2 + rng.normal(0, 0.01, H.size)
    fit = LAWS["entropy"].solve(H, R)
    popt, pcov = curve_fit(
        lambda h, a, b: -a * np.exp(h) + b, H, R, p0=[1, 1], xtol=1e-15, ftol=1e-15, gtol=1e-15
    )
    model = lmfit.Model(lambda x, a, b: -a * np.exp(x) + b)
    res = model.fit(R, model.make_params(a=1, b=1), x=H, fit_kws={"xtol": 1e-15, "ftol": 1e-15})
    # the same least-squares problem: only optimiser tolerance separates the answers
    assert fit.params["a"] == pytest.approx(popt[0], rel=1e-8)
    assert fit.params["b"] == pytest.approx(popt[1], rel=1e-8)
    assert fit.params["a"] == pytest.approx(res.params["a"].value, rel=1e-8)
    assert fit.params["b"] == pytest.approx(res.params["b"].value, rel=1e-8)
    # and so do the covariance matrices (curve_fit scales by the residual variance)
    np.testing.assert_allclose(fit.cov, pcov, rtol=1e-5)


def test_weighted_closed_form_matches_curve_fit_sigma():
    rng = np.random.default_rng(1)
    H = np.linspace(0.5, 0.1, 60)
    sd = np.linspace(0.005, 0.03, 60)
    R = -0.5 * np.exp(H) + 1.3 + rng.normal(0, sd)
    fit = LAWS["entropy"].solve(H, R, weights=1 / sd**2)
    popt, _ = curve_fit(
        lambda h, a, b: -a * np.exp(h) + b, H, R, p0=[1, 1], sigma=sd, xtol=1e-15, ftol=1e-15, gtol=1e-15
    )
    np.testing.assert_allclose([fit.params["a"], fit.params["b"]], popt, rtol=1e-8)


@pytest.mark.parametrize(
    "name, truth, x",
    [
        ("entropy_scaled", {"a": 0.3, "b": 1.1, "c": 1.7}, np.linspace(0.8, 0.05, 150)),
        ("linear", {"a": 0.6, "b": 0.9}, np.linspace(0.8, 0.05, 150)),
        ("sigmoid", {"R0": 0.2, "A": 0.85, "C_mid": 40.0, "B": 1.5}, np.arange(1, 301.0)),
    ],
)
def test_other_laws_recover_planted_parameters(name, truth, x):
    law = LAWS[name]
    rng = np.random.default_rng(7)
    sd = 0.002
    y = law(x, **truth) + rng.normal(0, sd, x.size)
    fit = law.solve(x, y)
    assert fit.success
    se = np.sqrt(np.diag(fit.cov))
    for i, p in enumerate(law.param_names):
        # within 4 standard errors of the truth (noise sd 0.002; SE from the covariance)
        assert abs(fit.params[p] - truth[p]) < 4 * se[i], p


def test_guess_is_data_driven():
    x = np.arange(1, 201.0)
    y = LAWS["sigmoid"](x, R0=0.1, A=0.7, C_mid=30.0, B=2.0)
    g = LAWS["sigmoid"].guess(x, y)
    assert 0.05 < g["R0"] < 0.3 and 0.6 < g["A"] < 0.9 and 10 < g["C_mid"] < 80
    g2 = LAWS["entropy"].guess(np.linspace(0.5, 0.1, 20), -0.4 * np.exp(np.linspace(0.5, 0.1, 20)) + 1)
    assert g2["a"] == pytest.approx(0.4) and g2["b"] == pytest.approx(1.0)
