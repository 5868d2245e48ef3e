"""void_growth, model creep_contact (issue 11, item 4): conservation of Li, convergence of the
contact-fraction history in the time step and the mesh, restart, bad input.

A small plane-strain cell (one void 6 µm wide and 1.5 µm high every 20 µm, 10 µm of Li on 10 µm of
LLZO, Roy et al. 2021 creep) closing under 1 MPa; 1 vs 2 ranks and the whole pipeline are checked by
the gold series (tests/regression/inputs/void_creep_short.yaml)."""

from pathlib import Path

import numpy as np
import pytest

import battchem
from battchem.config import ConfigError
from battchem.driver import load_config
from battchem.materials import FARADAY

CELL = {"problem": "void_growth", "model": "creep_contact",
        "geometry": {"spacing": 20e-6, "li_thickness": 10e-6, "electrolyte_thickness": 10e-6,
                     "mesh_size": 0.5e-6,
                     "mesh_size_far": 2.5e-6},
        "voids": {"size": 6e-6, "height": 1.5e-6},
        "operation": {"stack_pressure": 1e6, "segments": [{"control": "rest", "duration": 1e4}]},
        "output": {"plots": False, "fields_every": 0}}
NO_REMESH = ["remesh.min_angle=0", "remesh.min_radius_ratio=0"]  # the same mesh for every time step


def run(tmp, name, overrides=(), data=CELL):
    result = battchem.run(data, tmp / name, list(overrides), quiet=True)
    assert result.status == "completed", result.message
    return result


@pytest.mark.mpi
def test_li_consumed_equals_charge_times_molar_volume(shared_tmp):
    """Stripping at 1 mA/cm² under 1 MPa until the void has closed (about 30 steps, one remesh, five
    closings): the Li lost by the body (its measured volume) equals ∫ j dt V_m/F, the charge of the
    galvanostatic counter side. Between them lie the transfer of j from the electrolyte to the Li's
    contact velocity, the incompressible flow, the moves with their volume correction, the closings and
    the remesh. Measured −1.2e-4 (without the per-step volume correction of the void surface the
    forward-Euler motion alone gave +1.3 %: the void shrinks 10 times faster than the Li is
    consumed); bound 1 % (the issue's)."""
    result = run(shared_tmp, "consumption", ["operation.segments.0.control=current",
                                             "operation.segments.0.current_density=10.0"])
    s = result.series
    assert result.manifest["stop_reason"].startswith("voids closed")
    charge = s["stripped_charge"][-1] * 10e-6  # C per m of depth over the 10 µm cell
    expected = charge * 1.30e-5 / FARADAY
    assert s["stripped_charge"][-1] == pytest.approx(10.0 * s["time"][-1], rel=1e-12, abs=0)
    print(f"consumed {s['consumed_volume'][-1]:.6e} m^2, charge x V_m/F {expected:.6e} m^2, "
          f"{s['consumed_volume'][-1] / expected - 1:+.2e}")
    assert s["consumed_volume"][-1] == pytest.approx(expected, rel=0.01, abs=0)
    # the Li stayed in full contact (1 MPa supplies it at 1 mA/cm²) and the void closed
    assert np.all(s["active_fraction"] == s["touching_fraction"])
    assert s["contact_fraction"][-1] == pytest.approx(1.0, abs=1e-9)


def contact_history(result, times):
    s = result.series
    return np.interp(times, s["time"], s["contact_fraction"])


def l1(a, b, times):
    return float(np.trapezoid(np.abs(a - b), times) / (times[-1] - times[0]))


