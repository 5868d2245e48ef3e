"""Outputs and checkpoints of any field (issue 8, capability 4): VTX files grouped by mesh and
element (Taylor–Hood sub-functions, DG0 and P1 side by side), the static geometry written once,
and checkpoints of Lagrange, mixed, DG0 and quadrature functions that restore them exactly."""

import basix.ufl
import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem import quadrature
from battchem.mesh import MeshData
from battchem.output import Checkpoint, FieldWriter


def fields(comm):
    msh = mesh.create_unit_square(comm, 6, 6)
    cell = msh.basix_cell()
    taylor_hood = basix.ufl.mixed_element([basix.ufl.element("Lagrange", cell, 2, shape=(2,)),
                                           basix.ufl.element("Lagrange", cell, 1)])
    w = fem.Function(fem.functionspace(msh, taylor_hood), name="flow")
    w.sub_names = ["velocity", "pressure"]
    w.sub(0).interpolate(lambda x: np.vstack([x[1], -x[0]]))
    w.sub(1).interpolate(lambda x: x[0] + 2 * x[1])
    c = fem.Function(fem.functionspace(msh, ("Lagrange", 1)), name="concentration")
    c.interpolate(lambda x: np.sin(x[0]) + x[1] ** 2)
    phase = fem.Function(fem.functionspace(msh, ("DG", 0)), name="phase")
    phase.interpolate(lambda x: (x[0] > 0.5).astype(float))
    creep = fem.Function(quadrature.quadrature_space(msh, 2), name="creep_strain")
    creep.x.array[:] = np.arange(creep.x.array.size) * 1e-3 + comm.rank
    return msh, w, c, phase, creep


@pytest.mark.mpi
def test_fields_are_grouped_by_element(shared_tmp):
    msh, w, c, phase, _ = fields(MPI.COMM_WORLD)
    writer = FieldWriter(shared_tmp / "fields" / "fields.bp", [w, c, phase], msh.comm)
    for t in (0.0, 1.0, 1.0, 2.0):  # a repeated time is written once
        writer.write(t)
    writer.close()
    names = sorted(p.name for p in writer.files)
    assert names == ["fields_DG0.bp", "fields_P1.bp", "fields_P2_vector.bp"]
    assert all(p.is_dir() for p in writer.files) and writer.times == [0.0, 1.0, 2.0]
    single = FieldWriter(shared_tmp / "one" / "fields.bp", [c], msh.comm)
    single.write(0.0)
    single.close()
    assert [p.name for p in single.files] == ["fields.bp"]


def test_quadrature_functions_are_refused_with_a_reason(tmp_path):
    msh, *_, creep = fields(MPI.COMM_SELF)
    with pytest.raises(ValueError, match="quadrature"):
        FieldWriter(tmp_path / "fields.bp", [creep], msh.comm)


def fingerprint(f) -> float:
    """∫ f · ψ(x) dx with a smooth weight ψ: independent of the dof numbering, but changed by any
    misplaced value (the quadrature function with its own measure)."""
    import ufl

    msh = f.function_space.mesh
    x = ufl.SpatialCoordinate(msh)
    shape = f.ufl_shape
    weight = 1 + x[0] + 2 * x[1] if not shape else ufl.as_vector([1 + x[0], 2 - x[1]] + [0.5] * (shape[0] - 2))
    dx = quadrature.measure(msh, 2) if "creep" in f.name else ufl.dx(domain=msh, metadata={"quadrature_degree": 6})
    value = fem.assemble_scalar(fem.form(ufl.inner(f, weight) * dx))
    return msh.comm.allreduce(value, op=MPI.SUM)


@pytest.mark.mpi
def test_checkpoint_restores_every_kind_of_field(shared_tmp):
    """Taylor–Hood, P1, DG0 and quadrature-point functions read back from a checkpoint onto the
    checkpointed mesh: every fingerprint equal to round-off (ADIOS2 stores the doubles exactly)."""
    comm = MPI.COMM_WORLD
    msh, w, c, phase, creep = fields(comm)
    velocity, pressure = w.sub(0).collapse(), w.sub(1).collapse()
    state = {"flow": w, "concentration": c, "phase": phase, "creep_strain": creep}
    before = {"velocity": fingerprint(velocity), "pressure": fingerprint(pressure), "concentration": fingerprint(c),
              "phase": fingerprint(phase), "creep_strain": fingerprint(creep)}
    checkpoint = Checkpoint(shared_tmp / "checkpoint", comm)
    checkpoint.write(MeshData(msh, None, None), state, {"time": 1.5})
    msh2 = checkpoint.read_mesh().mesh
    restored = {name: fem.Function(fem.functionspace(msh2, f.function_space.ufl_element()), name=f.name)
                for name, f in state.items()}
    checkpoint.read_functions(restored)
    after = {"velocity": fingerprint(restored["flow"].sub(0).collapse()),
             "pressure": fingerprint(restored["flow"].sub(1).collapse()),
             "concentration": fingerprint(restored["concentration"]), "phase": fingerprint(restored["phase"]),
             "creep_strain": fingerprint(restored["creep_strain"])}
    for name, value in before.items():
        assert after[name] == pytest.approx(value, rel=1e-13, abs=1e-15), name
    assert checkpoint.read_meta()["scalars"]["time"] == 1.5
