"""Phase-field fracture: degradation, crack density, energy splits, damage functional.

Damage d ∈ [0, 1] (0 intact, 1 broken). The total energy minimised at each load step is

    Π(u, d) = ∫ [g(d) ψ⁺(ε) + ψ⁻(ε)] dV + G_c Γ_ℓ(d),
    Γ_ℓ(d)  = (1/c_w) ∫ (w(d)/ℓ + ℓ |∇d|²) dV,          g(d) = (1 − d)² + k_res,

with AT2 (w = d², c_w = 2) or AT1 (w = d, c_w = 8/3). ψ = ψ⁺ + ψ⁻ is the elastic energy density of
the small strain ε, written on 3x3 tensors so that plane strain, axisymmetry and 3-D share the
code (``CoordinateSystem.strain``). Pure UFL: no I/O, no loops, no solvers.
"""

from __future__ import annotations

import math

import ufl

from battchem.physics.mechanics import bulk_modulus, lame_parameters

I3 = ufl.Identity(3)

MODELS = ("AT1", "AT2")
SPLITS = ("none", "volumetric_deviatoric", "spectral")
IRREVERSIBILITY = ("history", "variational_inequality")

# Guards of the closed-form eigenvalues (see _sum_positive_squares_3d): a floor added to J2 (strain
# squared; strains below 1e-20 do not occur in practice) and the margin keeping acos away from ±1.
_J2_FLOOR = 1e-40
_ACOS_MARGIN = 1e-12
_Q_FLOOR = 1e-300


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r} (allowed: {', '.join(allowed)})")


# --------------------------------------------------------------------------------------------
# Degradation and crack density


def degradation(d, k_res=0.0):
    """Stiffness degradation g(d) = (1 − d)² + k_res (k_res: residual stiffness)."""
    return (1 - d) ** 2 + k_res


def crack_density_function(d, model: str = "AT2"):
    """Local dissipation w(d): d² (AT2) or d (AT1)."""
    _check("phase-field model", model, MODELS)
    return d**2 if model == "AT2" else d


def normalisation(model: str = "AT2") -> float:
    """c_w = 4 ∫₀¹ √w(s) ds: 2 (AT2) or 8/3 (AT1), so that G_c Γ_ℓ → G_c × crack area."""
    _check("phase-field model", model, MODELS)
    return 2.0 if model == "AT2" else 8.0 / 3.0


def crack_surface_density(d, ell, model: str = "AT2"):
    """γ_ℓ(d) = (1/c_w) (w(d)/ℓ + ℓ ∇d·∇d); its integral Γ_ℓ is the regularised crack area
    (per unit thickness in 2-D: a length)."""
    return (crack_density_function(d, model) / ell + ell * ufl.inner(ufl.grad(d), ufl.grad(d))) \
        / normalisation(model)


def fracture_energy_density(d, Gc, ell, model: str = "AT2"):
    """Dissipated energy density G_c γ_ℓ(d) = (G_c/c_w)(w(d)/ℓ + ℓ |∇d|²)."""
    return Gc * crack_surface_density(d, ell, model)


# --------------------------------------------------------------------------------------------
# Energy splits


def _pos(x):
    """Macaulay bracket ⟨x⟩₊ = (x + |x|)/2."""
    return (x + abs(x)) / 2


def _is_block_diagonal(eps) -> bool:
    """True when ε has the structure [[·,·,0],[·,·,0],[0,0,·]] symbolically (plane strain and
    axisymmetric strains from ``CoordinateSystem``), so that one eigenvalue is ε_33."""
    try:
        return all(isinstance(eps[i, j], ufl.constantvalue.Zero) for i, j in ((0, 2), (1, 2), (2, 0), (2, 1)))
    except (IndexError, ValueError):
        return False