def test_contact_fraction_history_converges_with_the_time_step(tmp_path):
    """The void closing under 1 MPa without current, on one mesh, with the motion per step limited
    to 0.4, 0.2, 0.1 and 0.05 of the local edge: the L1 distance over [0, 1200 s] of the contact-
    fraction history to the finest run falls as the step falls (measured 0.0107, 0.0081, 0.0037:
    about first order, as the forward-Euler motion; the history is a staircase of one facet per
    closing, whose timing converges)."""
    times = np.linspace(0.0, 1200.0, 2401)
    runs = {t: run(tmp_path, f"dt_{t}", [*NO_REMESH, f"stepping.target_change={t}"]) for t in (0.4, 0.2,
                                                                                               0.1, 0.05)}
    reference = contact_history(runs[0.05], times)
    errors = [l1(contact_history(runs[t], times), reference, times) for t in (0.4, 0.2, 0.1)]
    print("contact-fraction L1 distances to target_change 0.05:", errors)
    assert errors[2] < errors[1] < errors[0], errors
    assert errors[0] / errors[2] > 2.5, errors  # 2.9 measured; first order, against an exact reference, 4


@pytest.mark.slow
def test_contact_fraction_history_converges_with_the_mesh(tmp_path):
    """The same closure on meshes of 0.5, 0.25 and 0.125 µm at the interface (time steps follow the
    edge length): the L1 distance between successive contact-fraction histories halves with h
    (the staircase of closings has steps of one facet). Measured 0.0080 and 0.0034 (ratio 0.43)."""
    times = np.linspace(0.0, 1200.0, 2401)
    histories = [contact_history(run(tmp_path, f"h_{h}", [*NO_REMESH, f"geometry.mesh_size={h}"]), times)
                 for h in (0.5e-6, 0.25e-6, 0.125e-6)]
    differences = [l1(histories[0], histories[1], times), l1(histories[1], histories[2], times)]
    print("contact-fraction L1 distances between successive meshes:", differences)
    assert differences[1] < 0.75 * differences[0], differences


def test_restart_gives_the_uninterrupted_series(tmp_path):
    data = {**CELL, "operation": {"stack_pressure": 1e6, "segments": [
        {"control": "current", "current_density": 10.0, "duration": 120.0}, {"control": "rest",
                                                                             "duration": 100.0}]}}
    full = run(tmp_path, "full", data=data)
    part = battchem.run(data, tmp_path / "part", ["stepping.max_steps=12"], quiet=True)
    assert part.status == "interrupted"
    rest = battchem.run(data, tmp_path / "part", quiet=True, restart=True)
    assert rest.status == "completed" and len(rest.series["step"]) == len(full.series["step"])
    # the checkpoint holds the geometry, the active set (facet tags) and v, p; φ is solved again
    # from them: the series agree to the solvers' tolerances (1e-9), far below any physical change
    for name in ("time", "contact_fraction", "void_volume", "consumed_volume", "cell_overpotential"):
        reference = full.series[name]
        assert np.allclose(rest.series[name], reference, rtol=1e-6, atol=1e-9 * np.abs(reference).max()), name


