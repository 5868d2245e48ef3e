"""battchem.search (threshold bisection, power-law fits) and the Griffith estimate of the fracture map."""

import numpy as np
import pytest

from battchem import analytic
from battchem.search import bisect_threshold, power_law_fit


@pytest.mark.parametrize("start", [1e-3, 0.37, 50.0])
def test_bisect_threshold_brackets_the_threshold(start):
    threshold = 0.37
    calls = []

    def fails(x):
        calls.append(x)
        return x >= threshold

    result = bisect_threshold(fails, start, factor=2.0, ratio=1.05)
    assert result.lo < threshold <= result.hi
    assert result.hi / result.lo <= 1.05
    assert [x for x, _ in result.evaluations] == calls
    assert all((x >= threshold) == f for x, f in result.evaluations)


def test_bisect_threshold_gives_up():
    with pytest.raises(RuntimeError, match="no bracket"):
        bisect_threshold(lambda x: False, 1.0, max_evaluations=5)


def test_power_law_fit_recovers_exponent():
    x = np.array([6.0, 9.0, 13.5, 20.0])
    p, A, err = power_law_fit(x, 3.0 * x**-2.5)
    assert p == pytest.approx(-2.5, abs=1e-12) and A == pytest.approx(3.0, rel=1e-12) and err < 1e-10
    noisy = 3.0 * x**-2.5 * np.array([1.02, 0.98, 1.01, 0.99])
    p, _, err = power_law_fit(x, noisy)
    assert abs(p + 2.5) < 3 * err + 0.05 and 0 < err < 0.1
    assert np.isnan(power_law_fit(x[:2], x[:2] ** 2)[2])


def test_disk_centre_stress_from_the_quasi_steady_profile():
    """σ(0) = ΩE(c̄ − c(0))/(6(1 − ν)) with c̄ integrated numerically from c = j r²/(2DR)."""
    R, D, c_max, C, E, nu, Omega = 7e-6, 7e-15, 2.29e4, 0.8, 1e10, 0.3, 3.5e-6
    j = c_max * (R / 2) * C / 3600
    r = np.linspace(0, R, 20001)
    c = j * r**2 / (2 * D * R)
    c_bar = 2 / R**2 * np.trapezoid(c * r, r)
    expected = Omega * E * c_bar / (6 * (1 - nu))
    got = analytic.disk_centre_stress_quasi_steady(radius=R, D=D, c_max=c_max, c_rate=C, E=E, nu=nu, Omega=Omega)
    assert got == pytest.approx(expected, rel=1e-7)


def test_griffith_critical_c_rate_scales_as_r_to_minus_five_halves():
    kw = dict(D=7.08e-15, c_max=2.29e4, E=1e10, nu=0.3, Omega=3.497e-6, Gc=1.0)
    c1 = analytic.disk_griffith_critical_c_rate(radius=5e-6, flaw_half_length=1e-6, **kw)
    c2 = analytic.disk_griffith_critical_c_rate(radius=10e-6, flaw_half_length=2e-6, **kw)
    assert c2 / c1 == pytest.approx(2**-2.5, rel=1e-12)
    # at the critical rate the centre stress meets √(E' G_c / (π a))
    sigma = analytic.disk_centre_stress_quasi_steady(radius=5e-6, c_rate=c1, **{k: v for k, v in kw.items() if k != "Gc"})
    assert sigma == pytest.approx(np.sqrt(1e10 / (1 - 0.09) / (np.pi * 1e-6)), rel=1e-12)