def _sum_positive_squares_block(eps):
    """Σ⟨ε_i⟩₊² for a block-diagonal ε: the in-plane 2x2 block plus ⟨ε_33⟩₊².

    The in-plane eigenvalues m ± r, r = √(((a−b)/2)² + c²), are only needed when their signs
    differ (det < 0); then r > |m| ≥ 0 and √ is differentiable. When the signs agree the sum is
    the polynomial a² + b² + 2c² (both ≥ 0) or 0, so zero and repeated eigenvalues never reach
    √(0) or a division by r.
    """
    a, b, z = eps[0, 0], eps[1, 1], eps[2, 2]
    c = (eps[0, 1] + eps[1, 0]) / 2  # symmetric, so that ∂/∂ε gives a symmetric stress
    m = (a + b) / 2
    r = ufl.sqrt(((a - b) / 2) ** 2 + c**2 + _Q_FLOOR)
    same_sign = ufl.conditional(ufl.ge(a + b, 0), a**2 + b**2 + 2 * c**2, 0)
    in_plane = ufl.conditional(ufl.ge(a * b - c**2, 0), same_sign, (m + r) ** 2)
    return in_plane + _pos(z) ** 2


def _sum_positive_squares_3d(eps):
    """Σ⟨ε_i⟩₊² for a general symmetric 3x3 ε.

    Sign pattern from the principal invariants (ε ⪰ 0 ⇔ I1, I2, I3 ≥ 0; ε ⪯ 0 ⇔ I1 ≤ 0, I2 ≥ 0,
    I3 ≤ 0): then the sum is ε:ε or 0 without eigenvalues. Otherwise (mixed signs, so J2 > 0) the
    eigenvalues come from the trigonometric solution

        λ_k = I1/3 + 2√(J2/3) cos(θ + 2π(k−1)/3),   cos 3θ = (3√3/2) J3 / J2^(3/2),

    and the sum is written with the eigenvalue that is simple in that case: λ1² when one
    eigenvalue is positive, ε:ε − λ3² when two are. The acos argument is clamped to ±(1 − 1e-12)
    (its derivative is infinite at ±1, where two eigenvalues coincide) and J2 gets a 1e-40 floor;
    with these guards the derivatives are finite at every strain, including zero.
    """
    I1 = ufl.tr(eps)
    I2 = (I1**2 - ufl.inner(eps, eps)) / 2
    I3 = ufl.det(eps)
    s = ufl.dev(eps)
    J2 = ufl.inner(s, s) / 2 + _J2_FLOOR
    J3 = ufl.det(s)
    arg = 1.5 * math.sqrt(3.0) * J3 / J2**1.5
    arg = ufl.max_value(-1 + _ACOS_MARGIN, ufl.min_value(1 - _ACOS_MARGIN, arg))
    theta = ufl.acos(arg) / 3
    rho = 2 * ufl.sqrt(J2 / 3)
    lam1 = I1 / 3 + rho * ufl.cos(theta)
    lam3 = I1 / 3 + rho * ufl.cos(theta + 2 * math.pi / 3)
    lam2 = I1 - lam1 - lam3
    mixed = ufl.conditional(ufl.gt(lam2, 0), ufl.inner(eps, eps) - lam3**2, lam1**2)
    nonneg = ufl.And(ufl.ge(I1, 0), ufl.And(ufl.ge(I2, 0), ufl.ge(I3, 0)))
    nonpos = ufl.And(ufl.le(I1, 0), ufl.And(ufl.ge(I2, 0), ufl.le(I3, 0)))
    return ufl.conditional(nonneg, ufl.inner(eps, eps), ufl.conditional(nonpos, 0, mixed))


def sum_positive_principal_squares(eps, block_diagonal: bool | None = None):
    """Σ_i ⟨ε_i⟩₊² over the principal values ε_i of a symmetric 3x3 tensor.

    ``block_diagonal`` (default: detected from the zero pattern of ``eps``) selects the cheaper
    2x2 + ε_33 form used for plane strain and axisymmetry.
    """
    if block_diagonal is None:
        block_diagonal = _is_block_diagonal(eps)
    return _sum_positive_squares_block(eps) if block_diagonal else _sum_positive_squares_3d(eps)


def elastic_energy_density(eps, E, nu):
    """ψ(ε) = ½ λ (tr ε)² + μ ε:ε."""
    lmbda, mu = lame_parameters(E, nu)
    return 0.5 * lmbda * ufl.tr(eps) ** 2 + mu * ufl.inner(eps, eps)


