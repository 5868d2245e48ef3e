"""interphase against closed forms (PHYSICS.md §4, issue 12): the Deal–Grove growth law in its three
regimes, the laterally clamped film with an isotropic eigenstrain, Maxwell relaxation of the
interphase, the exponential stress feedback in a homogeneous state, and the series resistance of
the uncracked two-layer slab. Inputs are chosen here (not the named sets, whose values are partly
unverified); A, B, τ and the stresses are derived from them."""

import copy
import math

import numpy as np
import pytest

import battchem
from battchem.evaluation import probe
from battchem.materials import GAS_CONSTANT
from battchem.physics.growth import deal_grove_coefficients, series_resistance
from battchem.physics.viscoplasticity import relaxation_time_clamped_film

QUIET = ["output.plots=false", "output.fields_every=0", "output.progress_every=0"]
ELL = 10e-9  # front width ℓ
# A 1-D slab resolved with h = ℓ/2.5; c_b/n = 1e-3, so the stored reactant (≈ c_b δ/2) changes the
# consumption by 0.05 %: the quasi-steady Deal–Grove law holds to that
BASE = {"problem": "interphase",
        "geometry": {"kind": "slab_1d", "thickness": 1.5e-6, "mesh_size": ELL / 2.5, "band_depth": 1.0e-6,
                     "coarse_mesh_size": 50e-9},
        "interphase": {"D_int": 1e-13, "c_b": 10.0, "n": 1e4, "D_pristine": 0.0, "tunnelling_length": 0.0,
                       "expansion": 0.0},
        "growth": {"front_width": ELL, "initial_thickness": 3 * ELL}}


def run(tmp, name, changes, observer=None, overrides=()):
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    result = battchem.run(data, tmp / name, [*QUIET, *overrides], quiet=True, observer=observer)
    assert result.status == "completed", result.message
    return result


def growth_run(tmp, name, A, duration, **extra):
    """A run held at c_b whose Deal–Grove A is ``A`` (front_rate = B/A)."""
    B = 2 * 1e-13 * 10.0 / 1e4
    changes = {"interphase": {"front_rate": B / A, **extra.pop("interphase", {})},
               "operation": {"segments": [{"control": "hold", "duration": duration}],
                             **extra.pop("operation", {})},
               **extra}
    return run(tmp, name, changes), B


def after_start(result, fraction=0.1):
    """(t, δ) from ``fraction`` of the run on: the initial profile (not yet the travelling front, c
    not yet quasi-steady) relaxes within the first few ℓ of growth."""
    t, delta = result.series["time"], result.series["thickness_mean"]
    k = np.searchsorted(t, fraction * t[-1])
    return t[k:] - t[k], delta[k:]


def test_mixed_growth_obeys_deal_grove(tmp_path):
    """A = 20ℓ: from δ ≈ 4ℓ to 60ℓ neither law alone holds; δ² + Aδ − (δ_k² + Aδ_k) = B (t − t_k)
    with A = 2 D c_b/(n v0), B = 2 D c_b/n. Measured: B within 0.5 %; bound 2 % (the issue's)."""
    A = 20 * ELL
    result, B = growth_run(tmp_path, "mixed", A, 2400.0)
    t, d = after_start(result)
    g = d**2 + A * d
    assert (g[-1] - g[0]) / t[-1] == pytest.approx(B, rel=0.02)
    assert deal_grove_coefficients(1e-13, 10.0, 1e4, B / A) == pytest.approx((A, B))
    # and it is truly mixed: the parabolic law alone misses the end thickness by far more than 2 %
    assert (d[-1] ** 2 - d[0] ** 2) / t[-1] < 0.8 * B


def test_diffusion_limited_growth_is_parabolic(tmp_path):
    """A = 0.2ℓ (fast reaction): δ² − δ_k² = B (t − t_k), the parabolic law (Aδ < 1 % of δ² at the
    end). Measured 0.06 %; bound 2 %. The local exponent d ln δ/d ln t over the last half is 1/2
    to within the offset δ_k."""
    A = 0.2 * ELL
    result, B = growth_run(tmp_path, "diffusion", A, 1800.0)
    t, d = after_start(result)
    assert (d[-1] ** 2 - d[0] ** 2) / t[-1] == pytest.approx(B, rel=0.02)
    t_abs, d_abs = result.series["time"], result.series["thickness_mean"]
    half = np.searchsorted(t_abs, 0.5 * t_abs[-1])
    exponent = math.log(d_abs[-1] ** 2 / d_abs[half] ** 2) / math.log(t_abs[-1] / t_abs[half])
    assert exponent == pytest.approx(1.0, abs=0.05)  # δ² ∝ t: the native 3ℓ are 0.3 % of δ² at the end


