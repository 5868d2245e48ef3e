"""Small-strain linear elasticity with eigenstrains, written on 3x3 tensors.

σ = λ tr(ε_e) I + 2μ ε_e,  ε_e = ε(u) − ε*,  with the chemical (eigen)strain ε* = (Ω/3)(c − c_ref) I.
Equilibrium: ∫ σ : ε(v) dV = ∫ t · v dA for all admissible v.
"""

from __future__ import annotations

import ufl

I3 = ufl.Identity(3)


def lame_parameters(E, nu):
    """(λ, μ) from Young's modulus and Poisson's ratio: λ = Eν/((1+ν)(1−2ν)), μ = E/(2(1+ν))."""
    return E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))


def bulk_modulus(E, nu):
    """K = E / (3(1 − 2ν))."""
    return E / (3 * (1 - 2 * nu))


def chemical_strain(c, c_ref, Omega):
    """Isotropic chemical strain ε* = (Ω/3)(c − c_ref) I."""
    return (Omega / 3) * (c - c_ref) * I3


def axial_strain(eps_zz):
    """Uniform out-of-plane strain ε_zz e_z ⊗ e_z of generalised plane strain (2-D sections)."""
    return ufl.as_tensor([[0, 0, 0], [0, 0, 0], [0, 0, eps_zz]])


def generalized_plane_strain_axial_strain(mean_concentration, c_ref, Omega):
    """ε_zz of a traction-free section in generalised plane strain (no net axial force):

        ∫ σ_zz dA = ν ∫ (σ_xx + σ_yy) dA + E ∫ (ε_zz − (Ω/3)(c − c_ref)) dA = 0,

    and ∫ σ_xx dA = ∫ σ_yy dA = 0 in a section in equilibrium with a traction-free edge
    (∫ σ_ij dA = ∮ x_j t_i ds), so ε_zz = (Ω/3)(c̄ − c_ref), the mean chemical strain (exact for
    a homogeneous isotropic section; with damage the axial stiffness is no longer uniform and this
    is an approximation).
    """
    return (Omega / 3) * (mean_concentration - c_ref)


def elastic_stress(eps_e, E, nu):
    """Hooke's law σ = λ tr(ε_e) I + 2μ ε_e."""
    lmbda, mu = lame_parameters(E, nu)
    return lmbda * ufl.tr(eps_e) * I3 + 2 * mu * eps_e


def compliance(sigma, E, nu):
    """Elastic strain of a stress, C⁻¹:σ = ((1 + ν) σ − ν tr(σ) I)/E."""
    return ((1 + nu) * sigma - nu * ufl.tr(sigma) * I3) / E


def strain_energy_density(eps_e, E, nu):
    """ψ(ε_e) = ½ λ tr(ε_e)² + μ ε_e : ε_e."""
    lmbda, mu = lame_parameters(E, nu)
    return 0.5 * lmbda * ufl.tr(eps_e) ** 2 + mu * ufl.inner(eps_e, eps_e)


def hydrostatic_stress(sigma):
    """σ_h = tr(σ)/3 (tension positive)."""
    return ufl.tr(sigma) / 3


def von_mises_stress(sigma):
    """σ_vM = sqrt(3/2 s:s), s the deviator of σ."""
    s = ufl.dev(sigma)
    return ufl.sqrt(1.5 * ufl.inner(s, s))


def normal_stress(sigma, n):
    """n · σ · n for a unit 3-vector n."""
    return ufl.dot(n, ufl.dot(sigma, n))


def hoop_stress(sigma, cs, centre=(0.0, 0.0, 0.0)):
    """Circumferential stress about ``centre``.

    Plane strain: t · σ · t with t the in-plane tangent. Otherwise the mean of the two tangential
    normal stresses, (tr σ − e_r · σ · e_r)/2, which equals σ_θθ = σ_φφ under spherical symmetry.
    """
    if cs.kind == "plane_strain":
        return normal_stress(sigma, cs.in_plane_tangent(centre))
    return (ufl.tr(sigma) - normal_stress(sigma, cs.radial_unit(centre))) / 2


def radial_stress(sigma, cs, centre=(0.0, 0.0, 0.0)):
    """σ_rr = e_r · σ · e_r about ``centre``."""
    return normal_stress(sigma, cs.radial_unit(centre))


def equilibrium_residual(sigma, v, cs, dx):
    """Internal virtual work ∫ σ : ε(v) w dx (no body force; tractions added by the caller)."""
    return ufl.inner(sigma, cs.strain(v)) * cs.weight * dx


def max_principal_stress(sigma):
    """Largest eigenvalue of a symmetric 3x3 tensor, in closed form (trigonometric solution):

        σ1 = p + 2 sqrt(J2/3) cos(θ),  cos(3θ) = (3√3/2) J3 / J2^(3/2),  p = tr σ / 3,

    with J2, J3 the invariants of the deviator; guarded for a spherical tensor (J2 = 0).
    """
    p = ufl.tr(sigma) / 3
    s = sigma - p * I3
    J2 = 0.5 * ufl.inner(s, s)
    J3 = ufl.det(s)
    tiny = 1e-30
    arg = 1.5 * ufl.sqrt(3.0) * J3 / (J2 + tiny) ** 1.5
    arg = ufl.max_value(-1.0 + 1e-12, ufl.min_value(1.0 - 1e-12, arg))
    theta = ufl.acos(arg) / 3
    return p + 2 * ufl.sqrt(J2 / 3) * ufl.cos(theta)
