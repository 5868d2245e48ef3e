"""Growth of a reaction layer (an interphase) by transport through it and a reaction at its front.

Unknowns: the transformed fraction ξ ∈ [0, 1] (1: interphase, 0: pristine material) and the
concentration c [mol/m³] of the mobile reactant (neutral Li) in the layer. The reactant diffuses
through the layer and is consumed where the front advances, n mol per m³ transformed:

    ∂c/∂t + n ∂ξ/∂t = ∇·(D(ξ) ∇c),   D(ξ) = D_0 + (D_1 − D_0) h(ξ),   h(ξ) = min(max(ξ, 0), 1).

The front is a diffuse interface of width ℓ moving with a kinetic law (an Allen–Cahn equation
with a double-well and a tilt χ linear in c):

    ∂ξ/∂t = R [ℓ² ∇²ξ + 2 ξ(1 − ξ)(ξ − 1/2 + χ)],   χ = c/(4 c_s)  (capped at 0.45),

whose travelling wave ξ = 1/(1 + exp((x − x_f)/ℓ)) moves, for χ < 1/2, at exactly v = 2 R ℓ χ
(Nagumo's wave). With R = 2 v0 (c_s/c_b) S/ℓ the front speed is the reaction law

    v = v0 (c/c_b) S,   S = exp(V_r σ_h / RT)  (compression slows the reaction),

with v0 the reaction-limited growth rate at the reference concentration c_b. Multiplying the
travelling-wave equation by ξ' shows that v weighs χ by ξ(1 − ξ), symmetric about the
front's centre, so a c that is linear across the front counts at the centre; with D(ξ) = D_1 ξ
(D_0 = 0) the quasi-steady c is linear through the whole layer and the front, and the layer
thickness δ = ∫ ξ dx obeys exactly the Deal–Grove law (:func:`deal_grove_coefficients`)

    δ² + A δ = B t + const,   A = 2 D_1 c_b/(n v0),   B = 2 D_1 c_b/n,

in the limits ℓ ≪ δ and c ≪ n (the stored reactant is negligible beside the consumed one).

The front equation is written divided by R, so that R multiplies the rate only and may vary in
space (seeds, stress): ∫ [ξ̇ q/R + ℓ² ∇ξ·∇q − 2ξ(1 − ξ)(ξ − 1/2 + χ) q] w dx = 0.
"""

from __future__ import annotations

import math

import ufl

DRIVING_CAP = 0.45  # χ < 1/2 keeps the double well's barrier (the front's speed law 2Rℓχ needs it)
EXPONENT_CAP = 30.0  # largest |V_r σ_h/RT| in the stress factor: e^30 ~ 1e13 is far beyond any physical rate


def transformed_fraction(xi):
    """h(ξ) = min(max(ξ, 0), 1): the interpolation weight of the transformed material."""
    return ufl.min_value(ufl.max_value(xi, 0.0), 1.0)


def interpolate(h, pristine, transformed):
    """a(ξ) = a_0 + (a_1 − a_0) h: a property from the pristine (h = 0) to the transformed (h = 1) value."""
    return pristine + (transformed - pristine) * h


def front_driving(c, c_scale):
    """χ = min(c/(4 c_s), 0.45): the tilt of the double well (χ ≤ 1/4 while c ≤ c_s)."""
    return ufl.min_value(c / (4 * c_scale), DRIVING_CAP)


def front_mobility(front_speed, c_scale, c_ref, ell, factor=1.0):
    """R = 2 v0 (c_s/c_ref) F/ℓ [1/s], so that the front moves at v = v0 (c/c_ref) F (F: rate factors
    such as seeds and the stress factor)."""
    return 2 * front_speed * (c_scale / c_ref) * factor / ell


def front_speed(front_rate, c, c_ref, factor=1.0):
    """Sharp-interface speed of the front, v = v0 (c/c_ref) F (plain arithmetic)."""
    return front_rate * (c / c_ref) * factor


def stress_factor(sigma_h, activation_volume, RT):
    """S = exp(V_r σ_h/RT), the exponent bounded by ±EXPONENT_CAP (tension speeds the reaction for
    V_r > 0, compression slows it)."""
    x = activation_volume * sigma_h / RT
    return ufl.exp(ufl.max_value(ufl.min_value(x, EXPONENT_CAP), -EXPONENT_CAP))