def test_reaction_limited_growth_is_linear(tmp_path):
    """A = 5000ℓ (slow reaction): δ − δ_k = v0 (t − t_k) with v0 = B/A, the linear law (the
    Deal–Grove slowdown 2δ/A stays below 1 %). Measured 0.3 %; bound 2 %."""
    A = 5000 * ELL
    result, B = growth_run(tmp_path, "reaction", A, 5e4)
    t, d = after_start(result)
    assert (d[-1] - d[0]) / t[-1] == pytest.approx(B / A, rel=0.02)


# a 3-D box two elements wide (laterally clamped, the solution does not vary across it) with the 1-D
# depth mesh: the same growth, in 6 × 2 × 2 tetrahedra per layer of elements
BOX = {"kind": "slab_3d", "width": 2 * ELL / 2.5, "band_depth": 0.4e-6}


def cell_stresses(problem, points):
    """σ_xx, σ_yy, σ_zz of the cells holding ``points`` (3-D), rows per point."""
    from dolfinx import fem

    DG0 = fem.functionspace(problem.md.mesh, ("DG", 0))
    out = []
    for i in range(3):
        f = fem.Function(DG0)
        f.interpolate(fem.Expression(problem.stress[i, i], DG0.element.interpolation_points()))
        out.append(probe(f, points))
    return np.array(out).T


@pytest.mark.parametrize("kind", ["slab_1d", "slab_3d"])
def test_clamped_film_with_isotropic_expansion(tmp_path, kind):
    """A laterally clamped film (1-D, or a 3-D box with clamped sides; free Li face) that grows with
    isotropic expansion ε_v: the grown interphase carries σ_in-plane = −E ε*/(1 − ν), ε* = (1 +
    ε_v)^(1/3) − 1, and no normal stress; with a stack pressure p, σ_nn = −p everywhere and the
    in-plane stress gains −ν p/(1 − ν) (the pristine electrolyte too). In 3-D both in-plane components
    σ_xx and σ_yy (per cell) are checked. Small strain: exact up to the projection's round-off
    (measured 1e-4 in 1-D, 3e-4 in 3-D); bound 1 %."""
    E, nu, ev, p = 50e9, 0.25, 0.38, 20e6
    # inside the grown layer; pristine electrolyte
    depths = [0.12e-6, 0.6e-6]
    middle = BOX["width"] / 2
    points = np.array([[z, 0, 0] if kind == "slab_1d" else [middle, middle, z] for z in depths])
    found = {}

    def observe(problem, t, step):
        found["inplane"] = probe(problem.sigma_inplane, points)
        found["normal"] = probe(problem.sigma_normal, points)
        found["xi"] = probe(problem.xi, points)
        if kind == "slab_3d":
            found["cells"] = cell_stresses(problem, points)

    run(tmp_path, "film", {"geometry": BOX if kind == "slab_3d" else {},
                           "interphase": {"front_rate": 1e-7, "expansion": ev, "E": E, "nu": nu},
                           "electrolyte": {"nu": 0.3},
                           "operation": {"segments": [{"control": "hold", "duration": 200.0}],
                                         "stack_pressure": p}},
        observe)
    eps = (1 + ev) ** (1 / 3) - 1
    inplane = [-E * eps / (1 - nu) - nu * p / (1 - nu), -0.3 * p / 0.7]
    # 9ℓ behind the front (ξ = 1 − e^(−9)) and far ahead of it: the expansion is complete to 3e-4
    assert found["xi"][0] > 0.999 and found["xi"][1] < 1e-6
    assert found["inplane"][0] == pytest.approx(inplane[0], rel=0.01)
    assert found["inplane"][0] == pytest.approx(-7.56e9, rel=1e-3)  # the issue's ~ −15 GPa, at E = 50 GPa
    assert found["inplane"][1] == pytest.approx(inplane[1], rel=0.01)
    assert found["normal"] == pytest.approx([-p, -p], rel=0.01)
    if kind == "slab_3d":
        cells = found["cells"]
        for row, expected in zip(cells, inplane, strict=True):
            assert row[:2] == pytest.approx([expected, expected], rel=0.01)
        assert cells[:, 2] == pytest.approx([-p, -p], rel=0.01)


