"""Incompressible power-law (Norton) creep, written as a viscous flow of velocity v and pressure p.

Norton's law relates the effective (von Mises) strain rate and stress,

    ε̇_e = ε̇_c (σ_e / σ0)^n,   ε̇_c = ε̇_ref exp(−(Q/R)(1/T − 1/T_ref)),

with ε̇_e = sqrt(2/3 ε̇:ε̇), σ_e = sqrt(3/2 s:s) and the flow rule ε̇ = (3/2)(ε̇_e/σ_e) s (s the
stress deviator); ε̇_c is the rate at σ_e = σ0 and temperature T (ε̇_c = ε̇0 e^(−Q/RT) with
ε̇0 = ε̇_ref e^(Q/RT_ref)). As a fluid, s = 2μ dev ε̇(v) with the secant viscosity

    μ = σ_e / (3 ε̇_e) = (σ0 / (3 ε̇_c)) (ε̇_e / ε̇_c)^(1/n − 1),

regularised at vanishing strain rate by ε̇_e² → ε̇_e² + δ² (μ stays finite where the body moves
rigidly). Incompressibility: tr ε̇(v) = ∇·v = 0, Cauchy stress σ = −p I + s. Weak form, per
coordinate system (plane strain, axisymmetric, ... with the volume weight w_cs):

    F_v = ∫ (s : ε̇(w) − p tr ε̇(w)) w_cs dx − ∫ t̄ · w w_cs ds,      F_p = −∫ q tr ε̇(v) w_cs dx,

a symmetric saddle point (Taylor–Hood v ∈ P2, p ∈ P1). Strain rates are 3x3 tensors
(``CoordinateSystem.strain`` of the velocity), so the hoop rate v_r/r of an axisymmetric body is
included. Pure UFL: no I/O, no solvers.
"""

from __future__ import annotations

import math

import ufl

from battchem.materials import GAS_CONSTANT

I3 = ufl.Identity(3)

# Quadrature degree of the flow forms: the viscosity is not a polynomial, and UFL's estimate for a
# power with a Constant exponent differs between the residual and its derivative (Newton then
# converges linearly); a fixed rule makes the Jacobian the exact derivative of the discrete residual.
# 4 integrates the P1 strain rates times a smooth viscosity of a P2-P1 element well.
QUADRATURE_DEGREE = 4


def measure(mesh, degree: int = QUADRATURE_DEGREE, subdomain_data=None) -> ufl.Measure:
    """The cell measure of the flow forms (a fixed quadrature rule, see QUADRATURE_DEGREE)."""
    return ufl.Measure("dx", domain=mesh, subdomain_data=subdomain_data,
                       metadata={"quadrature_degree": degree})


def arrhenius_factor(Q: float, T: float, T_ref: float) -> float:
    """exp(−(Q/R)(1/T − 1/T_ref)): the creep rate at T relative to the one at T_ref (Q in J/mol)."""
    return math.exp(-Q / GAS_CONSTANT * (1.0 / T - 1.0 / T_ref))


def norton_rate(sigma_e, rate, sigma0, n):
    """ε̇_e = ε̇_c (σ_e/σ0)^n for an effective stress σ_e (numbers or UFL)."""
    return rate * (sigma_e / sigma0) ** n


def effective_strain_rate(D, delta=0.0):
    """sqrt(2/3 ε̇:ε̇ + δ²) of a 3x3 strain-rate tensor D (δ = 0: the von Mises rate of a traceless D)."""
    return ufl.sqrt(2.0 / 3.0 * ufl.inner(ufl.dev(D), ufl.dev(D)) + delta**2)


def norton_viscosity(D, rate, sigma0, n, delta):
    """Secant viscosity μ = (σ0/(3 ε̇_c)) (ε̇_e/ε̇_c)^(1/n − 1), ε̇_e regularised by δ (see module)."""
    return sigma0 / (3 * rate) * (effective_strain_rate(D, delta) / rate) ** (1.0 / n - 1.0)


def deviatoric_stress(D, mu):
    """s = 2μ dev ε̇."""
    return 2 * mu * ufl.dev(D)


def cauchy_stress(D, p, mu):
    """σ = −p I + 2μ dev ε̇."""
    return -p * I3 + deviatoric_stress(D, mu)


def von_mises(s):
    """σ_e = sqrt(3/2 s:s) of a deviatoric stress s."""
    return ufl.sqrt(1.5 * ufl.inner(s, s))


def creep_flow_residual(v, p, w, q, cs, dx, mu):
    """(F_v, F_p) of incompressible viscous flow with viscosity μ (see module), without tractions:

        F_v = ∫ (2μ dev ε̇(v) : ε̇(w) − p tr ε̇(w)) w_cs dx,   F_p = −∫ q tr ε̇(v) w_cs dx.

    ``v``, ``p`` may be scaled unknowns times their scales (UFL expressions); ``cs`` is the
    :class:`~battchem.physics.coordinates.CoordinateSystem` giving ε̇ and the weight w_cs."""
    D, Dw = cs.strain(v), cs.strain(w)
    F_v = (ufl.inner(deviatoric_stress(D, mu), Dw) - p * ufl.tr(Dw)) * cs.weight * dx
    F_p = -q * ufl.tr(D) * cs.weight * dx
    return F_v, F_p


def traction_work(t, w, cs, ds):
    """∫ t · w w_cs ds: the virtual work of a boundary traction t (a 2-vector in the mesh frame)."""
    return ufl.inner(t, w) * cs.weight * ds
