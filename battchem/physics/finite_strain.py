"""Finite strain with a multiplicative eigenstretch (growth, swelling), written on 3x3 tensors.

Kinematics in the reference configuration, in any coordinate system (``CoordinateSystem``):

    F = I + H(u),   F = F_e F_c,   J = det F = J_e J_c,

with H the 3x3 displacement gradient of the coordinate system (hoop stretch 1 + u_r/r on the
diagonal in axisymmetric and spherical coordinates) and F_c the stress-free eigenstretch, either
isotropic, F_c = J_c^(1/3) I, or normal to an interface with unit normal n, F_c = I + (λ − 1) n⊗n.

Material: compressible neo-Hookean, energy per unit volume of the intermediate (grown,
stress-free) configuration

    ψ(F_e) = μ/2 (tr(F_eᵀ F_e) − 3 − 2 ln J_e) + λ/2 (ln J_e)²,

which reduces to Hooke's law with the same Lamé constants for small strains. Per unit reference
volume the energy is J_c ψ(F F_c⁻¹), so the first Piola–Kirchhoff stress (force per reference
area) and the Cauchy stress are

    P = J_c ∂ψ/∂F_e F_c⁻ᵀ,   ∂ψ/∂F_e = μ (F_e − F_e⁻ᵀ) + λ ln J_e F_e⁻ᵀ,
    σ = P Fᵀ / J = (μ (F_e F_eᵀ − I) + λ ln J_e I) / J_e,

and equilibrium is ∫ P : H(v) w dX = ∫ t₀ · v w dA (nominal traction t₀) for all admissible v.
"""

from __future__ import annotations

from dataclasses import dataclass

import ufl

from battchem.physics.mechanics import hydrostatic_stress, lame_parameters

I3 = ufl.Identity(3)


@dataclass(frozen=True)
class Eigenstretch:
    """A stress-free deformation F_c with its inverse and determinant J_c (UFL expressions)."""

    F: object
    F_inv: object
    J: object


def no_eigenstretch() -> Eigenstretch:
    """F_c = I."""
    return Eigenstretch(I3, I3, 1)


def isotropic_eigenstretch(J_c) -> Eigenstretch:
    """Isotropic growth by the volume ratio J_c: F_c = J_c^(1/3) I, F_c⁻¹ = J_c^(−1/3) I."""
    g = J_c ** (1.0 / 3.0)
    return Eigenstretch(g * I3, I3 / g, J_c)


def normal_eigenstretch(stretch, n) -> Eigenstretch:
    """Growth along the unit 3-vector n only: F_c = I + (λ − 1) n⊗n, F_c⁻¹ = I + (1/λ − 1) n⊗n,
    J_c = λ (e.g. an interphase that thickens without spreading)."""
    nn = ufl.outer(n, n)
    return Eigenstretch(I3 + (stretch - 1) * nn, I3 + (1 / stretch - 1) * nn, stretch)


def deformation_gradient(u, cs):
    """F = I + H(u), 3x3, in the frame of the coordinate system ``cs``."""
    return I3 + cs.displacement_gradient(u)


def elastic_deformation_gradient(F, eig: Eigenstretch):
    """F_e = F F_c⁻¹."""
    return ufl.dot(F, eig.F_inv)


def neo_hookean_energy(F_e, E, nu):
    """ψ(F_e) = μ/2 (tr(F_eᵀ F_e) − 3 − 2 ln J_e) + λ/2 (ln J_e)² per unit intermediate volume."""
    lmbda, mu = lame_parameters(E, nu)
    ln_J = ufl.ln(ufl.det(F_e))
    return 0.5 * mu * (ufl.tr(ufl.dot(F_e.T, F_e)) - 3 - 2 * ln_J) + 0.5 * lmbda * ln_J**2


def neo_hookean_stress(F_e, E, nu):
    """∂ψ/∂F_e = μ (F_e − F_e⁻ᵀ) + λ ln J_e F_e⁻ᵀ (first Piola stress of the intermediate state)."""
    lmbda, mu = lame_parameters(E, nu)
    F_e_invT = ufl.inv(F_e).T
    return mu * (F_e - F_e_invT) + lmbda * ufl.ln(ufl.det(F_e)) * F_e_invT


def strain_energy_density(F, eig: Eigenstretch, E, nu):
    """Energy per unit reference volume J_c ψ(F F_c⁻¹)."""
    return eig.J * neo_hookean_energy(elastic_deformation_gradient(F, eig), E, nu)


def first_piola_kirchhoff(F, eig: Eigenstretch, E, nu):
    """P = J_c ∂ψ/∂F_e F_c⁻ᵀ with F_e = F F_c⁻¹ (force per unit reference area)."""
    F_e = elastic_deformation_gradient(F, eig)
    return eig.J * ufl.dot(neo_hookean_stress(F_e, E, nu), eig.F_inv.T)


def cauchy_stress(F, eig: Eigenstretch, E, nu):
    """σ = (μ (b_e − I) + λ ln J_e I) / J_e with b_e = F_e F_eᵀ (= P Fᵀ / J, symmetric)."""
    lmbda, mu = lame_parameters(E, nu)
    F_e = elastic_deformation_gradient(F, eig)
    J_e = ufl.det(F_e)
    return (mu * (ufl.dot(F_e, F_e.T) - I3) + lmbda * ufl.ln(J_e) * I3) / J_e


def hydrostatic_cauchy_stress(F, eig: Eigenstretch, E, nu):
    """σ_h = tr σ / 3 of the Cauchy stress (tension positive)."""
    return hydrostatic_stress(cauchy_stress(F, eig, E, nu))


def equilibrium_residual(P, v, cs, dx):
    """Internal virtual work in the reference configuration ∫ P : H(v) w dX (tractions added by
    the caller as −∫ t₀ · v w dA)."""
    return ufl.inner(P, cs.displacement_gradient(v)) * cs.weight * dx