def test_interphase_relaxes_like_a_maxwell_fluid(tmp_path):
    """A viscous interphase (ε̇_vp = s/(2η)) in a clamped film under a stack pressure p: the in-plane
    stress relaxes from −νp/(1 − ν) to −p as σ + p = (σ0 + p) e^(−t/τ), τ = 6η(1 − ν)/E. Backward
    Euler gives exactly (σ0 + p)(1 + Δt/τ)^(−n) (checked to 1e-6: the return mapping is the implicit
    update, not an approximation of it), whose error at t = τ is first order in Δt: measured
    9.0e-3 → 4.6e-3 of σ0 + p for Δt = τ/20 → τ/40 (theory e^(−1)Δt/(2τ)); order within [0.9, 1.1]."""
    E, nu, eta, p = 50e9, 0.25, 1e9, 10e6
    tau = relaxation_time_clamped_film(E, nu, eta)
    s0 = -nu * p / (1 - nu)
    errors = []
    last = {}

    def observe(problem, t, step):
        last["t"], last["s"] = t, probe(problem.sigma_inplane, np.array([[50e-9, 0, 0]]))[0]

    for n in (20, 40):
        run(tmp_path, f"creep{n}", {"interphase": {"front_rate": 0.0, "E": E, "nu": nu, "viscosity": eta},
                                    "growth": {"initial_thickness": 0.2e-6},
                                    "operation": {"segments": [{"control": "hold", "duration": tau}],
                                                  "stack_pressure": p},
                                    "stepping": {"dt_initial": tau / n, "dt_max": tau / n}}, observe)
        assert last["t"] == pytest.approx(tau)
        relaxed = (last["s"] + p) / (s0 + p)
        assert relaxed == pytest.approx((1 + 1 / n) ** (-n), rel=1e-6)
        errors.append(abs(relaxed - math.exp(-1.0)))
    assert errors[0] == pytest.approx(math.exp(-1) / (2 * 20), rel=0.1)
    assert math.log2(errors[0] / errors[1]) == pytest.approx(1.0, abs=0.1)


def test_viscoplastic_relaxation_does_not_depend_on_the_unit_of_length(tmp_path):
    """The Maxwell relaxation above with a flow stress σ_y (Perzyna: Newton on the mechanics) in the
    3-D clamped column (8 nm wide, 1.5 µm deep) and in the same column 10⁶ times larger: the overstress
    relaxes as (q − σ_y) = (q0 − σ_y)(1 + Δt/τ)^(−n), q = |σ_in-plane + p|, in both, and every step takes
    a Newton iteration. At p = 0.1 MPa the small column's whole residual is ~6e-14 N, below the SI
    snes_atol 1e-12: before the load-scaled absolute tolerance every step returned unsolved (0
    iterations) and the overstress came out 93 % off. Measured 7.6e-8 and 6.7e-8 off the backward-Euler
    value (the return mapping is the implicit update); bound 1e-6, as for the Maxwell case."""
    E, nu, eta, p, n = 50e9, 0.25, 1e9, 0.1e6, 20
    flow_stress = 0.1 * p
    tau = relaxation_time_clamped_film(E, nu, eta)
    q0 = p - nu * p / (1 - nu)
    for scale in (1.0, 1e6):
        found = {"newton": []}
        geometry = {**BASE["geometry"], **BOX}
        geometry = {k: v * scale if isinstance(v, float) else v for k, v in geometry.items()}
        middle = geometry["width"] / 2

        def observe(problem, t, step):
            found["newton"].append(problem.mech_solver.snes.getIterationNumber())
            found["t"] = t
            found["s"] = probe(problem.sigma_inplane, np.array([[middle, middle, 50e-9 * scale]]))[0]

        run(tmp_path, f"column{scale:g}",
            {"geometry": geometry,
             "growth": {"front_width": ELL * scale, "initial_thickness": 0.2e-6 * scale},
             "interphase": {"front_rate": 0.0, "E": E, "nu": nu, "viscosity": eta,
                            "flow_stress": flow_stress},
             "operation": {"segments": [{"control": "hold", "duration": tau}], "stack_pressure": p},
             "stepping": {"dt_initial": tau / n, "dt_max": tau / n}}, observe)
        assert found["t"] == pytest.approx(tau)
        assert len(found["newton"]) == n and min(found["newton"]) >= 1
        relaxed = (found["s"] + p - flow_stress) / (q0 - flow_stress)
        assert relaxed == pytest.approx((1 + 1 / n) ** (-n), rel=1e-6)


