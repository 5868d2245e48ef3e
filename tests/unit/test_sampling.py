"""Line sampler and profile CSVs: exact values, NaN outside, the same bytes on 1 and N ranks."""

import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.sampling import LineSampler, PointSampler, ProfileField, ProfileWriter, read_profiles


def quadratic(x):
    return 1 + x[0] ** 2 - 0.5 * x[0] * x[1] + 0.25 * x[1] ** 2


def fields(msh):
    """A P2 scalar holding a quadratic exactly, a P1 vector holding a linear field, and a DG0
    field equal to each cell's midpoint x + 10 y (discontinuous across every facet)."""
    c = fem.Function(fem.functionspace(msh, ("Lagrange", 2)), name="c")
    c.interpolate(quadratic)
    u = fem.Function(fem.functionspace(msh, ("Lagrange", 1, (2,))), name="u")
    u.interpolate(lambda x: np.vstack([2 * x[0] - x[1], 0.5 + x[1]]))
    d = fem.Function(fem.functionspace(msh, ("DG", 0)), name="d")
    d.interpolate(lambda x: x[0] + 10 * x[1])
    return c, u, d


def unit_square(comm):
    return mesh.create_unit_square(comm, 4, 4, diagonal=mesh.DiagonalType.crossed)


@pytest.mark.mpi
def test_exact_values_and_outside_points():
    msh = unit_square(MPI.COMM_WORLD)
    c, u, _ = fields(msh)
    sampler = LineSampler(msh, [-0.1, 0.05], [0.9, 1.05], 21)  # first and last points outside
    x = sampler.points
    assert sampler.s[-1] == pytest.approx(np.sqrt(2.0), rel=1e-15)
    tol = 1e-12  # points 2 and 19 are on the boundary, up to round-off
    inside = (x[:, 0] >= -tol) & (x[:, 0] <= 1 + tol) & (x[:, 1] >= -tol) & (x[:, 1] <= 1 + tol)
    assert inside.sum() == 18 and np.array_equal(sampler.found, inside)
    cv, uv = sampler(c), sampler(u)
    assert cv.shape == (21,) and uv.shape == (21, 2)
    # the fields are in their spaces: evaluation is exact up to round-off of O(1) values
    assert np.allclose(cv[inside], quadratic(x[inside].T), rtol=0, atol=1e-13)
    assert np.allclose(uv[inside], np.column_stack([2 * x[inside, 0] - x[inside, 1], 0.5 + x[inside, 1]]),
                       rtol=0, atol=1e-13)
    assert np.all(np.isnan(cv[~inside])) and np.all(np.isnan(uv[~inside]))
    # the same points given directly (2-D coordinates are padded with z = 0)
    assert np.array_equal(PointSampler(msh, x[:, :2])(c), cv, equal_nan=True)


@pytest.mark.mpi
def test_discontinuous_field_on_facets_takes_the_first_cell():
    """Points on facets and vertices (y = 0.5 is a mesh line) take the cell with the smallest
    midpoint, lexicographically: the same value on any partition."""
    msh = unit_square(MPI.COMM_WORLD)
    _, _, d = fields(msh)
    sampler = LineSampler(msh, [0.0, 0.5], [1.0, 0.5], 9)
    values = sampler(d)
    # Squares of side h = 1/4 cut by both diagonals. A point (x, 1/2) lies in the top triangle of
    # the square below it (midpoint (x_c, 1/2 − h/6)) and the bottom triangle of the one above
    # (x_c, 1/2 + h/6); at a vertex also in the side triangles (x_c ± h/3, 1/2 ± h/2) of the four
    # squares around it, and the top triangle of the lower-left square, whose midpoint x is the
    # smallest. So: x_c = h/2 + h max(0, ⌈x/h⌉ − 1) below the line, except at x = 0, where the
    # left triangle of the lower square (h/6, 1/2 − h/2) comes first.
    h, xs = 0.25, sampler.points[:, 0]
    x_c = h / 2 + h * np.maximum(0, np.ceil(xs / h - 1e-12) - 1)
    expected = x_c + 10 * (0.5 - h / 6)
    expected[0] = h / 6 + 10 * (0.5 - h / 2)
    assert np.allclose(values, expected, rtol=1e-14), (values, expected)
    serial = None
    if MPI.COMM_WORLD.rank == 0:
        local = unit_square(MPI.COMM_SELF)
        serial = LineSampler(local, [0.0, 0.5], [1.0, 0.5], 9)(fields(local)[2])
    serial = MPI.COMM_WORLD.bcast(serial, root=0)
    assert np.array_equal(values, serial)


@pytest.mark.mpi
def test_profile_csv_is_the_same_on_any_number_of_ranks(shared_tmp):
    world = MPI.COMM_WORLD

    def write(comm, outdir):
        msh = unit_square(comm)
        c, u, d = fields(msh)
        sampler = LineSampler(msh, [0.0, 0.0], [1.0, 1.0], 11)
        writer = ProfileWriter(outdir, "diagonal", sampler,
                               [ProfileField("c", c, "mol/m^3"), ProfileField("u", u, "m", ("x", "y")),
                                ProfileField("d", d)], times=[0.5, 1.0])
        written = []
        for t in [0.25, 0.5, 0.75, 1.0 + 1e-13, 1.0]:
            c.x.array[:] *= 2  # the field changes between output times
            written.append(writer.write(t))
        assert written == [False, True, False, True, False]  # 1 + 1e-13 is the output time 1
        return writer.path

    path = write(world, shared_tmp / "world")
    if world.rank == 0:
        serial = write(MPI.COMM_SELF, shared_tmp / "self")
        assert path.read_bytes() == serial.read_bytes()
        header = path.read_text().splitlines()[0]
        assert header == "time [s],s [m],x [m],y [m],z [m],c [mol/m^3],u_x [m],u_y [m],d"
        data = read_profiles(path)
        assert len(data["time"]) == 22 and set(data["time"]) == {0.5, 1.0}
        early = data["time"] == 0.5
        # c doubled once before t = 0.25 and once before 0.5: 4 × the quadratic at t = 0.5, and
        # 16 × at t = 1; %.12g printing: relative 1e-12
        assert np.allclose(data["c"][early], 4 * quadratic(np.vstack([data["x"][early], data["y"][early]])),
                           rtol=1e-11)
        assert np.allclose(data["s"][:11], np.linspace(0, np.sqrt(2), 11), rtol=1e-11)
    world.barrier()


def test_resume_keeps_rows_up_to_the_restart_time(tmp_path):
    msh = unit_square(MPI.COMM_SELF)
    c, _, _ = fields(msh)
    sampler = LineSampler(msh, [0.0, 0.0], [1.0, 0.0], 3)
    writer = ProfileWriter(tmp_path, "bottom", sampler, [ProfileField("c", c)])
    for t in (1.0, 2.0, 3.0):
        writer.write(t)
    again = ProfileWriter(tmp_path, "bottom", sampler, [ProfileField("c", c)], resume_time=2.0)
    assert not again.due(2.0) and again.due(2.5)
    again.write(2.5)
    assert list(read_profiles(writer.path)["time"]) == [1.0] * 3 + [2.0] * 3 + [2.5] * 3
