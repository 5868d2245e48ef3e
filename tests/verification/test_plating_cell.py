"""plating, model cell_1d, against the closed forms of a binary electrolyte between two Li
electrodes (PHYSICS.md §2a; issue 9): Sand's time, the limiting current, the linear Butler–Volmer
regime, the ohmic drop, the pressure shift of the equilibrium potential, and a switch from
current to voltage control."""

import math

import numpy as np
import pytest

import battchem
from battchem.materials import ELECTROLYTES, FARADAY, GAS_CONSTANT, LITHIUM_INTERFACES
from battchem.problems.plating.cell import limiting_current, sand_time

NYMAN = {k: v.value for k, v in ELECTROLYTES["LiPF6_EC_EMC_Nyman2008"].values.items()}
XU = {k: v.value for k, v in LITHIUM_INTERFACES["Li_LiPF6_Xu2019"].values.items()}
RT_F = GAS_CONSTANT * 298.15 / FARADAY
QUIET = ["output.plots=false", "output.fields_every=0"]


def run(tmp, name, data, extra=()):
    base = {"problem": "plating", "model": "cell_1d", **data}
    result = battchem.run(base, tmp / name, [*QUIET, *extra], quiet=True)
    assert result.status == "completed", result.message
    return result


@pytest.mark.mpi
def test_sand_time(shared_tmp):
    """100 A/m² into a 1 mm cell: the working electrode is depleted at Sand's time
    t_s = π D (c0 F)²/(4 (i(1 − t₊))²) = 235.9 s. The cell is 5 diffusion lengths √(D t_s) thick,
    so it is semi-infinite to 1e-10; the run stops at c = 1e-4 c0, t = t_s (1 − 1e-4)² (−0.02 %);
    measured +0.04 %. Bound 1 % (the issue's)."""
    result = run(shared_tmp, "sand", {"cell": {"thickness": 1e-3},
                                      "operation": {"segments": [{"current_density": 100.0, "duration": 1e4}]}})
    expected = sand_time(NYMAN["D"], NYMAN["c0"], 100.0, NYMAN["t_plus"])
    assert expected == pytest.approx(235.87, rel=1e-3)
    assert result.manifest["stop_reason"].startswith("Sand's time")
    assert result.manifest["results"]["sand_time [s]"] == pytest.approx(expected, rel=0.01)
    assert result.manifest["stop_time"] == result.manifest["results"]["sand_time [s]"]
    # the voltage diverges as the surface empties: the last volt is spent in the final seconds
    v = result.series["voltage"]
    assert v[-1] < 2 * v[len(v) // 2] < 0


def test_limiting_current(tmp_path):
    """A 100 µm cell held at −1 V reaches the steady limiting current 2 c0 F D/((1 − t₊) L) =
    461 A/m², where the working electrode's concentration vanishes. After 10 diffusion times
    (L²/D = 57 s) the transient is e^(−10π²) away; the remaining gap is c_L/c0 ~ 1e-4 of the
    limit. Bound 1 %."""
    limit = limiting_current(NYMAN["D"], NYMAN["c0"], 1e-4, NYMAN["t_plus"])
    result = run(tmp_path, "limit", {
        "cell": {"thickness": 1e-4, "elements": 100},
        "operation": {"stop_at_depletion": False, "segments": [{"control": "voltage", "voltage": -1.0,
                                                                "duration": 600.0}]}})
    i = result.series["current_density"]
    assert i[-1] == pytest.approx(limit, rel=0.01)
    assert result.series["c_working"][-1] < 1e-2 * NYMAN["c0"]


def test_linear_butler_volmer_and_ohmic_drop(tmp_path):
    """After 1 µs of current the salt has not moved (Δc/c0 ~ 1e-6): the counter electrode's
    overpotential is the linear Butler–Volmer value RT i/(F i0) (i = 0.01 i0: the exact
    2RT/F asinh(i/2i0) differs by 4e-6 relative), and the drop across the electrolyte is the
    ohmic i L/κ (the diffusion potential is 1e-6 of it). Bounds 1e-3."""
    i0 = XU["exchange_current_density"]
    small = run(tmp_path, "linear", {"operation": {"segments": [{"current_density": 0.01 * i0, "duration": 1e-6}]},
                                     "stepping": {"dt_initial": 1e-6}})
    assert small.series["eta_counter"][-1] == pytest.approx(RT_F * 0.01, rel=1e-3)
    assert small.series["eta_working"][-1] == pytest.approx(-RT_F * 0.01, rel=1e-3)
    big = run(tmp_path, "ohmic", {"operation": {"segments": [{"current_density": 100.0, "duration": 1e-6}]},
                                  "stepping": {"dt_initial": 1e-6}})
    expected = 100.0 * 5e-4 / NYMAN["kappa"]
    assert big.series["electrolyte_drop"][-1] == pytest.approx(expected, rel=1e-3)
    assert big.series["ohmic_drop"][-1] == pytest.approx(expected, rel=1e-6)
    # and the exact Butler–Volmer value at i = 100/70.6 i0: (2RT/F) asinh(i/(2 i0))
    assert big.series["eta_counter"][-1] == pytest.approx(2 * RT_F * math.asinh(100.0 / (2 * i0)), rel=1e-3)


def test_pressure_shifts_the_equilibrium_potential_by_omega_p_over_F(tmp_path):
    """At rest, a pressure p on the working electrode only raises its Li chemical potential by Ω p:
    the open-circuit voltage is −Ω p/F exactly (−1.347 mV at 10 MPa, Ω = 13 cm³/mol). The same
    pressure on both electrodes leaves the cell voltage at 0. Bound 1e-9 V (Newton tolerance)."""
    rest = {"operation": {"segments": [{"control": "rest", "duration": 10.0}]}}
    one = run(tmp_path, "one", {**rest, "pressure": {"stack": 0.0, "working": 1e7}})
    expected = -XU["molar_volume"] * 1e7 / FARADAY
    assert expected == pytest.approx(-1.347e-3, rel=1e-3)
    assert np.abs(one.series["voltage"][1:] - expected).max() < 1e-9
    both = run(tmp_path, "both", {**rest, "pressure": {"stack": 1e7}})
    assert np.abs(both.series["voltage"]).max() < 1e-9


def test_current_then_voltage_control(tmp_path):
    """Constant current until |V| = 0.25 V, then the voltage held there: the control switches on
    the live solver (its Dirichlet set changes), the voltage stays at −0.25 V to round-off and
    the current decays as the salt profile relaxes."""
    result = run(tmp_path, "cccv", {"cell": {"thickness": 2e-4}, "operation": {"segments": [
        {"control": "current", "current_density": 200.0, "until_voltage": 0.25},
        {"control": "voltage", "voltage": -0.25, "duration": 20.0}]}})
    ends = result.manifest["results"]["segments"]
    assert ends[0]["end_reason"] == "|voltage| reached 0.25 V"
    switch = ends[0]["end_time [s]"]
    t, v, i = result.series["time"], result.series["voltage"], result.series["current_density"]
    at = int(np.argmin(np.abs(t - switch)))
    assert abs(v[at] + 0.25) < 0.25e-3  # landed on the cut-off within 0.1 % (LANDING_TOLERANCE)
    held = slice(at + 1, None)
    ramped = t[held] > switch + 1e-3  # the voltage reaches its set value after the 1 ms ramp
    assert np.abs(v[held][ramped] + 0.25).max() < 1e-9
    # measured: 200 → 187.5 A/m² over the 20 s hold, monotone
    assert i[held][-1] < 0.95 * i[held][0] and np.all(np.diff(i[held]) < 1e-9)


def test_restart_gives_the_uninterrupted_series(tmp_path):
    """Interrupted after 20 steps of a current-then-voltage protocol and continued: the schedule,
    the BDF2 history and the plated charge are restored, and the series is the uninterrupted one
    (the checkpoint holds the state exactly: only round-off of the re-assembled operators differs)."""
    data = {"problem": "plating", "model": "cell_1d", "cell": {"thickness": 2e-4},
            "operation": {"segments": [{"control": "current", "current_density": 200.0, "until_voltage": 0.25},
                                       {"control": "voltage", "voltage": -0.25, "duration": 20.0}]}}
    full = battchem.run(data, tmp_path / "full", QUIET, quiet=True)
    part = battchem.run(data, tmp_path / "part", [*QUIET, "stepping.max_steps=20"], quiet=True)
    assert part.status == "interrupted"
    rest = battchem.run(data, tmp_path / "part", QUIET, quiet=True, restart=True)
    assert rest.status == "completed" and len(rest.series["step"]) == len(full.series["step"])
    for name, ref in full.series.items():
        if name == "krylov_its":
            continue
        assert np.allclose(rest.series[name], ref, rtol=1e-8, atol=1e-10 * max(np.abs(ref).max(), 1e-30)), name


def test_bad_plating_input_names_the_key():
    from battchem.config import ConfigError
    from battchem.driver import load_config

    base = {"problem": "plating", "model": "cell_1d"}
    cases = [({"model": "dendrites"}, "unknown plating model"),
             ({"operation": {"segments": [{"control": "voltage", "duration": 1.0}]}}, "needs voltage"),
             ({"operation": {"segments": [{"control": "current", "current_density": 1.0}]}}, "duration or an end"),
             ({"electrolyte": {"D": 1e-10, "concentration_dependent": True}}, "electrolyte.D"),
             ({"electrolyte": {"t_plus": 1.0}}, "electrolyte.t_plus"),
             ({"cell": {"thickness": -1e-4}}, "cell.thickness")]
    for change, expected in cases:
        with pytest.raises(ConfigError) as exc:
            load_config({**base, **change})
        assert expected in str(exc.value) and "\n" not in str(exc.value), (change, str(exc.value))
