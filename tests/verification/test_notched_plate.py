"""notched_plate against Miehe, Hofacker & Welschinger (2010) and against itself:

- coarse tension (make test): peak force within 10 % of the published 0.70 kN per mm thickness
  at U ≈ 5.5e-3 mm, energy balance before the peak, dissipated energy ≈ G_c × ligament at the
  end, horizontal crack;
- the documented tension input (slow): the same checks on l = 0.0075 mm;
- history field and variational inequality on the same plate (slow);
- 1 rank vs 2 ranks (mpi): same series.
"""

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

import battchem
from battchem.driver import load_config
from battchem.output import Checkpoint
from battchem.problems.notched_plate import (
    PUBLISHED_TENSION_PEAK,
    PUBLISHED_TENSION_PEAK_DISPLACEMENT,
    NotchedPlate,
)

ROOT = Path(__file__).resolve().parents[2]
COARSE = ROOT / "problems" / "notched_plate_tension_coarse.yaml"
DOCUMENTED = ROOT / "problems" / "notched_plate_tension.yaml"
QUIET = ["output.plots=false", "output.fields_every=0"]


def shared_dir(factory, name: str, comm=MPI.COMM_WORLD) -> Path:
    """A temporary folder with the same path on every rank of ``comm``."""
    path = str(factory.mktemp(name)) if comm.rank == 0 else None
    return Path(comm.bcast(path, root=0))


def final_damage(outdir: Path, comm=MPI.COMM_WORLD):
    """(x, y, d) of the damage dofs at the end of a run, gathered on every rank."""
    checkpoint = Checkpoint(outdir / "checkpoint", comm)
    problem = NotchedPlate(load_config(outdir / "config.yaml"), comm)
    problem.setup(checkpoint.read_mesh())
    checkpoint.read_functions(problem.state_functions())
    V = problem.Vd
    n = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n]
    parts = comm.allgather((x[:, 0], x[:, 1], problem.core.d.x.array[:n]))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def check_tension(result, side=1e-3, notch=0.5e-3):
    """The checks shared by the coarse and the documented tension runs; returns the peak."""
    cfg = load_config(result.outdir / "config.yaml")
    s = result.series
    b = cfg.geometry.thickness
    assert result.status == "completed", result.manifest.get("message")
    i = int(np.argmax(s["force"]))
    peak, u_peak = s["force"][i] / b, s["displacement"][i]
    # 10 %: the regularised model overestimates the peak on meshes with h = ℓ/2 (the discrete
    # toughness is G_c (1 + h/2ℓ), Bourdin et al. 2008) and the published value is read from a
    # curve; this is the tolerance the benchmark is quoted with in PHYSICS.md
    assert peak == pytest.approx(PUBLISHED_TENSION_PEAK, rel=0.10), f"peak {peak / 1e6:.4f} kN/mm"
    # the pre-peak response is almost linear, so U at the peak follows the force: same 10 %
    assert u_peak == pytest.approx(PUBLISHED_TENSION_PEAK_DISPLACEMENT, rel=0.10)

    # energy balance up to the peak: external work ∫F dU (trapezoid over ≥ 100 steps of a nearly
    # linear curve, quadrature error < 1e-5) = stored + dissipated energy (gradient damage
    # evolution is energy conserving while stable); 1e-4 covers the stagger tolerance
    increments = 0.5 * (s["force"][1:] + s["force"][:-1]) * np.diff(s["displacement"])
    work = np.concatenate([[0.0], np.cumsum(increments)])
    total = s["elastic_energy"] + s["fracture_energy"]
    assert total[i] == pytest.approx(work[i], rel=1e-4)
    # the unstable crack run releases energy: stored + dissipated never exceeds the work
    assert np.all(total <= work * (1 + 1e-4) + 1e-12)

    # broken: force below 5 % of the peak, and the dissipated energy is G_c × the new crack
    # (the ligament) × b, times the discrete amplification 1 + h/(2ℓ) of AT2 on a crack that is
    # one element wide (Bourdin et al. 2008); 10 % for the tortuosity of a crack on an
    # unstructured mesh and the diffuse ends at the notch tip and the right edge
    assert s["force"][-1] < 0.05 * s["force"][i]
    h, ell = cfg.geometry.h_band, cfg.fracture.length_scale
    expected = cfg.fracture.Gc * (side - notch) * b * (1 + h / (2 * ell))
    assert s["fracture_energy"][-1] == pytest.approx(expected, rel=0.10)

    # horizontal crack: the broken band (d > 0.9) lies within 2ℓ of y = L/2 and spans the ligament
    x, y, d = final_damage(result.outdir)
    broken = d > 0.9
    assert np.abs(y[broken] - side / 2).max() < 2 * ell + h
    assert x[broken].min() < notch + 2 * h and x[broken].max() > side - 2 * h
    return peak, u_peak