def test_stress_feedback_reproduces_its_exponential_factor(tmp_path):
    """Homogeneous case: no expansion and equal elastic constants, so a stack pressure p gives the
    uniform σ_h = −p(1 + ν)/(3(1 − ν)) throughout; the reaction-limited front (A = 5000ℓ) then moves
    at v0 exp(V_r σ_h/RT). Rates with and without p: their ratio within 1 % of the factor 0.5
    chosen here (measured: 0.05 %)."""
    nu, V_r = 0.3, 1e-4
    RT = GAS_CONSTANT * 298.15
    sigma_h = -math.log(2.0) * RT / V_r
    p = -sigma_h * 3 * (1 - nu) / (1 + nu)
    same = {"E": 80e9, "nu": nu}
    rates = []
    for pressure in (0.0, p):
        result, B = growth_run(tmp_path, f"feedback{pressure:g}", 5000 * ELL, 2e4,
                               interphase={"activation_volume": V_r, **same}, electrolyte=same,
                               operation={"stack_pressure": pressure})
        t, d = after_start(result)
        rates.append((d[-1] - d[0]) / t[-1])
        assert result.series["sigma_h_min"][-1] == pytest.approx(result.series["sigma_h_max"][-1], rel=1e-6)
        assert result.series["sigma_h_max"][-1] == pytest.approx(sigma_h if pressure else 0.0, abs=1e-6 * p)
    assert rates[1] / rates[0] == pytest.approx(math.exp(V_r * sigma_h / RT), rel=0.01)


@pytest.mark.parametrize("kind", ["slab_1d", "slab_2d", "slab_3d"])
def test_uncracked_bilayer_resistance_is_the_series_formula(tmp_path, kind):
    """∇·(κ∇φ) = 0 across an interphase of thickness δ = ∫ξ (series mixing of κ through the front) on
    the rest of the slab: ASR = δ/κ_int + (L − δ)/κ_SE. 1-D, a 2-D section and a 3-D box (two elements
    wide) with the whole face in contact (the same per area). 1-D: exact (κ at the cell centres gives
    each element's exact ∫dx/κ; measured 1e-15, bound 1e-10); 2-D and 3-D: measured 3e-4 and 6.5e-4, where
    the front (κ changing by 4000 over ℓ = 2.5 h) crosses unstructured triangles or tetrahedra; bound
    1e-3."""
    L = 1.5e-6
    geometry, front = {}, {}
    if kind == "slab_2d":  # a coarser front (ℓ = 50 nm) keeps the 2-D mesh small
        geometry = {"kind": "slab_2d", "width": 0.2e-6, "mesh_size": 20e-9, "coarse_mesh_size": 100e-9}
        front = {"front_width": 50e-9}
    if kind == "slab_3d":  # the same front across a box two elements wide
        geometry = {"kind": "slab_3d", "width": 40e-9, "mesh_size": 20e-9, "coarse_mesh_size": 100e-9,
                    "band_depth": 0.6e-6}
        front = {"front_width": 50e-9}
    result = run(tmp_path, kind, {"geometry": geometry, "interphase": {"front_rate": 0.0, "kappa": 1e-5},
                                  "electrolyte": {"kappa": 0.04},
                                  "growth": {"initial_thickness": 0.3e-6, **front},
                                  "operation": {"segments": [{"control": "hold", "duration": 1.0}]}})
    delta = result.series["thickness_mean"][0]
    assert delta == pytest.approx(0.3e-6, rel=1e-3)
    assert result.series["asr"][-1] == pytest.approx(series_resistance([(delta, 1e-5), (L - delta, 0.04)]),
                                                     rel=1e-10 if kind == "slab_1d" else 1e-3)


