"""Phase-field electrodeposition of Li metal (Chen, Liang et al. 2015, J. Power Sources 300, 376;
Liang & Chen 2014), with the Li balance of Hong & Viswanathan 2018 (ACS Energy Lett. 3, 1737) and
the stress coupling of battchem (PHYSICS.md §2b).

Unknowns: order parameter ξ (1 Li metal, 0 electrolyte), c̃ = c/c0 the Li⁺ concentration of the
electrolyte phase (solved for as ln c̃), electric potential φ, and, with mechanics, the
displacement u. In SI:

    ∂ξ/∂t = −L_σ [g′(ξ) + ∂ψ/∂ξ − ∇·(κ(θ)∇ξ)] − L_η h′(ξ) [e^{(1−α) nFη/RT} − c̃ e^{−α nFη/RT}]
    ∂/∂t [(1 − h) c̃ + (c_s/c0) h Θ(c̃)] = ∇·[D_eff c̃ (∇ ln c̃ + (nF/RT) ∇φ)]
    ∇·(σ_eff ∇φ) = nF c_s ∂(h Θ)/∂t,        Θ(c̃) = c̃/(c̃ + K)
    ∇·σ = 0,  σ = C(ξ) : (ε(u) − h(ξ) ε⁰)

with h(ξ) = ξ³(6ξ² − 15ξ + 10) (ξ clamped to [0, 1]), g(ξ) = W ξ²(1 − ξ)², D_eff = D_s h + D_l (1 − h),
σ_eff = σ_s h + σ_l (1 − h), κ(θ) = κ0 (1 + δ cos(ω(θ − θ0))) (θ the angle of ∇ξ; 2-D only),
stiffness C(ξ) = h C_Li + (1 − h) C_e (each C from E, ν), ψ = ½ (ε − hε⁰) : C : (ε − hε⁰) and
the overpotential

    η = φ − E^θ − Ω σ_h / (nF)

(E^θ explicit, default 0: the public implementations take η = φ with the far electrolyte at 0;
Ω σ_h/(nF) is PHYSICS.md's Ω σ_h/F for Li, n = 1; σ_h = tr σ / 3, tension positive, so compression
of the metal hinders plating). Anodic current (stripping) is positive.

The Li balance. Per volume there are c0 (1 − h) c̃ ions (in the electrolyte fraction 1 − h, the
smoothed-boundary form) and c_s h Θ Li in the metal, Θ the filled fraction of the metal's Li sites
in equilibrium with the ions. This is Hong & Viswanathan's grand-potential balance (their
χ ∂w/∂t + (dv c_s(w) − c_l(w)) ∂h/∂t in the dilute limit, w = ln c̃, c_s(w) = Θ with
K = e^{es}(1 + e^{−el}) = 1.09e-6, :func:`half_occupancy_from_grand_potentials`) with Chen et al.'s
Nernst–Planck flux; Chen et al.'s own balance ∂c̃/∂t + (c_s/c0) ∂ξ/∂t = ∇·J is the form with ions
in the metal too, ξ for h and Θ = 1. It keeps c̃ > 0 in two ways (see
docs/electrodeposition_positivity.md):
- ions are consumed where the metal fraction rises, (c_s/c0 Θ − c̃) ∂h/∂t, and h′(ξ) vanishes at
  the metal side as fast as the ions' mobility D_l (1 − h): a moving front needs a bounded c̃
  gradient (c_s v/(c0 D_l)), where with ∂ξ/∂t (Chen) it needs an unbounded one and c̃ < 0 follows
  for any speed when D_s = 0;
- where ξ still rises without ions (the Allen–Cahn terms L_σ do not depend on c̃: the concave neck of
  a bump fills by curvature), Θ falls instead of c̃: the metal formed there lacks Li (reported as
  ``unfilled_li`` by the component), the BV term keeps its sign and ξ still goes to 1.
The deposited Li is c_s ∫ h Θ; Faraday's law holds for it exactly. c̃ also is the concentration of
the BV term (it is uniform in equilibrium, so the Nernst potential is (RT/nF) ln c̃ exactly; Hong &
Viswanathan use (1 − h) c̃).

Nondimensionalisation (inside; inputs and outputs SI). A :class:`Scales` fixes a length l0, a time
t0, a concentration c0 (the bulk Li⁺ concentration), a temperature T (potential scale RT/F) and an
energy density e0 (stress scale). With x̂ = x/l0, t̂ = t/t0, φ̂ = φF/(RT), σ̂ = σ/e0:

    ∂ξ/∂t̂ = −L̂_σ [ĝ′ + ∂ψ̂/∂ξ − ∇̂·(κ̂∇̂ξ)] − L̂_η h′ [e^{(1−α) n η̂} − c̃ e^{−α n η̂}],
    ∂/∂t̂ [(1 − h) c̃ + r h Θ] = ∇̂·[D̂ (∇̂c̃ + n c̃ ∇̂φ̂)],
    ∇̂·(σ̂_eff ∇̂φ̂) = n r ∂(hΘ)/∂t̂,             η̂ = φ̂ − Ê^θ − Ω̂ σ̂_h / n,

    L̂_σ = L_σ e0 t0,  Ŵ = W/e0,  κ̂ = κ0/(e0 l0²),  L̂_η = L_η t0,  D̂ = D t0/l0²,  r = c_s/c0,
    σ̂ = σ RT t0/(F² c0 l0²),  Ê^θ = E^θ F/(RT),  Ω̂ = Ω e0/(RT),  Ê = E/e0.

Currents are in units of F c0 l0/t0, Li⁺ fluxes in c0 l0/t0. The Hong & Viswanathan 2018 set
(reference/parameters.md §1b) is already normalised with l0 = 1 µm, t0 = 1 s and energies in RT;
:func:`parameters_from_normalised` reads such a set back to SI (its energy-density unit is not
stated in the source: :data:`HONG_ENERGY_DENSITY` is a documented assumption that matters only with
mechanics, since without it only the products L_σ W and L_σ κ0 enter).

Exponent guard: an exponent a of the Butler–Volmer terms above a_max (default 30, |η| ≈ 1.5 V at
α = ½, n = 1; no physical state comes near it) continues linearly, e^{a_max} (1 + a − a_max),
which is C¹: Newton iterates far from the solution (full steps through the exponentials, the
failure of dolfinx issue #4229) then stay finite instead of overflowing to inf/NaN.

Pure UFL: no I/O, no solvers, no loops over time, no MPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np
import ufl

from battchem.physics.mechanics import lame_parameters

FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)

I3 = ufl.Identity(3)

# Guards: the exponent beyond which the BV exponentials continue linearly, and the floor of |∇ξ| in
# the anisotropy angle (nondimensional; the gradient across an interface is O(1/width) ≫ 1e-6).
EXPONENT_MAX = 30.0
GRADIENT_FLOOR = 1e-6


# --------------------------------------------------------------------------------------------
# Parameters (SI), scales, nondimensional groups


@dataclass(frozen=True)
class Parameters:
    """Model parameters in SI units (see the module docstring for the equations)."""

    L_sigma: float  # interface mobility L_σ [m³/(J s)]
    W: float  # double-well barrier height [J/m³]
    kappa0: float  # gradient energy coefficient κ0 [J/m]
    L_eta: float  # reaction (Butler–Volmer) rate constant L_η [1/s]
    D_metal: float  # Li⁺ diffusivity in the metal phase D_s [m²/s]
    D_electrolyte: float  # Li⁺ diffusivity in the electrolyte D_l [m²/s]
    sigma_metal: float  # electrode conductivity σ_s [S/m]
    sigma_electrolyte: float  # electrolyte conductivity σ_l [S/m]
    c_s: float  # Li site density of the metal [mol/m³]
    c0: float  # bulk Li⁺ concentration [mol/m³]
    alpha: float = 0.5  # charge-transfer coefficient α
    n: float = 1.0  # electrons per Li
    temperature: float = 298.15  # [K]
    E_theta: float = 0.0  # standard potential E^θ [V]
    anisotropy_strength: float = 0.0  # δ
    anisotropy_mode: int = 4  # ω (integer)
    anisotropy_angle: float = 0.0  # θ0 [rad]
    noise_amplitude: float = 0.0  # Langevin noise on ∂ξ/∂t in the interface [1/s]
    # K: the c̃ at which half of the metal's Li sites are filled, Θ = c̃/(c̃ + K) (0: always filled,
    # Chen's fixed metal density; needs D_s > 0); default Hong & Viswanathan's (DERIVED, 1.09e-6:
    # half_occupancy_from_grand_potentials(-13.8, 2.631))
    half_occupancy: float = 1.09e-6
    # mechanics
    E_metal: float = 7.81e9  # [Pa]
    nu_metal: float = 0.38
    E_electrolyte: float = 1e9  # [Pa]
    nu_electrolyte: float = 0.3
    Omega: float = 1.3e-5  # partial molar volume of Li in the metal [m³/mol]
    eigenstrain: tuple[float, float, float] = (0.0, 0.0, 0.0)  # ε⁰ of the deposit (x, y, z)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "eigenstrain":
                if len(value) != 3:
                    raise ValueError("eigenstrain must have three (x, y, z) components")
                continue
            if f.name in ("E_theta", "anisotropy_angle"):
                continue
            if not value >= 0 or value != value:
                raise ValueError(f"{f.name} = {value!r} must be >= 0")
        for name in ("W", "kappa0", "c_s", "c0", "temperature", "n", "sigma_electrolyte"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")
        if self.half_occupancy == 0 and self.D_metal == 0:
            raise ValueError("half_occupancy = 0 (metal always full) needs D_metal > 0: with neither, the "
                             "metal's Li⁺ balance has no storage and no transport")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha = {self.alpha} must lie in (0, 1)")
        if int(self.anisotropy_mode) != self.anisotropy_mode or self.anisotropy_mode < 1:
            raise ValueError(f"anisotropy_mode = {self.anisotropy_mode} must be a positive integer")
        for name in ("nu_metal", "nu_electrolyte"):
            if not -1 < getattr(self, name) < 0.5:
                raise ValueError(f"{name} must lie in (-1, 0.5)")

    @property
    def thermal_voltage(self) -> float:
        """RT/F [V]."""
        return GAS_CONSTANT * self.temperature / FARADAY

    def interface_width(self) -> float:
        """δ = √(κ0/(2W)) [m]: the planar equilibrium profile is ξ = 1/(1 + e^{s/δ})."""
        return (self.kappa0 / (2 * self.W)) ** 0.5

    def nernst_potential(self, c_ratio: float, pressure: float = 0.0) -> float:
        """φ at which a flat interface neither grows nor dissolves: the BV bracket vanishes,
        n F η/RT = ln c̃, with η = φ − E^θ + Ω p/(nF) under a hydrostatic pressure p (σ_h = −p)."""
        import math

        return (self.E_theta + self.thermal_voltage / self.n * math.log(c_ratio)
                - self.Omega * pressure / (self.n * FARADAY))

    def with_values(self, **changes) -> Parameters:
        return replace(self, **changes)


@dataclass(frozen=True)
class Scales:
    """Length l0 [m], time t0 [s], concentration c0 [mol/m³], temperature [K] and energy density e0
    [J/m³] of the nondimensional model; the potential scale is RT/F."""

    length: float = 1e-6
    time: float = 1.0
    concentration: float = 1e3
    temperature: float = 298.15
    energy_density: float = 1e8

    def __post_init__(self):
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"scale {f.name} must be > 0")

    @classmethod
    def for_parameters(cls, p: Parameters, length: float = 1e-6, time: float = 1.0,
                       energy_density: float | None = None) -> Scales:
        """Scales matched to a parameter set: c0 and T from it, e0 = RT c_s (RT per mole of Li
        metal) unless given."""
        e0 = GAS_CONSTANT * p.temperature * p.c_s if energy_density is None else energy_density
        return cls(length, time, p.c0, p.temperature, e0)

    @property
    def potential(self) -> float:
        """RT/F [V]."""
        return GAS_CONSTANT * self.temperature / FARADAY

    @property
    def conductivity(self) -> float:
        """F² c0 l0²/(RT t0) [S/m]: σ̂ = σ / this."""
        return FARADAY**2 * self.concentration * self.length**2 / (
            GAS_CONSTANT * self.temperature * self.time)

    @property
    def current_density(self) -> float:
        """F c0 l0/t0 [A/m²]."""
        return FARADAY * self.concentration * self.length / self.time

    @property
    def flux(self) -> float:
        """c0 l0/t0 [mol/(m² s)]."""
        return self.concentration * self.length / self.time


@dataclass(frozen=True)
class Groups:
    """The nondimensional numbers of the model (module docstring)."""

    L_sigma: float
    W: float
    kappa0: float
    L_eta: float
    D_metal: float
    D_electrolyte: float
    sigma_metal: float
    sigma_electrolyte: float
    site_ratio: float  # r = c_s/c0
    alpha: float
    n: float
    E_theta: float
    anisotropy_strength: float
    anisotropy_mode: int
    anisotropy_angle: float
    noise_amplitude: float
    half_occupancy: float  # K (relative to c0, already nondimensional)
    E_metal: float
    nu_metal: float
    E_electrolyte: float
    nu_electrolyte: float
    Omega: float
    eigenstrain: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))


def nondimensionalise(p: Parameters, s: Scales) -> Groups:
    """The groups of the nondimensional model for SI parameters p and scales s. The model's own
    temperature sets the exponents (nF/RT); s.temperature only sets the potential unit."""
    l0, t0, e0 = s.length, s.time, s.energy_density
    RT = GAS_CONSTANT * s.temperature
    # the potential unit RT/F and the concentration unit must be the model's own (the exponents are
    # n F φ/(R T) = n φ̂ and c̃ = c/c0 only then)
    if abs(p.temperature - s.temperature) > 1e-9 * p.temperature or abs(p.c0 - s.concentration) > 1e-9 * p.c0:
        raise ValueError(f"scales at T = {s.temperature} K, c0 = {s.concentration} mol/m^3 for a model at "
                         f"T = {p.temperature} K, c0 = {p.c0} mol/m^3: use Scales.for_parameters")
    return Groups(
        L_sigma=p.L_sigma * e0 * t0, W=p.W / e0, kappa0=p.kappa0 / (e0 * l0**2), L_eta=p.L_eta * t0,
        D_metal=p.D_metal * t0 / l0**2, D_electrolyte=p.D_electrolyte * t0 / l0**2,
        sigma_metal=p.sigma_metal / s.conductivity, sigma_electrolyte=p.sigma_electrolyte / s.conductivity,
        site_ratio=p.c_s / p.c0, alpha=p.alpha, n=p.n,
        E_theta=p.E_theta / s.potential, anisotropy_strength=p.anisotropy_strength,
        anisotropy_mode=int(p.anisotropy_mode), anisotropy_angle=p.anisotropy_angle,
        noise_amplitude=p.noise_amplitude * t0, half_occupancy=p.half_occupancy, E_metal=p.E_metal / e0,
        nu_metal=p.nu_metal,
        E_electrolyte=p.E_electrolyte / e0, nu_electrolyte=p.nu_electrolyte, Omega=p.Omega * e0 / RT,
        eigenstrain=tuple(p.eigenstrain))


# The Hong & Viswanathan 2018 normalisation: "length 1 um, time 1s, energy is normalized by RT"
# (input-file comment, reference/parameters.md §1b). The energy-density unit is not stated; RT per
# mole of Li metal (c_s = 7.64e4 mol/m³ at 300 K: 1.9e8 J/m³) is assumed here.
HONG_LENGTH = 1e-6
HONG_TIME = 1.0


def hong_energy_density(temperature: float, c_s: float) -> float:
    """Assumed energy-density unit of the Hong set: RT c_s [J/m³] (UNVERIFIED: not in the source)."""
    return GAS_CONSTANT * temperature * c_s


def half_occupancy_from_grand_potentials(es: float, el: float) -> float:
    """K of the metal occupancy Θ = c̃/(c̃ + K) from Hong & Viswanathan's grand potentials (energies in
    RT): their Li site fractions are c_l(w) = 1/(1 + e^{el − w}) in the electrolyte and
    c_s(w) = 1/(1 + e^{es − w}) in the metal at one chemical potential w, the bulk electrolyte at
    w = 0 (c_l = c_b = 1/(1 + e^{el}) = 1/14.89). With c̃ = c_l/c_b, dilute (c_l ≪ 1):
    e^{w} = c̃ c_b e^{el}, so c_s = c̃/(c̃ + K), K = e^{es − el}/c_b = e^{es}(1 + e^{−el})
    (1.09e-6 for es = −13.8, el = 2.631)."""
    return float(np.exp(es) * (1 + np.exp(-el)))


def parameters_from_normalised(values: dict[str, float], *, length: float = HONG_LENGTH,
                               time: float = HONG_TIME, energy_density: float | None = None,
                               **si) -> Parameters:
    """SI parameters from a normalised set with keys L (Allen–Cahn mobility, per unit of normalised
    driving force), W, kappa (energy in units of e0, lengths in l0), Ls (BV rate), AA (nF/RT in
    1/V), M0 (D_l in l0²/t0), S1, S2 (σ_s, σ_l in S/m), ft2 (the charge source nF c_s l0²/(t0 ×
    1 S/m × 1 V), from which c_s follows), alpha, optionally es, el (the grand potentials' offsets,
    from which the metal's half occupancy K follows), and the SI keys in ``si`` (c0, D_metal, ...).

    T = nF/(R AA) with n = ``si.get('n', 1)``; e0 defaults to :func:`hong_energy_density`.
    """
    n = si.pop("n", 1.0)
    temperature = n * FARADAY / (GAS_CONSTANT * values["AA"])
    c_s = values["ft2"] * length**-2 * time / (n * FARADAY) if "c_s" not in si else si.pop("c_s")
    e0 = hong_energy_density(temperature, c_s) if energy_density is None else energy_density
    if "es" in values and "el" in values and "half_occupancy" not in si:
        si["half_occupancy"] = half_occupancy_from_grand_potentials(values["es"], values["el"])
    return Parameters(
        L_sigma=values["L"] / (e0 * time), W=values["W"] * e0, kappa0=values["kappa"] * e0 * length**2,
        L_eta=values["Ls"] / time, D_electrolyte=values["M0"] * length**2 / time,
        sigma_metal=values["S1"], sigma_electrolyte=values["S2"], c_s=c_s, n=n,
        alpha=values.get("alpha", 0.5), temperature=temperature, **si)


# --------------------------------------------------------------------------------------------
# Interpolation, double well, effective properties


def interpolation(xi):
    """h(ξ) = ξ³(6ξ² − 15ξ + 10) for ξ clamped to [0, 1]: h(0) = 0, h(1) = 1, h′(0) = h′(1) = 0.

    The clamp keeps every interpolated property between its two phases' values: discrete
    Allen–Cahn solutions over- and undershoot [0, 1] by a few per cent, and with σ_s/σ_l ~ 1e6 the
    polynomial's h(−0.02) = −8e-5 would make σ_eff negative. As h′ and h″ vanish at 0 and 1, the
    clamped h is still C² (Newton sees no kink). Also evaluates numbers and numpy arrays."""
    if isinstance(xi, ufl.core.expr.Expr):
        x = ufl.max_value(ufl.min_value(xi, 1.0), 0.0)
    else:
        x = np.clip(xi, 0.0, 1.0)
    return x**3 * (6 * x**2 - 15 * x + 10)


def interpolation_derivative(xi):
    """h′(ξ) = 30 ξ²(1 − ξ)²."""
    return 30 * xi**2 * (1 - xi) ** 2


def double_well(xi, W):
    """g(ξ) = W ξ²(1 − ξ)²."""
    return W * xi**2 * (1 - xi) ** 2


def double_well_derivative(xi, W):
    """g′(ξ) = 2W ξ(1 − ξ)(1 − 2ξ)."""
    return 2 * W * xi * (1 - xi) * (1 - 2 * xi)


def interface_band(xi):
    """16 ξ²(1 − ξ)² = h′(ξ)/h′(½): 1 at ξ = ½, 0 in both bulk phases."""
    return 16 * xi**2 * (1 - xi) ** 2


def effective(xi, metal, electrolyte):
    """h(ξ) metal + (1 − h(ξ)) electrolyte (D_eff, σ_eff, E, ν)."""
    h = interpolation(xi)
    return h * metal + (1 - h) * electrolyte


# --------------------------------------------------------------------------------------------
# Anisotropy


def anisotropy_cosine(grad_xi, mode: int, angle=0.0, floor=GRADIENT_FLOOR):
    """cos(ω(θ − θ0)), θ the angle of ∇ξ in the (x, y) plane, as the Chebyshev polynomial
    T_ω(cos(θ − θ0)) with cos(θ − θ0) = (ξ_x cos θ0 + ξ_y sin θ0)/√(|∇ξ|² + floor²): smooth
    everywhere (no atan2), and → T_ω(0) where ∇ξ = 0, where it multiplies ∇ξ = 0 anyway."""
    gx, gy = grad_xi[0], grad_xi[1]
    norm = ufl.sqrt(gx**2 + gy**2 + floor**2)
    c = (gx * ufl.cos(angle) + gy * ufl.sin(angle)) / norm
    t_prev, t = 1, c
    for _ in range(int(mode) - 1):
        t_prev, t = t, 2 * c * t - t_prev
    return t


def gradient_coefficient(grad_xi, kappa0, strength=0.0, mode: int = 4, angle=0.0, gdim: int = 2):
    """κ(θ) = κ0 (1 + δ cos(ω(θ − θ0))) in 2-D; κ0 (isotropic) in 1-D and 3-D (a 3-D cubic
    anisotropy is not implemented)."""
    if gdim != 2 or (isinstance(strength, (int, float)) and strength == 0.0):
        return kappa0
    return kappa0 * (1 + strength * anisotropy_cosine(grad_xi, mode, angle))


# --------------------------------------------------------------------------------------------
# Kinetics


def guarded_exp(a, a_max=EXPONENT_MAX):
    """e^a for a ≤ a_max, e^{a_max}(1 + a − a_max) above (C¹; see the module docstring)."""
    import math

    return ufl.conditional(ufl.le(a, a_max), ufl.exp(ufl.min_value(a, a_max)),
                           math.exp(a_max) * (1 + a - a_max))


def overpotential(phi, E_theta=0.0, sigma_h=None, Omega=0.0, n=1.0):
    """η = φ − E^θ − Ω σ_h/(nF), nondimensional: η̂ = φ̂ − Ê^θ − Ω̂ σ̂_h / n."""
    eta = phi - E_theta
    if sigma_h is not None:
        eta = eta - Omega * sigma_h / n
    return eta


def butler_volmer_bracket(eta, c, alpha, n=1.0, a_max=EXPONENT_MAX):
    """e^{(1−α) n η̂} − c̃ e^{−α n η̂} (guarded): > 0 dissolves (anodic), < 0 deposits; zero at the
    Nernst potential n η̂ = ln c̃."""
    return guarded_exp((1 - alpha) * n * eta, a_max) - c * guarded_exp(-alpha * n * eta, a_max)


# --------------------------------------------------------------------------------------------
# Residuals (nondimensional; ``grad`` is the gradient in nondimensional coordinates and ``weight``
# the volume factor dx̂/dx, so that mesh coordinates may be in any unit)


def allen_cahn_residual(xi, xi_dot, q, eta, c, g: Groups | dict, dx, *, grad=ufl.grad, weight=1,
                        gdim: int = 2, elastic_driving=None, noise=None):
    """∫ [∂ξ/∂t + L̂_σ (ĝ′(ξ) + ∂ψ̂/∂ξ) + L̂_η h′(ξ) B(η̂, c̃) − a ζ 16ξ²(1−ξ)²] q
       + L̂_σ κ̂(θ) ∇̂ξ·∇̂q  dx̂,

    the weak form of the Allen–Cahn equation with the Butler–Volmer driving force B
    (:func:`butler_volmer_bracket`). ``g`` holds the groups (floats or Constants) under the
    :class:`Groups` names; ``elastic_driving`` is ∂ψ̂/∂ξ at fixed strain (None: no mechanics);
    ``noise`` is a ζ field (standard normal, e.g. battchem.noise) scaled by g['noise_amplitude'] and
    confined to the interface."""
    g = _as_dict(g)
    kappa = gradient_coefficient(grad(xi), g["kappa0"], g["anisotropy_strength"], g["anisotropy_mode"],
                                 g["anisotropy_angle"], gdim)
    drive = double_well_derivative(xi, g["W"])
    if elastic_driving is not None:
        drive = drive + elastic_driving
    rate = xi_dot + g["L_sigma"] * drive + g["L_eta"] * interpolation_derivative(xi) * \
        butler_volmer_bracket(eta, c, g["alpha"], g["n"])
    if noise is not None:
        rate = rate - g["noise_amplitude"] * noise * interface_band(xi)
    return (rate * q + g["L_sigma"] * kappa * ufl.inner(grad(xi), grad(q))) * weight * dx


def metal_occupancy(c, K):
    """Θ(c̃) = c̃/(c̃ + K): the filled fraction of the metal's Li sites in equilibrium with Li⁺ at c̃
    (Hong & Viswanathan's c_s(w), :func:`half_occupancy_from_grand_potentials`); 1 for K = 0."""
    if isinstance(K, (int, float)) and K == 0:
        return 1
    return c / (c + K)


def metal_fraction(xi, c, g: Groups | dict):
    """m = h(ξ) Θ(c̃): Li in the metal per volume, in units of c_s."""
    g = _as_dict(g)
    return interpolation(xi) * metal_occupancy(c, g["half_occupancy"])


def li_content(xi, c, g: Groups | dict):
    """n = (1 − h(ξ)) c̃ + r h(ξ) Θ(c̃): Li per volume in units of c0, the ions at c̃ in the electrolyte
    fraction 1 − h and the metal's filled sites in the metal fraction h (r = c_s/c0)."""
    g = _as_dict(g)
    return (1 - interpolation(xi)) * c + g["site_ratio"] * metal_fraction(xi, c, g)


def ion_flux(c, phi, xi, g: Groups | dict, *, grad=ufl.grad):
    """Nondimensional Li⁺ flux J̃ = −D̂_eff (∇̂c̃ + n c̃ ∇̂φ̂) (Nernst–Planck)."""
    g = _as_dict(g)
    D = effective(xi, g["D_metal"], g["D_electrolyte"])
    return -D * (grad(c) + g["n"] * c * grad(phi))


def nernst_planck_residual(c, c_dot, xi, xi_dot, phi, q, g: Groups | dict, dx, *, grad=ufl.grad, weight=1):
    """∫ [∂c̃/∂t + r ∂ξ/∂t] q − J̃ · ∇̂q dx̂ (no-flux where no condition is imposed): Chen et al.'s
    Li⁺ balance, with c̃ the ions per volume and the metal c_s ξ (see :func:`li_balance_residual`)."""
    g = _as_dict(g)
    J = ion_flux(c, phi, xi, g, grad=grad)
    return ((c_dot + g["site_ratio"] * xi_dot) * q - ufl.inner(J, grad(q))) * weight * dx


def li_balance_residual(content_dot, c, xi, phi, q, g: Groups | dict, dx, *, grad=ufl.grad, weight=1):
    """∫ ∂n/∂t̂ q − J̃ · ∇̂q dx̂, n = :func:`li_content`: ∂n/∂t̂ = −∇̂·J̃ with the ion flux J̃ of
    c̃ (:func:`ion_flux`); no flux where no condition is imposed. ``content_dot`` is the time
    scheme's rate of n (so that the discrete balance is exact)."""
    J = ion_flux(c, phi, xi, g, grad=grad)
    return (content_dot * q - ufl.inner(J, grad(q))) * weight * dx


def charge_residual(phi, xi, xi_dot, q, g: Groups | dict, dx, *, grad=ufl.grad, weight=1):
    """∫ σ̂_eff ∇̂φ̂ · ∇̂q + n r ṁ q dx̂: ∇̂·(σ̂_eff∇̂φ̂) = n r ṁ (insulating where no condition is
    imposed), ṁ = ``xi_dot`` the rate of the metal fraction (∂(hΘ)/∂t̂, :func:`metal_fraction`;
    ∂ξ/∂t̂ in Chen et al.'s form). The outward current through a boundary is −(this form tested
    with 1 on its dofs)."""
    g = _as_dict(g)
    sigma = effective(xi, g["sigma_metal"], g["sigma_electrolyte"])
    return (sigma * ufl.inner(grad(phi), grad(q)) + g["n"] * g["site_ratio"] * xi_dot * q) * weight * dx


# --------------------------------------------------------------------------------------------
# Mechanics (3x3 tensors; strain from battchem.physics.coordinates)


def deposition_eigenstrain(xi, eigenstrain):
    """ε* = h(ξ) diag(ε⁰_x, ε⁰_y, ε⁰_z): the deposit's stress-free strain relative to the
    electrolyte it replaces."""
    e = eigenstrain
    return interpolation(xi) * ufl.as_tensor([[e[0], 0, 0], [0, e[1], 0], [0, 0, e[2]]])


def stiffness(xi, g: Groups | dict):
    """Lamé parameters (λ(ξ), μ(ξ)) of C(ξ) = h(ξ) C_Li + (1 − h(ξ)) C_e, the stiffness tensor
    interpolated between the metal and the electrolyte/separator (each given by E, ν); the bulk
    modulus K = λ + 2μ/3 is interpolated the same way."""
    g = _as_dict(g)
    lam_m, mu_m = lame_parameters(g["E_metal"], g["nu_metal"])
    lam_e, mu_e = lame_parameters(g["E_electrolyte"], g["nu_electrolyte"])
    return effective(xi, lam_m, lam_e), effective(xi, mu_m, mu_e)


def stress(eps, xi, g: Groups | dict):
    """σ = C(ξ) : (ε − ε*(ξ)) = λ tr(ε_e) I + 2μ ε_e."""
    g = _as_dict(g)
    lam, mu = stiffness(xi, g)
    eps_e = eps - deposition_eigenstrain(xi, g["eigenstrain"])
    return lam * ufl.tr(eps_e) * I3 + 2 * mu * eps_e


def elastic_energy(eps, xi, g: Groups | dict):
    """ψ(ε, ξ) = ½ (ε − ε*) : C(ξ) : (ε − ε*) = ½ λ tr(ε_e)² + μ ε_e : ε_e."""
    g = _as_dict(g)
    lam, mu = stiffness(xi, g)
    eps_e = eps - deposition_eigenstrain(xi, g["eigenstrain"])
    return 0.5 * lam * ufl.tr(eps_e) ** 2 + mu * ufl.inner(eps_e, eps_e)


def elastic_driving_force(eps, xi, g: Groups | dict):
    """∂ψ/∂ξ at fixed total strain: ½ ε_e : C′(ξ) : ε_e − σ : ∂ε*/∂ξ (the elastic part of the
    Allen–Cahn driving force)."""
    v = ufl.variable(xi)
    return ufl.diff(elastic_energy(eps, v, g), v)


def equilibrium_residual(sigma, v, strain, dx, *, weight=1):
    """∫ σ : ε(v) dx̂ (tractions added by the caller)."""
    return ufl.inner(sigma, strain(v)) * weight * dx


def hydrostatic(sigma):
    """σ_h = tr σ / 3."""
    return ufl.tr(sigma) / 3


def _as_dict(g) -> dict:
    return vars(g) if isinstance(g, Groups) else g