def front_residual(xi, xi_rate, q, mobility, ell, driving, weight, dx):
    """∫ [ξ̇ q/R + ℓ² ∇ξ·∇q − 2ξ(1 − ξ)(ξ − 1/2 + χ) q] w dx (the front equation divided by R)."""
    reaction = 2 * xi * (1 - xi) * (xi - 0.5 + driving)
    gradient = ell**2 * ufl.inner(ufl.grad(xi), ufl.grad(q))
    return (xi_rate * q / mobility + gradient - reaction * q) * weight * dx


def reactant_residual(c, c_rate, xi_rate, q, D, consumption, weight, dx):
    """∫ [(ċ + n ξ̇) q + D ∇c·∇q] w dx: transport of the reactant and its consumption by the front
    (a boundary supply is added by the caller)."""
    return ((c_rate + consumption * xi_rate) * q + D * ufl.inner(ufl.grad(c), ufl.grad(q))) * weight * dx


def tunnelling_factor(depth, length):
    """exp(−depth/λ_t): the decay of electron transport with the distance from the metal through an
    electronically insulating layer (λ_t ≤ 0: none, factor 1)."""
    if length <= 0:
        return 1.0
    return ufl.exp(-depth / length)


# --------------------------------------------------------------------------------------------
# Eigenstrain of the transformation and the ionic conductivity


def transformation_strain(h, expansion, kind: str, normal):
    """Stress-free strain of material transformed by h: isotropic, ((1 + ε_v)^(1/3) − 1) h I (the
    linear stretch of the volume ratio 1 + ε_v), or normal to the interface, ε_v h n⊗n (a layer
    that thickens without spreading). 3x3 UFL tensor."""
    if kind == "isotropic":
        return ((1 + expansion) ** (1.0 / 3.0) - 1) * h * ufl.Identity(3)
    if kind == "normal":
        return expansion * h * ufl.outer(normal, normal)
    raise ValueError(f"unknown expansion kind {kind!r} (allowed: isotropic, normal)")


def series_conductivity(h, pristine, transformed):
    """κ(ξ) = 1/((1 − h)/κ_0 + h/κ_1): the transformed fraction in series with the rest, as in a front
    normal to the current. In 1-D ∫ dx/κ(ξ) is then exactly (L − δ)/κ_0 + δ/κ_1 with δ = ∫ h dx."""
    return 1 / ((1 - h) / pristine + h / transformed)


def crack_resistivity(d, residual, cracked):
    """1/g(d), the factor damage puts on the resistivity 1/κ: g = κ_r where d ≥ d_c (the crack) and
    g = (1 − d)² + κ_r below.

    A crack in a solid electrolyte is a gap that ions cross only through what bridges it (the residual
    κ_r of the cracked band). The smooth law g = (1 − d)² + κ_r reaches κ_r only where d = 1: across
    the crack profile d = exp(−|x|/ℓ) it adds ∫ dx/g ≈ π ℓ/√κ_r (∝ κ_r^(−1/2), from the cusp alone),
    and a computed crack whose d stays at 0.9–0.99 along parts of its path conducts (1 − d)² there
    whatever κ_r is. With the threshold the whole cracked band d ≥ d_c (2ℓ ln(1/d_c) wide across that
    profile) conducts κ_r κ, and a crack crossing the current path adds that width/(κ_r κ), as a gap
    of the band's width bridged by a conductor κ_r κ would; it blocks completely as κ_r → 0."""
    return 1 / ufl.conditional(ufl.ge(d, cracked), residual, (1 - d) ** 2 + residual)


def conduction_residual(phi, psi, kappa, weight, dx):
    """∫ κ ∇φ·∇ψ w dx: charge conservation ∇·(κ ∇φ) = 0 for the ionic potential φ."""
    return kappa * ufl.inner(ufl.grad(phi), ufl.grad(psi)) * weight * dx


# --------------------------------------------------------------------------------------------
# Closed forms (plain arithmetic)


def deal_grove_coefficients(D, c_b, n, front_rate):
    """(A, B) of δ² + A δ = B t for diffusion through the layer (D, reactant held at c_b at the
    metal, n consumed per volume) and a front speed v0 c/c_b: A = 2 D c_b/(n v0), B = 2 D c_b/n."""
    B = 2 * D * c_b / n
    return (B / front_rate if front_rate > 0 else math.inf), B


def deal_grove_thickness(t, A, B, delta0=0.0):
    """δ(t) solving δ² + A δ = B t + δ0² + A δ0."""
    rhs = B * t + delta0**2 + A * delta0
    return 0.5 * (-A + math.sqrt(A * A + 4 * rhs))


def series_resistance(layers):
    """Area-specific resistance of layers in series, Σ thickness/κ [Ω m²] (layers: (thickness, κ))."""
    return sum(t / k for t, k in layers)
