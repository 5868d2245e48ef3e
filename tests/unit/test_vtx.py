"""Fields read back from VTX files (battchem.vtx): P2 and P1-vector fields that the elements
represent exactly, and a DG0 field, written by FieldWriter on 1 or 2 ranks at two times and read on
every rank alone, evaluate to the exact functions (round-off) at any point, whatever the number of
ranks that wrote them."""

import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.output import FieldWriter
from battchem.sampling import PointSampler
from battchem.vtx import VTXFile, vtk_grid


def quadratic(x, t):  # exactly P2
    return t * (1 + x[0] ** 2 - 3 * x[0] * x[1] + 0.5 * x[1])


def linear_vector(x, t):  # exactly P1
    return np.stack([t * (x[0] - 2 * x[1]), 1 + t * x[1]])


def write_fields(folder, comm):
    msh = mesh.create_unit_square(comm, 8, 5, cell_type=mesh.CellType.triangle)
    c = fem.Function(fem.functionspace(msh, ("Lagrange", 2)), name="c")
    u = fem.Function(fem.functionspace(msh, ("Lagrange", 1, (2,))), name="u")
    phase = fem.Function(fem.functionspace(msh, ("DG", 0)), name="phase")
    writer = FieldWriter(folder / "fields.bp", [c, u, phase], comm)
    for t in (1.0, 2.5):
        c.interpolate(lambda x, t=t: quadratic(x, t))
        u.interpolate(lambda x, t=t: linear_vector(x, t))
        # constant in each cell: the cells (x in steps of 1/8) do not straddle x = k/4
        phase.interpolate(lambda x, t=t: t * np.floor(4 * x[0]))
        writer.write(t)
    writer.close()
    comm.barrier()
    return writer.files


@pytest.mark.mpi
def test_written_fields_read_back_exactly_on_every_rank(shared_tmp):
    files = {f.name: f for f in write_fields(shared_tmp, MPI.COMM_WORLD)}
    assert set(files) == {"fields_P2.bp", "fields_P1_vector.bp", "fields_DG0.bp"}
    rng = np.random.default_rng(3)
    points = np.column_stack([rng.uniform(0, 1, (40, 2)), np.zeros(40)])
    for path, name, exact in (("fields_P2.bp", "c", quadratic), ("fields_P1_vector.bp", "u", linear_vector)):
        vtx = VTXFile(files[path])
        assert vtx.times == [1.0, 2.5] and vtx.names == [name]
        for step, t in enumerate(vtx.times):
            f = vtx.function(name, step)  # on a serial mesh: no collective call
            assert f.function_space.mesh.comm.size == 1
            values = PointSampler(f.function_space.mesh, points)(f)
            expected = exact(points.T, t).T
            if values.ndim > 1:  # VTX writes a 2-D vector with 3 components, the third zero
                assert np.all(values[:, 2] == 0.0)
                values = values[:, :2]
            # the nodal values are stored as doubles; evaluation at a point: round-off of O(1) values
            assert np.max(np.abs(values - expected)) < 1e-12, (name, t)
    dg = VTXFile(files["fields_DG0.bp"])
    f = dg.function("phase", 1)
    mids = np.array([[0.1, 0.5, 0], [0.3, 0.2, 0], [0.6, 0.9, 0], [0.9, 0.1, 0]])
    assert np.array_equal(PointSampler(f.function_space.mesh, mids)(f), 2.5 * np.array([0, 1, 2, 3]))
    grid = vtk_grid(VTXFile(files["fields_P2.bp"]), 0)
    assert grid.n_cells == 80 and "c" in grid.point_data  # 8 x 5 squares, two triangles each


def test_reading_a_missing_field_names_the_ones_there(shared_tmp):
    files = write_fields(shared_tmp, MPI.COMM_SELF)
    vtx = VTXFile(files[0])
    with pytest.raises(KeyError, match=r"holds no field 'nope' \(it holds: c\)"):
        vtx.values("nope", 0)