def split_energy(eps, E, nu, split: str = "spectral", *, block_diagonal: bool | None = None):
    """(ψ⁺, ψ⁻) with ψ⁺ + ψ⁻ = ψ(ε); only ψ⁺ is degraded by g(d).

    - ``none``: ψ⁺ = ψ, ψ⁻ = 0 (isotropic degradation);
    - ``volumetric_deviatoric`` (Amor, Marigo & Maurini 2009):
      ψ⁺ = K/2 ⟨tr ε⟩₊² + μ dev ε : dev ε,  ψ⁻ = K/2 ⟨tr ε⟩₋²;
    - ``spectral`` (Miehe, Welschinger & Hofacker 2010):
      ψ⁺ = λ/2 ⟨tr ε⟩₊² + μ Σ⟨ε_i⟩₊²,  ψ⁻ = λ/2 ⟨tr ε⟩₋² + μ Σ⟨ε_i⟩₋²,
      ε_i the principal strains.
    ψ⁻ is formed as ψ − ψ⁺ (⟨x⟩₊² + ⟨x⟩₋² = x²), which keeps the pair exactly consistent.
    """
    _check("energy split", split, SPLITS)
    psi = elastic_energy_density(eps, E, nu)
    if split == "none":
        return psi, 0 * psi
    lmbda, mu = lame_parameters(E, nu)
    if split == "volumetric_deviatoric":
        K = bulk_modulus(E, nu)
        psi_plus = 0.5 * K * _pos(ufl.tr(eps)) ** 2 + mu * ufl.inner(ufl.dev(eps), ufl.dev(eps))
    else:
        psi_plus = 0.5 * lmbda * _pos(ufl.tr(eps)) ** 2 \
            + mu * sum_positive_principal_squares(eps, block_diagonal)
    return psi_plus, psi - psi_plus


def degraded_energy_density(eps, d, E, nu, split: str = "spectral", k_res=0.0, *,
                            block_diagonal: bool | None = None):
    """Stored energy density g(d) ψ⁺(ε) + ψ⁻(ε)."""
    psi_plus, psi_minus = split_energy(eps, E, nu, split, block_diagonal=block_diagonal)
    return degradation(d, k_res) * psi_plus + psi_minus


def degraded_stress(eps, d, E, nu, split: str = "spectral", k_res=0.0, *, block_diagonal: bool | None = None):
    """σ = g(d) ∂ψ⁺/∂ε + ∂ψ⁻/∂ε (a 3x3 UFL tensor), by symbolic differentiation of the split.

    ``block_diagonal``: ε has the plane-strain/axisymmetric pattern (see
    :func:`sum_positive_principal_squares`); default: detected from the zero pattern of ``eps``,
    which misses it when ε is a sum (e.g. minus an eigenstrain), so callers that know their
    coordinate system should say so (``CoordinateSystem.block_diagonal_strain``).

    With ``split = "none"`` this is the isotropically degraded stress g(d) ∂ψ/∂ε, which the hybrid
    formulation (Ambati, Gerasimov & De Lorenzis 2015) uses in the displacement problem while the
    split energy ψ⁺ still drives the damage.

    The strain is wrapped in a UFL variable with a fixed label (:data:`_STRAIN_LABEL`): a default
    label is a process-wide counter that enters the form signature, so every new form would be
    compiled again (a sweep would recompile at each case)."""
    block = _is_block_diagonal(eps) if block_diagonal is None else block_diagonal
    e = ufl.classes.Variable(eps, ufl.classes.Label(_STRAIN_LABEL))
    psi_plus, psi_minus = split_energy(e, E, nu, split, block_diagonal=block)
    return degradation(d, k_res) * ufl.diff(psi_plus, e) + ufl.diff(psi_minus, e)


# Label of the strain variable differentiated by degraded_stress (far above the labels that
# ufl.variable hands out, so it never coincides with one of them)
_STRAIN_LABEL = 2**30


def positive_energy(eps, E, nu, split: str = "spectral", *, block_diagonal: bool | None = None):
    """ψ⁺(ε), the part of the elastic energy that drives damage."""
    return split_energy(eps, E, nu, split, block_diagonal=block_diagonal)[0]


# --------------------------------------------------------------------------------------------
# Damage subproblem (u frozen)


def history_update(H_old, psi_plus):
    """History field H = max(H_old, ψ⁺): the largest positive energy seen, which makes the AT2
    damage driving force monotone in time (Miehe, Hofacker & Welschinger 2010)."""
    return ufl.max_value(H_old, psi_plus)


