"""Building blocks of the phase-field electrodeposition model (battchem.physics.electrodeposition)
evaluated on known values: interpolation and double well, anisotropy, Butler–Volmer bracket and its
guard, elastic driving force, nondimensional groups and the Hong normalised set."""

import math

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem import materials
from battchem.physics import electrodeposition as ed

COMM = MPI.COMM_SELF
MSH = mesh.create_unit_square(COMM, 1, 1)


def value(expr):
    """Value of a spatially constant UFL expression (at a point of cell 0)."""
    e = fem.Expression(expr, np.array([[0.3, 0.3]]), comm=COMM)
    return e.eval(MSH, np.array([0], dtype=np.int32)).reshape(ufl.shape(expr) or ())


def c(x):
    return fem.Constant(MSH, np.asarray(x, dtype=np.float64))


def parameters(name: str) -> ed.Parameters:
    values = materials.electrodeposition_set(name).as_dict()
    if name.endswith("_normalised"):
        keys = ("L", "kappa", "Ls", "alpha", "AA", "W", "M0", "S1", "S2", "ft2", "es", "el")
        return ed.parameters_from_normalised({k: values[k] for k in keys}, c0=values["c0"],
                                             D_metal=values["D_metal"])
    return ed.Parameters(**values)


@pytest.mark.parametrize("x", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_interpolation_and_double_well(x):
    W = 2.4
    assert value(ed.interpolation(c(x))) == pytest.approx(x**3 * (6 * x**2 - 15 * x + 10), abs=1e-15)
    # h′ and g′ are the derivatives of h and g: compared with UFL's own derivative
    v = ufl.variable(c(x))
    assert value(ed.interpolation_derivative(c(x))) == pytest.approx(
        value(ufl.diff(ed.interpolation(v), v)), abs=1e-13)
    assert value(ed.double_well_derivative(c(x), W)) == pytest.approx(
        value(ufl.diff(ed.double_well(v, W), v)), abs=1e-13)
    assert value(ed.interface_band(c(x))) == pytest.approx(16 * x**2 * (1 - x) ** 2, abs=1e-15)


def test_interpolation_is_clamped():
    """Outside [0, 1] h takes its end values (discrete ξ over- and undershoots; σ_eff must stay
    between σ_l and σ_s), with zero slope, on UFL and on numpy input alike."""
    for x, h in ((-0.02, 0.0), (1.03, 1.0)):
        assert value(ed.interpolation(c(x))) == h
        v = ufl.variable(c(x))
        assert value(ufl.diff(ed.interpolation(v), v)) == 0.0
    assert np.array_equal(ed.interpolation(np.array([-0.5, 0.0, 1.0, 2.0])), [0.0, 0.0, 1.0, 1.0])
    assert ed.interpolation(np.array([0.3]))[0] == pytest.approx(0.3**3 * (6 * 0.09 - 4.5 + 10), abs=1e-15)


def test_metal_occupancy_and_li_content():
    """Θ = c̃/(c̃ + K): half filled at c̃ = K, 1 − K at c̃ = 1, 1 for K = 0. The Li content
    (1 − h) c̃ + r h Θ is the ions' c̃ in the electrolyte (ξ = 0) and rΘ in the metal (ξ = 1); the
    metal fraction is hΘ."""
    K, r = 1e-6, 76.4
    g = {"half_occupancy": c(K), "site_ratio": c(r)}
    assert value(ed.metal_occupancy(c(K), c(K))) == pytest.approx(0.5, rel=1e-12)
    assert value(ed.metal_occupancy(c(1.0), c(K))) == pytest.approx(1 / (1 + K), rel=1e-12)
    assert ed.metal_occupancy(c(0.3), 0.0) == 1
    assert value(ed.li_content(c(0.0), c(0.7), g)) == pytest.approx(0.7, rel=1e-12)
    assert value(ed.li_content(c(1.0), c(0.7), g)) == pytest.approx(r * 0.7 / (0.7 + K), rel=1e-12)
    h = 0.5**3 * (6 * 0.25 - 7.5 + 10)
    expected = (1 - h) * 2.0 + r * h * 2 / (2 + K)
    assert value(ed.li_content(c(0.5), c(2.0), g)) == pytest.approx(expected, rel=1e-12)
    assert value(ed.metal_fraction(c(0.5), c(2.0), g)) == pytest.approx(h * 2 / (2 + K), rel=1e-12)


def test_half_occupancy_from_the_grand_potentials():
    """Θ(c̃) is Hong & Viswanathan's metal site fraction c_s(w) = 1/(1 + e^{es − w}) at the chemical
    potential of ions at c̃, c_l(w) = 1/(1 + e^{el − w}) = c̃ c_b with c_b = c_l(0) = 1/14.89: equal to
    the dilute-limit error c_b c̃ (Θ < 1: K c_b c̃/(c̃ + K) relative), and K is wired from the set."""
    es, el = -13.8, 2.631
    K = ed.half_occupancy_from_grand_potentials(es, el)
    assert K == pytest.approx(1.09e-6, rel=2e-3)
    cb = 1 / (1 + np.exp(el))
    assert 1 / cb == pytest.approx(14.89, rel=1e-3)
    for ct in (1e-8, 1e-6, 1e-3, 1.0, 3.0):
        w = el + np.log(cb * ct / (1 - cb * ct))
        exact = 1 / (1 + np.exp(es - w))
        assert ct / (ct + K) == pytest.approx(exact, rel=cb * ct * K / (ct + K) + 1e-14), ct
    assert parameters("Hong2018_normalised").half_occupancy == pytest.approx(K, rel=1e-12)
    from battchem.components.electrodeposition import parameters as component_parameters

    assert component_parameters().half_occupancy == pytest.approx(K, rel=1e-12)


def test_interpolation_end_values():
    for x, h, dh in ((0.0, 0.0, 0.0), (1.0, 1.0, 0.0), (0.5, 0.5, 1.875)):
        assert value(ed.interpolation(c(x))) == pytest.approx(h, abs=1e-15)
        assert value(ed.interpolation_derivative(c(x))) == pytest.approx(dh, abs=1e-15)


@pytest.mark.parametrize("mode, angle", [(4, 0.0), (6, 0.3), (1, -1.0)])
def test_anisotropy_cosine_is_cos_of_the_gradient_angle(mode, angle):
    """T_ω(cos(θ − θ0)) = cos(ω(θ − θ0)) with θ = atan2(ξ_y, ξ_x), for gradients in all quadrants;
    the floor (1e-6 on gradients of size ≥ 0.1) perturbs the cosine by < 1e-10."""
    rng = np.random.default_rng(1)
    for g in rng.normal(size=(8, 2)):
        g = g / np.linalg.norm(g) * rng.uniform(0.1, 10.0)
        got = value(ed.anisotropy_cosine(ufl.as_vector(list(map(float, g))), mode, angle))
        assert got == pytest.approx(math.cos(mode * (math.atan2(g[1], g[0]) - angle)), abs=1e-10)


def test_gradient_coefficient_isotropic_outside_2d():
    g = ufl.as_vector([1.0, 0.0])
    assert value(ed.gradient_coefficient(g, 0.3, 0.05, 4, 0.0, gdim=2)) == pytest.approx(0.3 * 1.05)
    assert ed.gradient_coefficient(g, 0.3, 0.05, 4, 0.0, gdim=3) == 0.3
    assert ed.gradient_coefficient(g, 0.3, 0.0, 4, 0.0, gdim=2) == 0.3


@pytest.mark.parametrize("c_ratio", [0.25, 1.0, 3.0])
def test_butler_volmer_bracket_vanishes_at_the_nernst_potential(c_ratio):
    """e^{(1−α)nη} − c̃ e^{−αnη} = 0 at nη = ln c̃; anodic (> 0) above, cathodic below."""
    alpha, n = 0.3, 2.0
    eta = math.log(c_ratio) / n
    assert value(ed.butler_volmer_bracket(c(eta), c_ratio, alpha, n)) == pytest.approx(0.0, abs=1e-14)
    assert value(ed.butler_volmer_bracket(c(eta + 0.1), c_ratio, alpha, n)) > 0
    assert value(ed.butler_volmer_bracket(c(eta - 0.1), c_ratio, alpha, n)) < 0


def test_guarded_exponential_is_exp_below_and_linear_C1_above():
    a_max = 5.0
    for a in (-30.0, 0.0, 4.999):
        assert value(ed.guarded_exp(c(a), a_max)) == pytest.approx(math.exp(a), rel=1e-14)
    for a in (5.0, 7.0, 1e4):
        linear = math.exp(a_max) * (1 + a - a_max)
        assert value(ed.guarded_exp(c(a), a_max)) == pytest.approx(linear, rel=1e-14)
    v = ufl.variable(c(a_max + 1e-9))  # slope continuous across a_max: e^{a_max} on both sides
    assert value(ufl.diff(ed.guarded_exp(v, a_max), v)) == pytest.approx(math.exp(a_max), rel=1e-12)


def test_overpotential_stress_term_sign():
    """η̂ = φ̂ − Ê − Ω̂ σ̂_h / n: compression (σ_h < 0) raises η (hinders plating)."""
    assert value(ed.overpotential(c(0.0), 0.0, c(-2.0), 0.5, 1.0)) == pytest.approx(1.0)
    assert value(ed.overpotential(c(1.0), 0.25, None, 0.5, 1.0)) == pytest.approx(0.75)


def test_elastic_driving_force_is_the_derivative_of_the_energy():
    """∂ψ/∂ξ at fixed strain against a central difference of ψ(ε, ξ) (step 1e-6: error ~1e-12 of
    O(1) values), with an eigenstrain and different stiffnesses."""
    g = {"E_metal": 40.0, "nu_metal": 0.38, "E_electrolyte": 5.0, "nu_electrolyte": 0.3,
         "eigenstrain": c([0.01, 0.0, -0.002])}
    eps = ufl.as_tensor(np.array([[1e-2, 3e-3, 0.0], [3e-3, -4e-3, 0.0], [0.0, 0.0, 1e-3]]))
    xi, step = 0.37, 1e-6
    psi = lambda x: value(ed.elastic_energy(eps, c(x), g))
    fd = (psi(xi + step) - psi(xi - step)) / (2 * step)
    assert value(ed.elastic_driving_force(eps, c(xi), g)) == pytest.approx(fd, rel=1e-7)
    # uniform bulk modulus and a spherical strain: C′ : ε = 3K′ ε = 0, so no driving force
    K = 40.0 / (3 * (1 - 2 * 0.38))
    g2 = dict(g, E_electrolyte=3 * K * (1 - 2 * 0.2), nu_electrolyte=0.2, eigenstrain=c([0.0, 0.0, 0.0]))
    spherical = -1e-3 * ufl.Identity(3)
    assert value(ed.elastic_driving_force(spherical, c(xi), g2)) == pytest.approx(0.0, abs=1e-14)


def test_stress_is_hydrostatic_under_uniform_bulk_modulus():
    """σ = −p I for ε = −p/(3K) I when both phases share K (the stiffness tensor interpolated)."""
    E_m, nu_m, nu_e = 40.0, 0.38, 0.2
    K = E_m / (3 * (1 - 2 * nu_m))
    g = {"E_metal": E_m, "nu_metal": nu_m, "E_electrolyte": 3 * K * (1 - 2 * nu_e), "nu_electrolyte": nu_e,
         "eigenstrain": c([0.0, 0.0, 0.0])}
    p = 0.7
    s = value(ed.stress(-p / (3 * K) * ufl.Identity(3), c(0.4), g))
    assert np.allclose(s, -p * np.eye(3), atol=1e-14)


def test_nondimensional_groups():
    p = parameters("Chen2015")
    s = ed.Scales.for_parameters(p, length=2e-6, time=0.5, energy_density=1e6)
    g = ed.nondimensionalise(p, s)
    RT = ed.GAS_CONSTANT * 300.0
    assert g.L_sigma == pytest.approx(2.5e-6 * 1e6 * 0.5)
    assert g.W == pytest.approx(0.375) and g.kappa0 == pytest.approx(1e-10 / (1e6 * 4e-12))
    assert g.L_eta == pytest.approx(0.25) and g.D_electrolyte == pytest.approx(7.5e-10 * 0.5 / 4e-12)
    assert g.sigma_electrolyte == pytest.approx(1.19 * RT * 0.5 / (ed.FARADAY**2 * 1e3 * 4e-12))
    assert g.site_ratio == pytest.approx(76.4) and g.Omega == pytest.approx(1.3e-5 * 1e6 / RT)
    # the charge equation's source: n F c_s ∂ξ/∂t over (σ̂ scale × potential / l0²) = n r (σ̂ form)
    assert s.conductivity * s.potential / s.length**2 == pytest.approx(ed.FARADAY * 1e3 / 0.5)
    with pytest.raises(ValueError, match="Scales.for_parameters"):
        ed.nondimensionalise(p, ed.Scales(temperature=298.15))


def test_hong_normalised_set_round_trip():
    """The Hong set read back to SI and nondimensionalised with its own scales (1 µm, 1 s, e0 = RT c_s)
    returns the numbers of the input file; ft2 gives c_s and AA the temperature."""
    values = materials.electrodeposition_set("Hong2018_normalised").as_dict()
    p = parameters("Hong2018_normalised")
    assert ed.FARADAY / (ed.GAS_CONSTANT * p.temperature) == pytest.approx(38.69, rel=1e-12)
    assert p.c_s == pytest.approx(0.0074e12 / ed.FARADAY, rel=1e-12)  # 7.67e4 mol/m³
    assert p.D_electrolyte == pytest.approx(3.179e-10) and p.sigma_metal == 1e6
    g = ed.nondimensionalise(p, ed.Scales.for_parameters(p))
    assert (g.L_sigma, g.W, g.kappa0, g.L_eta) == pytest.approx(
        (values["L"], values["W"], values["kappa"], values["Ls"]), rel=1e-12)
    assert g.D_electrolyte == pytest.approx(values["M0"], rel=1e-12)
    # interface width √(κ/2W) = 0.25 µm: the tanh(2(x − x0)) profile of the input file
    assert p.interface_width() == pytest.approx(0.25e-6, rel=1e-12)


def test_parameter_validation():
    p = parameters("Chen2015")
    for bad in ({"alpha": 1.0}, {"W": 0.0}, {"D_metal": -1.0}, {"nu_metal": 0.5}, {"anisotropy_mode": 2.5},
                {"eigenstrain": (0.1, 0.0)}, {"half_occupancy": -1e-6},
                {"half_occupancy": 0.0, "D_metal": 0.0}):
        with pytest.raises(ValueError):
            p.with_values(**bad)
    assert p.with_values(half_occupancy=0.0).half_occupancy == 0.0  # Chen's fixed density, D_s > 0


def test_material_sets_carry_status():
    """Every value has a unit, a source and one of the status tags; the Chen values the notes could
    not verify are marked so."""
    tags = {"V-code", "V-abs", "V-partial", "DERIVED", "UNVERIFIED"}
    for sets in (materials.ELECTRODEPOSITION_SETS, materials.ELECTRODEPOSITION_MECHANICS):
        for ms in sets.values():
            for v in ms.values.values():
                assert v.unit and v.source and v.status in tags
    chen = materials.electrodeposition_set("Chen2015").values
    for key in ("L_sigma", "W", "kappa0", "L_eta", "anisotropy_strength", "anisotropy_mode"):
        assert chen[key].status == "UNVERIFIED"
    assert materials.electrodeposition_set("Hong2018_normalised").values["L"].status == "V-code"
    with pytest.raises(ValueError, match="allowed"):
        materials.electrodeposition_set("nope")
