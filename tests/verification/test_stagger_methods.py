"""The staggered methods of the fracture core (``fracture.stagger``: plain, overrelaxed, anderson,
adaptive; ``fracture.monolithic_switch``: Newton on (u, d) once the sweeps stall) give the plain loop's
converged answers: peak force, dissipated energy and crack path on the notched
plate (small in ``make test``, coarse in the slow set) and the cracking disk (slow); the damage never
decreases from one accepted step to the next with any method and either irreversibility."""

from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

import battchem

ROOT = Path(__file__).resolve().parents[2]
SMALL_PLATE = ROOT / "tests" / "regression" / "inputs" / "notched_plate_small.yaml"
COARSE_PLATE = ROOT / "problems" / "notched_plate_tension_coarse.yaml"
DEMO_DISK = ROOT / "problems" / "demo_particle_disk_crack.yaml"
QUIET = ["output.plots=false", "output.fields_every=0", "output.checkpoint_every=0"]
# anderson_newton: the anderson stagger switched to Newton after 10 stalled sweeps; newton_fails: the
# same with a Newton made to fail (one iteration allowed towards an unreachable tolerance), so every
# switch must fall back
METHODS = {"anderson_newton": ["fracture.stagger=anderson", "fracture.monolithic_switch=10"],
           "newton_fails": ["fracture.stagger=anderson", "fracture.monolithic_switch=10",
                            "solver.petsc_options={fracture: {snes_max_it: 1, snes_atol: 1e-300}}"]}


def run(source, outdir, overrides):
    """Run; return the result, the smallest d_{n+1} − d_n over the nodes and accepted steps, and the
    final damage with its node coordinates (gathered on every rank)."""
    state = {"previous": None, "decrease": np.inf, "newton": []}

    def observer(problem, t, step):
        core = problem.core
        n = core.Vd.dofmap.index_map.size_local
        d = core.d.x.array[:n].copy()
        if state["previous"] is not None:
            state["decrease"] = min(state["decrease"], float((d - state["previous"]).min(initial=np.inf)))
        state["previous"] = d
        state["x"] = core.Vd.tabulate_dof_coordinates()[:n]
        state["newton"].append(core.last.newton)

    result = battchem.run(source, outdir, QUIET + overrides, quiet=True, observer=observer)
    comm = MPI.COMM_WORLD
    smallest = comm.allreduce(state["decrease"], op=MPI.MIN)
    x = np.concatenate(comm.allgather(state["x"]))
    d = np.concatenate(comm.allgather(state["previous"]))
    result.newton_outcomes = state["newton"]  # the monolithic switch's outcome per accepted step
    return result, smallest, x, d


class SmallPlate:
    """The small plate to failure with a method, each run once per module and only when asked."""

    def __init__(self, factory):
        self.factory, self.runs = factory, {}

    def __getitem__(self, method):
        if method not in self.runs:
            comm = MPI.COMM_WORLD
            path = str(self.factory.mktemp(method)) if comm.rank == 0 else None
            self.runs[method] = run(SMALL_PLATE, Path(comm.bcast(path, root=0)), [
                *METHODS.get(method, [f"fracture.stagger={method}"]), "loading.end_displacement=6.5e-6"])
        return self.runs[method]


@pytest.fixture(scope="module")
def small_plate(tmp_path_factory):
    return SmallPlate(tmp_path_factory)


def peak(result):
    i = int(np.argmax(result.series["force"]))
    return result.series["force"][i], result.series["displacement"][i]


def broken_band(x, d):
    """Lowest and highest y of the broken nodes (d > 0.9)."""
    y = x[d > 0.9, 1]
    return y.min(), y.max()


def compare_plates(reference, other, h):
    """Same peak (0.5 %: the issue's bound; the methods stop at different iterates within
    stagger_tol = 1e-4 of ‖Δd‖∞ and of the u-residual, which moves the peak by far less), same U
    at the peak (within one load step), same dissipated energy at the end (1 %: the broken band's
    energy depends on where in the last step's sweeps the crack ran through, within a few
    elements of the ~130-element ligament) and the same crack (the broken band within one
    element h of the plain one)."""
    (r0, _, x0, d0), (r1, _, x1, d1) = reference, other
    assert r0.status == r1.status == "completed"
    f0, u0 = peak(r0)
    f1, u1 = peak(r1)
    assert f1 == pytest.approx(f0, rel=5e-3)
    assert abs(u1 - u0) <= r0.series["dt"][1:].max() * (1 + 1e-9)
    e0, e1 = r0.series["fracture_energy"][-1], r1.series["fracture_energy"][-1]
    assert e1 == pytest.approx(e0, rel=1e-2)
    for a, b in zip(broken_band(x0, d0), broken_band(x1, d1)):
        assert abs(a - b) <= h


