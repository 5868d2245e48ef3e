"""Electrode kinetics: the current density through an electrode | electrolyte interface as a function
of the overpotential η = φ_electrode − φ_electrolyte − U (positive: anodic, oxidation at the electrode).

    Butler–Volmer:  j = i0 [exp(α_a f η) − exp(−α_c f η)],   f = F/(RT),
    linearised:     j = η / Z,   Z = 1/(i0 (α_a + α_c) f)   (the slope of Butler–Volmer at η = 0).

Pure UFL (numbers work too): no I/O, no solvers.
"""

from __future__ import annotations

import ufl

from battchem.materials import FARADAY, GAS_CONSTANT


def thermal_factor(T: float) -> float:
    """f = F/(RT) [1/V]."""
    return FARADAY / (GAS_CONSTANT * T)


def exchange_current_from_resistance(Z: float, alpha_a: float, alpha_c: float, T: float) -> float:
    """i0 = 1/(Z (α_a + α_c) f): the exchange current density whose Butler–Volmer slope at η = 0 is 1/Z."""
    return 1.0 / (Z * (alpha_a + alpha_c) * thermal_factor(T))


def butler_volmer(eta, i0, alpha_a, alpha_c, f, cap: float | None = None):
    """j = i0 [exp(α_a f η) − exp(−α_c f η)]; with ``cap`` each exponent is limited to ±cap (a guard
    for Newton's first iterates: exp(60) already exceeds any physical current by many orders)."""
    a, b = alpha_a * f * eta, -alpha_c * f * eta
    if cap is not None:
        a = ufl.min_value(ufl.max_value(a, -cap), cap)
        b = ufl.min_value(ufl.max_value(b, -cap), cap)
    return i0 * (ufl.exp(a) - ufl.exp(b))


def linear_kinetics(eta, Z):
    """j = η / Z (linearised Butler–Volmer, Z the interfacial area-specific resistance [Ω m²])."""
    return eta / Z