def damage_energy(d, driving, Gc, ell, model: str = "AT2", k_res=0.0):
    """Energy density minimised by d with u frozen: g(d) 𝓗 + (G_c/c_w)(w(d)/ℓ + ℓ|∇d|²), where the
    driving force 𝓗 is ψ⁺(ε(u)) (bounds d_prev ≤ d ≤ 1) or the history field H."""
    return degradation(d, k_res) * driving + fracture_energy_density(d, Gc, ell, model)


def damage_residual(d, q, driving, Gc, ell, model: str = "AT2", weight=1, dx=None):
    """Weak form of the damage equation (first variation of ∫ damage_energy in direction q):

        ∫ [ −2(1 − d) 𝓗 q + (G_c/c_w)(w′(d) q/ℓ + 2ℓ ∇d·∇q) ] w dx = 0.

    Affine in d for AT1 and AT2; AT1 (w′ = 1) needs the bound d ≥ 0 (variational inequality).
    """
    dx = dx if dx is not None else ufl.dx
    c_w = normalisation(model)
    w_prime = 2 * d if model == "AT2" else 1
    return (-2 * (1 - d) * driving * q
            + (Gc / c_w) * (w_prime * q / ell + 2 * ell * ufl.inner(ufl.grad(d), ufl.grad(q)))) * weight * dx


def elastic_threshold(E_eff, Gc, ell, model: str = "AT2"):
    """Homogeneous uniaxial peak stress of the regularised model under a modulus E_eff:

        AT2: σ_c = (3√3/16) √(E_eff G_c/ℓ);   AT1: σ_c = √(3 E_eff G_c/(8ℓ)).

    (Plain arithmetic: also works on floats.)
    """
    _check("phase-field model", model, MODELS)
    if model == "AT2":
        return 3 * math.sqrt(3.0) / 16 * (E_eff * Gc / ell) ** 0.5
    return (3 * E_eff * Gc / (8 * ell)) ** 0.5


# --------------------------------------------------------------------------------------------
# Initial flaws


def flaw_history(distance, Gc, ell, amplification: float = 1e3):
    """Initial history field of a sharp flaw (Borden et al. 2012, CMAME 217–220, 77, eq. 38):

        H₀ = (B G_c / (4ℓ)) (1 − 2 dist/ℓ)  for dist ≤ ℓ/2,   0 beyond,

    with dist the distance to the flaw line and B = ``amplification``. With AT2 the damage
    equation then gives d → 2H₀/(2H₀ + G_c/ℓ) ≈ 1 on the flaw and the exp(−dist/ℓ) profile around
    it. (Plain arithmetic on numpy arrays: interpolate it into a DG0 field.)
    """
    import numpy as np

    dist = np.asarray(distance, dtype=float)
    return np.where(dist <= ell / 2, amplification * Gc / (4 * ell) * (1 - 2 * dist / ell), 0.0)


def flat_flaw_distance(points, centre, normal, radius):
    """Distance from ``points`` (N × 3) to a flat flaw: the disk {x : (x − m)·n = 0, |x − m| ≤ a}
    (a penny crack in 3-D; in 2-D, with points and n in the plane, the segment of half-length a):

        dist = √( ((x − m)·n)² + max(|(x − m) − ((x − m)·n) n| − a, 0)² ).
    """
    import numpy as np

    rel = np.asarray(points, dtype=float) - np.asarray(centre, dtype=float)
    n = np.asarray(normal, dtype=float) / np.linalg.norm(normal)
    normal_part = rel @ n
    in_plane = np.linalg.norm(rel - normal_part[:, None] * n, axis=1)
    return np.hypot(normal_part, np.maximum(in_plane - radius, 0.0))


# ------------------------------------------------------------------------------------------
# Cracks as diffusion paths


def cracked_diffusivity(D, d, ratio):
    """Diffusivity of partly cracked material, from the bulk D (d = 0) to ratio × D on open crack
    faces (d = 1), with the weight d² that mirrors the stiffness loss (1 − d)²:

        D(d) = D [1 + (ratio − 1) d²].
    """
    return D * (1 + (ratio - 1) * d**2)