ACCELERATED = ["anderson", "adaptive", "anderson_newton", pytest.param("overrelaxed", marks=pytest.mark.slow)]


@pytest.mark.parametrize("method", ACCELERATED)
def test_accelerated_methods_reproduce_the_plain_plate(small_plate, method):
    compare_plates(small_plate["plain"], small_plate[method], h=1.5e-5)


@pytest.mark.parametrize("method", ACCELERATED)
def test_accelerated_methods_need_fewer_sweeps(small_plate, method):
    """What the methods are for: fewer sweeps at the failure step (the crack runs through the
    ligament at a fixed load) and in total (all attempts, rejected steps included)."""
    plain, fast = small_plate["plain"][0], small_plate[method][0]
    assert fast.series["stagger_its"].max() < plain.series["stagger_its"].max()
    assert fast.manifest["solvers"]["stagger"]["iterations"] < plain.manifest["solvers"]["stagger"]["iterations"]


@pytest.mark.parametrize("method", ["plain", *ACCELERATED])
def test_damage_never_decreases_with_history(small_plate, method):
    """History field, AT2: the d-step's P1 solution is raised to d_n where it would dip below it
    (no discrete maximum principle), so d_{n+1} ≥ d_n exactly, whatever the method."""
    assert small_plate[method][1] >= 0.0


@pytest.mark.parametrize("method", ["plain", *ACCELERATED])
def test_damage_never_decreases_with_the_variational_inequality(shared_tmp, method):
    """The variational inequality bounds d_n ≤ d ≤ 1 (and the accelerated iterates are clipped to
    them): d_{n+1} ≥ d_n exactly (SNES VI keeps the iterates within the bounds). The first 45
    steps of the small plate (damage growing in front of the notch to d_max ≈ 0.2)."""
    result, smallest, _, _ = run(SMALL_PLATE, shared_tmp / method, [
        *METHODS.get(method, [f"fracture.stagger={method}"]),
        "fracture.irreversibility=variational_inequality", "stepping.max_steps=45"])
    assert result.status == "interrupted" and result.series["damage_max"][-1] > 0.15
    assert smallest >= 0.0


@pytest.fixture(scope="module")
def coarse_plate(tmp_path_factory):
    """The coarse plate of `make test` (ℓ/h = 2) run to failure once per method and module."""
    runs = {}

    def get(method):
        if method not in runs:
            path = str(tmp_path_factory.mktemp(method)) if MPI.COMM_WORLD.rank == 0 else None
            outdir = Path(MPI.COMM_WORLD.bcast(path, root=0))
            runs[method] = run(COARSE_PLATE, outdir, [f"fracture.stagger={method}"])
        return runs[method]
    return get


@pytest.mark.slow
@pytest.mark.parametrize("method", ["anderson", "adaptive"])
def test_coarse_plate_same_answer_as_plain(coarse_plate, method):
    """The coarse plate with plain sweeps and with anderson and the default method (adaptive): the
    plain answer (:func:`compare_plates`), and the damage never decreases from one step to the next."""
    compare_plates(coarse_plate("plain"), coarse_plate(method), h=7.5e-6)
    assert coarse_plate(method)[1] >= 0.0


@pytest.mark.slow
def test_adaptive_stagger_shortens_the_failure_step(coarse_plate):
    """What ``adaptive`` is for: the coarse plate's failure step (the crack runs through the ligament
    at a fixed load) in about 100 sweeps (measured 106, against plain 525 and anderson 239; bound
    130: room for round-off in the iterates, far below anderson), with fewer sweeps in all
    (680 against 819 measured)."""
    adaptive, anderson = coarse_plate("adaptive")[0], coarse_plate("anderson")[0]
    assert adaptive.series["stagger_its"].max() <= 130
    total = [r.manifest["solvers"]["stagger"]["iterations"] for r in (adaptive, anderson)]
    assert total[0] < total[1]