@pytest.fixture(scope="module")
def coarse_tension(tmp_path_factory):
    return battchem.run(COARSE, shared_dir(tmp_path_factory, "coarse"), ["output.plots=false"], quiet=True)


def test_coarse_tension_against_miehe(coarse_tension):
    check_tension(coarse_tension)


def test_coarse_tension_outputs(coarse_tension):
    """Series columns (stable names, SI units) and the solver bookkeeping."""
    from battchem.output import series_units

    units = series_units(coarse_tension.outdir / "series.csv")
    expected = {"displacement": "m", "force": "N", "elastic_energy": "J", "fracture_energy": "J",
                "crack_measure": "m", "damage_max": "-"}
    for name, unit in expected.items():
        assert units.get(name) == unit, (name, units)
    for name in ("step", "time", "dt", "stagger_its", "newton_its", "krylov_its"):
        assert name in units
    s = coarse_tension.series
    assert np.all(np.diff(s["displacement"]) > 0)
    assert s["stagger_its"].max() > 10  # the crack run needs many sweeps: the stagger is not fixed-count
    # the crack runs through the ligament at a fixed load: the step it runs in is solved through at
    # its first shorter retry, not cut back to dt_min = 1e-9 m (before: 7 rejections, the last step
    # at 1e-9 m; now 2 rejections, one of them the stable growth before the run)
    assert coarse_tension.manifest["steps"]["rejected"] <= 3
    assert s["dt"][1:].min() > 10 * load_config(COARSE).stepping.dt_min
    assert coarse_tension.manifest["solvers"]["damage"]["failures"] == 0


@pytest.mark.slow
def test_documented_tension_against_miehe(tmp_path_factory):
    result = battchem.run(DOCUMENTED, shared_dir(tmp_path_factory, "documented"), QUIET, quiet=True)
    check_tension(result)


@pytest.mark.slow
def test_history_and_variational_inequality_agree(tmp_path_factory, coarse_tension):
    """The two irreversibility methods on the coarse plate: same peak within 2 % (they differ by
    the irreversibility of the driving force: H never decreases, ψ⁺ may; before the peak the
    loading is monotone and the damage zone small, so the two are close)."""
    result = battchem.run(COARSE, shared_dir(tmp_path_factory, "vi"),
                          QUIET + ["fracture.irreversibility=variational_inequality"], quiet=True)
    assert result.status == "completed"
    peak_vi = result.series["force"].max()
    peak_history = coarse_tension.series["force"].max()
    assert peak_vi == pytest.approx(peak_history, rel=0.02)


# --------------------------------------------------------------------------------------------
# 1 rank vs 2 ranks

SMALL = QUIET + ["fracture.length_scale=3e-5", "geometry.h_band=1.5e-5", "geometry.h_far=1e-4",
                 "geometry.band_half_width=1e-4", "stepping.dt_max=1e-7", "loading.end_displacement=6.5e-6"]


@pytest.mark.mpi
def test_same_series_on_one_and_two_ranks(tmp_path_factory):
    """The small plate (ℓ = 0.03 mm, h = ℓ/2, ~1e3 nodes, through crack initiation and the
    unstable crack run) gives the same series on COMM_SELF and COMM_WORLD."""
    world = MPI.COMM_WORLD
    serial_dir = Path(str(tmp_path_factory.mktemp(f"self{world.rank}")))
    one = battchem.run(COARSE, serial_dir, SMALL, comm=MPI.COMM_SELF, quiet=True)
    many = battchem.run(COARSE, shared_dir(tmp_path_factory, "world"), SMALL, comm=world, quiet=True)
    assert one.status == many.status == "completed"
    assert "specimen broken" in one.manifest["message"] and "specimen broken" in many.manifest["message"]
    assert len(one.series["step"]) == len(many.series["step"])
    for name in ("displacement", "force", "elastic_energy", "fracture_energy", "crack_measure", "damage_max"):
        a, b = one.series[name], many.series[name]
        # MUMPS in both runs: the partitions change only the round-off (~1e-12), which the
        # staggered iterations (tolerance 1e-4) do not amplify as long as the iteration counts
        # agree; 1e-8 of the largest value still catches any partition-dependent term
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8 * np.abs(a).max(), err_msg=name)
    np.testing.assert_array_equal(one.series["stagger_its"], many.series["stagger_its"])