def test_restart_with_supply_limited_contact_gives_the_uninterrupted_series(tmp_path):
    """Stripping under 0.05 MPa at 1, 3 and 10 mA/cm² (20 s each): from the first step on most of the
    touching interface is supply-limited (contact fraction carrying current 0.684 against 0.700
    touching, 0.15 of the cell in full contact), and the fraction carrying current falls at each rise
    of the current (0.684, 0.682, 0.671; it is flat at a constant current, see docs/void_growth.md);
    the Li is remeshed once at 10 mA/cm². Interrupted at step 15 (3 mA/cm², between two falls) and
    restarted, the run must give the uninterrupted series: the checkpoint holds the geometry, the
    active set, v, p, the supply-limited fractions χ and the touching vertices of the last move,
    which weigh the Li consumed there (without them the void volume was off by 4.8e-3 from the first
    restarted step on, and the steps, the remesh and the contact fraction drifted after it).
    Measured: equal to rounding (2e-12 relative in the largest von Mises stress, 0 elsewhere); the
    bound 1e-9 is far below that 4.8e-3 and above the digits series.csv keeps."""
    data = {**CELL, "operation": {"stack_pressure": 5e4, "segments": [
        {"control": "current", "current_density": j, "duration": 20.0} for j in (10.0, 30.0, 100.0)]},
        "stepping": {"dt_max": 2.0}}
    full = run(tmp_path, "full", data=data)
    part = battchem.run(data, tmp_path / "part", ["stepping.max_steps=15"], quiet=True)
    assert part.status == "interrupted"
    s = part.series
    assert s["contact_fraction"][-1] < s["touching_fraction"][-1] - 0.01  # supply-limited at the checkpoint
    rest = battchem.run(data, tmp_path / "part", quiet=True, restart=True)
    assert rest.status == "completed" and len(rest.series["step"]) == len(full.series["step"])
    f = full.series
    after = f["contact_fraction"][len(s["step"]):]
    assert after.min() < s["contact_fraction"][-1] - 0.005  # it fell after the checkpoint (to 0.671)
    assert f["remeshes"][-1] >= 1 and s["remeshes"][-1] == 0  # the remesh comes after the restart
    for name in full.series:
        reference = f[name]
        assert np.allclose(rest.series[name], reference, rtol=1e-9, atol=1e-9 * np.abs(reference).max()), name
    # Li consumed = charge × V_m/F also with supply-limited contact and rising currents: measured
    # −2e-4 (each step's volume catches up with the rate at its end, and the supply-limited facets
    # count whole; before, −7.8 %: a step's worth of the new rate lost at each rise of the current
    # and at each newly supply-limited facet, half of the facets next to the contact missed); bound
    # 1 % (the issue's)
    expected = f["stripped_charge"][-1] * 10e-6 * 1.30e-5 / FARADAY  # per m of depth, 10 µm half cell
    assert f["consumed_volume"][-1] == pytest.approx(expected, rel=0.01, abs=0)


@pytest.mark.parametrize("change, message", [
    ({"voids": {"size": 30e-6}}, "leaves no contact"),
    ({"voids": {"height": 0.5e-6}}, "at least 2 elements"),
    ({"voids": {"shape": "patch"}}, "must be 0 for a patch"),
    ({"voids": {"shape": "cap", "size": 6e-6, "height": 4e-6}}, "at most a half disk"),
    ({"geometry": {"mesh_size": 5e-6}}, "mesh_size_far"),
    ({"creep": {"name": "Li_Masias2019"}}, "unknown licreep set"),
    ({"creep": {"exponent": 0.5}}, "creep.exponent"),
    ({"interface": {"kinetics": "tafel"}}, "interface.kinetics"),
    ({"operation": {"stack_pressure": -1.0}}, "operation.stack_pressure"),
    ({"operation": {"segments": [{"control": "rest", "current_density": 1.0, "duration": 1.0}]}},
     "no current_density"),
    ({"model": "creep"}, "unknown void_growth model"),
])
def test_bad_input_is_refused(change, message):
    data = {**CELL, **change}
    with pytest.raises(ConfigError, match=message):
        load_config(data)


def test_supply_limited_contact_survives_remeshing(tmp_path):
    """At 0.1 MPa and 1 mA/cm² (problems/void_creep_stripping.yaml) part of the touching contact is
    supply-limited (χ < 1) from the first step on. Remeshing after every step (min_angle 59°) must
    carry χ over to the new facets by position: the contact fraction carrying current stays where it
    is (0.724; with χ reset to 0 by a remesh it fell to 0.25, the fully supplied contact alone). The
    bound 1 % is far above its change over three steps (< 1e-4) and far below the 65 % drop."""
    path = Path(__file__).resolve().parents[2] / "problems" / "void_creep_stripping.yaml"
    result = battchem.run(path, tmp_path / "remesh", ["remesh.min_angle=59", "stepping.max_steps=3",
                                                      "output.plots=false", "output.fields_every=0"],
                          quiet=True)
    assert result.status == "interrupted", result.message
    s = result.series
    assert s["remeshes"][-1] == 3
    assert s["touching_fraction"][1] - s["contact_fraction"][1] > 0.02  # a supply-limited part exists
    assert np.allclose(s["contact_fraction"][1:], s["contact_fraction"][1], rtol=0.01, atol=0)