@pytest.mark.slow
@pytest.mark.parametrize("cells", [4, 5])
def test_adaptive_stagger_failure_step_at_finer_bands(tmp_path_factory, cells):
    """The coarse plate refined to ℓ/h = 4, 5 in the band (geometry.h_band = ℓ/4, ℓ/5): the failure
    step in 113, 114 sweeps measured. Without the rule that ends the extrapolations once the crack
    has run through (``_ARREST_FRACTION``) they overshot the stable state after it and cycled until
    the 300-sweep stall rule: 431 at ℓ/h = 4 before the unstable-jump rule, 453 at ℓ/h = 5 after it.
    Bound 140: room for round-off in the iterates, far below those."""
    path = str(tmp_path_factory.mktemp(f"band{cells}")) if MPI.COMM_WORLD.rank == 0 else None
    outdir = Path(MPI.COMM_WORLD.bcast(path, root=0))
    overrides = ["fracture.stagger=adaptive", f"geometry.h_band={1.5e-5 / cells:.6e}"]  # ℓ = 1.5e-5 m
    result, smallest, _, _ = run(COARSE_PLATE, outdir, overrides)
    assert result.status == "completed"
    assert result.series["stagger_its"].max() <= 140
    assert smallest >= 0.0


@pytest.mark.slow
def test_cracking_disk_same_answer_as_plain(tmp_path_factory):
    """The demo's cracking disk (make demo): crack initiation time, final crack measure and the
    largest sweep count, plain against the default method. Initiation within one step; Γ_ℓ within
    1 % (the crack runs through the same diameter; the end state differs within the stagger
    tolerance)."""
    out = {}
    for method in ("plain", "adaptive"):
        path = str(tmp_path_factory.mktemp(method)) if MPI.COMM_WORLD.rank == 0 else None
        out[method] = run(DEMO_DISK, Path(MPI.COMM_WORLD.bcast(path, root=0)), [f"fracture.stagger={method}"])
    (r0, dec0, _, _), (r1, dec1, _, _) = out["plain"], out["adaptive"]
    assert r0.status == r1.status == "completed"
    s0, s1 = r0.series, r1.series
    t0, t1 = s0["crack_initiation_time"][-1], s1["crack_initiation_time"][-1]
    assert np.isfinite(t0) and abs(t1 - t0) <= s0["dt"][1:].max()
    assert s1["crack_measure"][-1] == pytest.approx(s0["crack_measure"][-1], rel=1e-2)
    assert dec0 >= 0.0 and dec1 >= 0.0


@pytest.mark.mpi
def test_monolithic_switch_triggers_and_converges(small_plate):
    """The switch fires in the stalled steps after the peak and its Newton solutions are kept there
    (measured: 3 of 15 attempts), which saves sweeps against the same stagger without it (978
    against 1102 in all; not at the failure step: 405 against 394); the answer is the plain loop's
    (test above)."""
    newton, anderson = small_plate["anderson_newton"][0], small_plate["anderson"][0]
    assert newton.newton_outcomes.count("converged") >= 1
    stats = newton.manifest["solvers"]["fracture"]
    assert stats["solves"] > stats["failures"]
    sweeps = [r.manifest["solvers"]["stagger"]["iterations"] for r in (newton, anderson)]
    assert sweeps[0] < sweeps[1]


@pytest.mark.mpi
def test_monolithic_switch_falls_back_to_the_stagger(small_plate):
    """A Newton that fails (one iteration allowed, tolerance 1e-300) restores u, d and H, and the
    sweeps go on as without the switch: the same accepted steps, sweeps and answer as the same
    stagger (anderson) without it: the same sweeps exactly and the same forces to rounding (serially
    bitwise; on 2 ranks 1e-12 relative was measured in one step of 63, cause not traced; bound 1e-9)."""
    failing, anderson = small_plate["newton_fails"][0], small_plate["anderson"][0]
    stats = failing.manifest["solvers"]["fracture"]
    assert stats["solves"] >= 1 and stats["failures"] == stats["solves"]
    assert "converged" not in failing.newton_outcomes and any(failing.newton_outcomes)
    np.testing.assert_array_equal(failing.series["stagger_its"], anderson.series["stagger_its"])
    np.testing.assert_allclose(failing.series["force"], anderson.series["force"], rtol=1e-9, atol=0)