def test_restart_and_bad_input(tmp_path):
    """A run stopped after 20 steps and restarted gives the uninterrupted series (growth with BDF2
    history, creep strain, stack pressure, stress feedback, a current segment), to 1e-8; inputs that
    make no sense are refused before anything is built."""
    from battchem.config import ConfigError
    from battchem.driver import load_config

    data = {**copy.deepcopy(BASE),
            "interphase": {**BASE["interphase"], "front_rate": 1e-9, "expansion": 0.38, "viscosity": 1e12,
                           "activation_volume": 1e-6},
            "operation": {"stack_pressure": 5e6, "segments": [{"control": "hold", "duration": 300.0},
                                                              {"control": "current", "current_density": 0.01,
                                                               "duration": 200.0}]}}
    full = battchem.run(data, tmp_path / "full", QUIET, quiet=True)
    part = battchem.run(data, tmp_path / "part", [*QUIET, "stepping.max_steps=20"], quiet=True)
    assert part.status == "interrupted"
    rest = battchem.run(data, tmp_path / "part", QUIET, quiet=True, restart=True)
    assert rest.status == "completed" and len(rest.series["step"]) == len(full.series["step"])
    for name in ("thickness_mean", "li_consumed", "interphase_inplane_stress", "asr"):
        assert np.allclose(rest.series[name], full.series[name], rtol=1e-8), name
    base = {"problem": "interphase"}
    for change, expected in [
            ({"interphase": {"nu": 0.5}}, "interphase.nu"),
            ({"growth": {"initial_thickness": 0.1e-6, "front_width": 0.2e-6}}, "two front widths"),
            ({"geometry": {"kind": "slab_2d", "contact_width": 30e-6}}, "exceeds geometry.width"),
            ({"seeds": [{"kind": "defect"}]}, "2-D or 3-D geometry"),
            ({"operation": {"segments": [{"control": "current"}]}}, "needs current_density"),
            ({"electrolyte": {"name": "LAGP"}}, "unknown electrolyte set"),
            ({"fracture": {"split": "none"}, "interphase": {"viscosity": 1e12, "flow_stress": 1e8}},
             "nonlinear"),
            ({"geometry": {"kind": "slab_axisym"}, "fracture": {"irreversibility": "history"}},
             "variational_inequality"),
            ({"geometry": {"mesh_size": 10e-6}}, "4 elements"),
            ({"geometry": {"kind": "slab_3d", "lithium": "layer"}}, "not meshed in 3-D"),
            ({"geometry": {"lithium": "layer"},
              "operation": {"segments": [{"control": "current", "current_density": 1.0, "duration": 1.0}]}},
             "Li is a body")]:
        with pytest.raises(ConfigError, match=expected):
            load_config({**base, **change})


def test_three_tiers_of_interface_stability(tmp_path):
    """Validation (reference/interphase.md §6) with each electrolyte's shipped interphase set, one week
    at 25 °C: Li6PS5Cl grows as √t to 315 nm (Aktekin 2023, V-text; ±12 % is the spread of its parabolic
    constant between the 1-week and 400-h points; measured +5 %); LGPS consumes ≈ 20× the Li of
    Li6PS5Cl (0.7 mAh/cm² against 35 µAh/cm², V-text, DERIVED ratio; bound 15–25, the 1-week reading
    of each; measured 19.9); LLZO self-limits at nanometres (qualitative: its set's numbers are
    UNVERIFIED model choices, so only the behaviour is asserted)."""
    from pathlib import Path

    problems_dir = Path(__file__).resolve().parents[2] / "problems"
    runs = {}
    for tier in ("lpscl", "lgps", "llzo"):
        source = problems_dir / f"interphase_tier_{tier}.yaml"
        result = battchem.run(source, tmp_path / tier, QUIET, quiet=True)
        assert result.status == "completed", result.message
        runs[tier] = result.series
    t, d = runs["lpscl"]["time"], runs["lpscl"]["thickness_mean"]
    assert t[-1] == pytest.approx(604800.0)
    assert d[-1] == pytest.approx(315e-9, rel=0.12)
    half = np.searchsorted(t, 0.5 * t[-1])
    assert math.log(d[-1] / d[half]) / math.log(t[-1] / t[half]) == pytest.approx(0.5, abs=0.05)

    def consumed(s):
        return s["li_consumed"][-1] - s["li_consumed"][0]

    assert 15 < consumed(runs["lgps"]) / consumed(runs["lpscl"]) < 25
    t, d = runs["llzo"]["time"], runs["llzo"]["thickness_mean"]
    half = np.searchsorted(t, 0.5 * t[-1])
    # nanometres, and slowing down (logarithmic): over the last half-week the local exponent
    # d ln δ/d ln t is ≈ 0.2, far below the 0.5 of parabolic growth
    assert d[-1] < 10e-9 and math.log(d[-1] / d[half]) / math.log(t[-1] / t[half]) < 0.3
    assert consumed(runs["llzo"]) < 0.1 * consumed(runs["lpscl"])


