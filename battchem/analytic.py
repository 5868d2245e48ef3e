"""Closed-form reference solutions used by the verification tests and the docs.

Pure numpy; no dolfinx.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.optimize import brentq


@lru_cache(maxsize=8)
def tan_roots(n: int) -> np.ndarray:
    """First ``n`` positive roots λ_k of tan λ = λ (λ_k ∈ (kπ, kπ + π/2))."""
    f = lambda x: np.sin(x) - x * np.cos(x)  # noqa: E731  (same roots, no poles)
    return np.array([brentq(f, k * np.pi + 1e-9, k * np.pi + np.pi / 2 - 1e-12) for k in range(1, n + 1)])


def _terms_needed(tau: float) -> int:
    """Series terms for a truncation error below 1e-17: e^(−λ_n² τ) with λ_n ≈ nπ."""
    if tau <= 0:
        return 2000
    return int(min(2000, max(10, np.ceil(np.sqrt(40.0 / tau) / np.pi) + 2)))


def sphere_constant_flux(r, t, *, radius, D, flux_in, c0, n_terms=None):
    """Concentration in a sphere under a constant inward molar flux (Carslaw & Jaeger §9.3):

        c − c0 = (j R / D) [3τ + x²/2 − 3/10 − 2 Σ_k sin(λ_k x) / (λ_k² x sin λ_k) e^(−λ_k² τ)],

    x = r/R, τ = D t/R², j = ``flux_in`` [mol/(m² s)] (positive into the particle).
    Returns c and the volume-weighted running mean a(x) = (1/x³) ∫₀^x c x'² dx' (for stresses).
    """
    x = np.atleast_1d(np.asarray(r, dtype=float)) / radius
    tau = D * t / radius**2
    lam = tan_roots(n_terms or _terms_needed(tau))
    decay = np.exp(-(lam**2) * tau)
    scale = flux_in * radius / D
    xs = np.maximum(x, 1e-12)[:, None]
    small = (x < 1e-4)[:, None]
    lx = lam[None, :] * xs
    # sin(λx)/x and (sin λx − λx cos λx)/x³, with their limits at x -> 0
    sinc = np.where(small, lam[None, :] - lam[None, :] ** 3 * xs**2 / 6, np.sin(lx) / xs)
    cube = np.where(small, lam[None, :] ** 3 / 3 - lam[None, :] ** 5 * xs**2 / 30,
                    (np.sin(lx) - lx * np.cos(lx)) / xs**3)
    weights = decay / (lam**2 * np.sin(lam))
    c = c0 + scale * (3 * tau + x**2 / 2 - 0.3 - 2 * (sinc * weights[None, :]).sum(axis=1))
    mean = c0 / 3 + scale * (tau - 0.1 + x**2 / 10 - 2 * (cube * (weights / lam**2)[None, :]).sum(axis=1))
    return c, mean


def cheng_verbrugge_sphere(r, t, *, radius, D, flux_in, c0, E, nu, Omega, n_terms=None):
    """Diffusion-induced stresses in an elastic sphere with a traction-free surface under a
    constant inward flux, one-way coupling (Cheng & Verbrugge 2009, J. Power Sources 190, 453):

        σ_r = 2ΩE/(3(1−ν)) [A − a(r)],   σ_θ = ΩE/(3(1−ν)) [2A + a(r) − c(r)],

    a(r) = (1/r³) ∫₀^r c r'² dr', A = a(R), eigenstrain (Ω/3)(c − c_ref); the stresses do not
    depend on c_ref. Returns a dict with c, sigma_r, sigma_theta, sigma_h.
    """
    c, a = sphere_constant_flux(r, t, radius=radius, D=D, flux_in=flux_in, c0=c0, n_terms=n_terms)
    _, A = sphere_constant_flux(np.array([radius]), t, radius=radius, D=D, flux_in=flux_in, c0=c0,
                                n_terms=n_terms)
    k = Omega * E / (3 * (1 - nu))
    # the formulas hold for the concentration measured from any reference: use c − c0
    a_rel, A_rel, c_rel = a - c0 / 3, A[0] - c0 / 3, c - c0
    sigma_r = 2 * k * (A_rel - a_rel)
    sigma_t = k * (2 * A_rel + a_rel - c_rel)
    return {"c": c, "sigma_r": sigma_r, "sigma_theta": sigma_t, "sigma_h": (sigma_r + 2 * sigma_t) / 3}


def cheng_verbrugge_steady_amplitude(*, radius, D, flux_in, E, nu, Omega):
    """K = ΩE j R / (15(1−ν) D): long-time σ_r = K(1 − x²), σ_θ = K(1 − 2x²)."""
    return Omega * E * flux_in * radius / (15 * (1 - nu) * D)


def stress_enhancement_theta(*, E, nu, Omega, RT):
    """θ = (Ω/RT) · 2ΩE/(9(1−ν)) [m³/mol].

    In a freely expanding sphere σ_h = (2ΩE/(9(1−ν))) (c̄ − c), so the two-way coupled flux
    J = −D∇c + (DΩc/RT)∇σ_h = −D(1 + θc)∇c: stress-enhanced diffusion (Zhang, Shyy & Sastry 2007,
    J. Electrochem. Soc. 154, A910, eq. 9; Yang 2005, Mater. Sci. Eng. A 409, 153).
    """
    return (Omega / RT) * 2 * Omega * E / (9 * (1 - nu))


def disk_centre_stress_quasi_steady(*, radius, D, c_max, c_rate, E, nu, Omega):
    """Equibiaxial centre stress of a plane-strain disk under galvanostatic insertion, once the
    concentration profile is quasi-steady (after t ≈ 0.2 R²/D):

        j = c_max (R/2) C / 3600 s,  c(r) = c(0) + j r²/(2DR),  c̄ − c(0) = jR/(4D),
        σ_r(0) = σ_θ(0) = ΩE (c̄ − c(0)) / (6(1 − ν)) = ΩE c_max C R² / (48 (1 − ν) D · 3600 s)

    (Timoshenko & Goodier §151 for a solid cylinder with the eigenstrain (Ω/3)(c − c_ref)).
    """
    return Omega * E * c_max * c_rate * radius**2 / (48 * (1 - nu) * D * 3600.0)


def disk_griffith_critical_c_rate(*, radius, flaw_half_length, D, c_max, E, nu, Omega, Gc):
    """C-rate at which a central crack of half-length a in the quasi-steady centre stress σ(0)
    (:func:`disk_centre_stress_quasi_steady`) meets Griffith's criterion in plane strain,
    σ(0) √(π a) = √(E G_c / (1 − ν²)), taking the stress as uniform over the crack. With a ∝ R:

        C_crit = 48 (1 − ν) D · 3600 s / (Ω E c_max R²) · √(E G_c / ((1 − ν²) π a)) ∝ R^(−5/2).
    """
    sigma_c = np.sqrt(E * Gc / ((1 - nu**2) * np.pi * flaw_half_length))
    per_c_rate = disk_centre_stress_quasi_steady(radius=radius, D=D, c_max=c_max, c_rate=1.0, E=E, nu=nu,
                                                 Omega=Omega)
    return sigma_c / per_c_rate