@pytest.mark.slow
def test_expansion_cracks_the_electrolyte_at_the_front_earlier_when_faster_or_seeded(tmp_path):
    """Validation (issue 12 item 4) on problems/interphase_crack_map.yaml's LAGP-like section (LAGP
    placeholders: only the behaviour is asserted, no number of the sets): the electrolyte cracks from
    the interphase front — when max d first reaches 0.9 the crack (d ≥ 0.9, already run some µm into
    the electrolyte: the jump is unstable) reaches into the diffuse front 0.05 < ξ < 0.95 (closest
    node pair within 0.5 µm, one front width; measured 0, and 0.87 µm from ξ = 1/2); growth 3× faster
    cracks earlier, and so does a fast grain boundary under the contact (measured 1593 s, 527 s and
    1195 s). About 70 s."""
    from pathlib import Path

    from dolfinx import fem

    source = Path(__file__).resolve().parents[2] / "problems" / "interphase_crack_map.yaml"
    found = {}

    def first_crack_time(outdir, factor, seed=False, observer=None):
        """A run of the map's case (no sweep) with D_int and the front rate × factor; a grain-boundary
        seed under the contact: 5× faster transport and front over ±0.25 µm."""
        overrides = ["sweep=null", "electrolyte.K_IC=1.1e6", f"interphase.D_int={5e-13 * factor}",
                     f"interphase.front_rate={1e-7 * factor}"]
        if seed:
            overrides.append("seeds=[{kind: grain_boundary, position: 2.5e-6, size: 0.25e-6, "
                             "rate_factor: 5.0}]")
        result = battchem.run(source, outdir, overrides, quiet=True, observer=observer)
        assert result.status == "completed", result.message
        return result.manifest["results"]["first_crack_time [s]"]

    def at_first_crack(problem, t, step):
        if problem.first_crack_time is None or found:
            return
        d = problem.core.d
        xi = fem.Function(d.function_space)
        xi.interpolate(problem.xi)
        x = d.function_space.tabulate_dof_coordinates()[: len(d.x.array)]
        n = d.function_space.dofmap.index_map.size_local
        cracked = x[:n][d.x.array[:n] >= 0.9]
        front = x[:n][(xi.x.array[:n] > 0.05) & (xi.x.array[:n] < 0.95)]
        found["distance"] = float(np.min(np.linalg.norm(front[:, None, :] - cracked[None, :, :], axis=2)))

    uniform = first_crack_time(tmp_path / "uniform", 1.0, observer=at_first_crack)
    assert uniform is not None
    assert found["distance"] < 0.5e-6
    faster = first_crack_time(tmp_path / "faster", 3.0)
    seeded = first_crack_time(tmp_path / "seeded", 1.0, seed=True)
    assert faster < 0.5 * uniform
    assert seeded < 0.9 * uniform


# a tiny 3-D slab with every 3-D ingredient: a contact square short of the side (a free face), a
# defect hemisphere on the symmetry plane, creep, damage (history field)
SLAB_3D = {"problem": "interphase",
           "geometry": {"kind": "slab_3d", "thickness": 4e-6, "width": 2e-6, "contact_width": 1.5e-6,
                        "mesh_size": 0.4e-6},
           "interphase": {"viscosity": 1e13},
           "growth": {"front_width": 0.8e-6, "initial_thickness": 1.6e-6},
           "seeds": [{"kind": "defect", "position": 0.5e-6, "size": 2e-6}],
           "fracture": {"length_scale": 0.8e-6, "Gc": 3.0},
           "operation": {"segments": [{"control": "hold", "duration": 60.0}]},
           "stepping": {"dt_initial": 2.0}}


@pytest.mark.mpi
def test_slab_3d_named_faces_cover_the_box():
    """geometry.kind slab_3d: the named faces have the areas of the box [0, W]² × [0, L] with the
    contact square a × a (li), the rest of the face z = 0 (free), the far face (counter), the symmetry
    planes and the sides; the slab is meshed at mesh_size. Areas are exact for the planar faces up to
    round-off (1e-12); the smallest cell diameter is a tetrahedron's edge between h/2 and h."""
    from dolfinx import fem
    from mpi4py import MPI

    from battchem import problems
    from battchem.driver import load_config
    from battchem.evaluation import integral

    config = load_config(SLAB_3D)
    md = problems.get("interphase")(config, MPI.COMM_WORLD).build_mesh()
    W, a, L = 2e-6, 1.5e-6, 4e-6
    expected = {"li": a * a, "free": W * W - a * a, "counter": W * W,
                **{face: W * L for face in ("symmetry_x", "symmetry_y", "side_x", "side_y")}}
    assert set(md.facet_names) == set(expected) and set(md.cell_names) == {"electrolyte"}
    one = fem.Constant(md.mesh, 1.0)
    for name, area in expected.items():
        assert integral(one * md.ds(name), md.comm) == pytest.approx(area, rel=1e-12), name
    assert integral(one * md.dx("electrolyte"), md.comm) == pytest.approx(W * W * L, rel=1e-12)
    h_min, _ = md.h_range()
    assert 0.2e-6 < h_min < 0.4e-6


@pytest.mark.mpi
def test_slab_3d_same_series_on_one_and_two_ranks(tmp_path_factory):
    """The tiny 3-D slab (growth from a contact square and a defect, creep, damage at the front) on
    COMM_SELF and on COMM_WORLD: the same steps and staggered sweeps, every column within 1e-7 of its
    largest value (MUMPS on both: the partition changes only round-off, which the stagger tolerance
    1e-4 does not amplify while the sweep counts agree; the projected maxima are nodal values of the
    same projection). Also that damage has started (the series is not trivially equal)."""
    from mpi4py import MPI

    world = MPI.COMM_WORLD
    if world.size == 1:
        pytest.skip("needs mpirun -n 2")
    serial = tmp_path_factory.mktemp(f"self{world.rank}")
    shared = str(tmp_path_factory.mktemp("world")) if world.rank == 0 else None
    shared = world.bcast(shared, root=0)
    one = battchem.run(SLAB_3D, serial, QUIET, comm=MPI.COMM_SELF, quiet=True)
    many = battchem.run(SLAB_3D, shared, QUIET, comm=world, quiet=True)
    assert one.status == many.status == "completed"
    np.testing.assert_array_equal(one.series["stagger_its"], many.series["stagger_its"])
    assert one.series["damage_max"][-1] > 0.01
    for name in ("time", "thickness_mean", "thickness_max", "li_consumed", "interphase_inplane_stress",
                 "sigma_h_min", "sigma_h_max", "sigma1_max_electrolyte", "asr", "crack_area", "damage_max"):
        a, b = one.series[name], many.series[name]
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7 * np.abs(a).max(), err_msg=name)


def test_seed_factors_in_3d():
    """Seeds in 3-D: a grain boundary multiplies growth by 1 + (f − 1) exp(−(x − x_gb)²/w²) across the
    plane x = x_gb (whatever y and z), a defect with a rate_factor by 1 + (f − 1) exp(−r²/R²) about
    its centre (position, 0, 0); a defect without one only starts thicker (the hemisphere of radius R
    at ξ = 1/2). The factor is interpolated in P1 and probed between nodes: within 2 %, the
    interpolation error h²|f''|/8 ≤ 0.02 of either Gaussian with h = 0.4 µm, R = 2 µm, w = 1.5 µm."""
    from mpi4py import MPI

    from battchem import problems
    from battchem.driver import load_config

    R, w = 2e-6, 1.5e-6
    data = copy.deepcopy(SLAB_3D)
    data.pop("fracture")
    data["seeds"] = [{"kind": "defect", "position": 0.0, "size": R, "rate_factor": 3.0},
                     {"kind": "grain_boundary", "position": 1.5e-6, "size": w, "rate_factor": 2.0},
                     {"kind": "defect", "position": 1.5e-6, "size": R}]
    problem = problems.get("interphase")(load_config(data), MPI.COMM_SELF)
    problem.setup(problem.build_mesh())
    points = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, R], [1.5e-6, 1.2e-6, 3e-6], [0.6e-6, 1.8e-6, 3.6e-6],
                       [1.5e-6, 0.0, R]])
    factor = probe(problem.seed_factor, points[:4])
    for x, found in zip(points[:4], factor, strict=True):
        expected = 1 + 2 * math.exp(-(x @ x) / R**2) + math.exp(-((x[0] - 1.5e-6) / w) ** 2)
        assert found == pytest.approx(expected, rel=0.02), x
    # the factor-free defect's hemisphere: ξ = 1/2 at its radius below its centre
    assert probe(problem.xi, points[4:])[0] == pytest.approx(0.5, abs=0.05)
