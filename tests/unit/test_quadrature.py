"""Quadrature-point internal variables: updates, accept/reject, integration rule, checkpoints."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.mesh import MeshData
from battchem.output import Checkpoint
from battchem.quadrature import InternalVariable, measure, quadrature_space

SHAPES = {"scalar": (), "vector": (2,), "tensor": (3, 3)}


def field(x, shape):
    """A smooth field of ``shape`` on a 2-D mesh (not a polynomial: no rule integrates it exactly)."""
    s = ufl.sin(3 * x[0]) + x[1] ** 2 + 10 * x[0] * x[1]
    if shape == ():
        return s
    if shape == (2,):
        return ufl.as_vector([s, ufl.exp(x[0] - x[1])])
    return ufl.as_tensor([[s, x[0], 1.0], [x[1], 2 * s, 3.0], [4.0, ufl.cos(x[1]), s * s]])


@pytest.mark.mpi
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_update_accept_reject(shape):
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 3, 2)
    V = quadrature_space(msh, 2, shape)
    q = InternalVariable(V, "q")
    x = ufl.SpatialCoordinate(msh)
    q.update(field(x, shape))
    first = q.current.x.array.copy()
    assert np.all(q.old.x.array == 0.0) and np.abs(first).max() > 1.0
    q.accept()
    q.update(2 * field(x, shape))
    assert np.allclose(q.current.x.array, 2 * first, rtol=1e-15)
    q.reject()
    assert np.array_equal(q.current.x.array, first) and np.array_equal(q.old.x.array, first)
    with pytest.raises(ValueError):
        q.update(x[0] if shape else x)


@pytest.mark.mpi
def test_history_field_is_the_running_maximum():
    """H ← max(H_old, g(x, t)) over steps keeps the pointwise maximum over the accepted times; a
    rejected step leaves no trace."""
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 3, 3)
    V = quadrature_space(msh, 1)
    H = InternalVariable(V, "H")
    x = ufl.SpatialCoordinate(msh)
    t = fem.Constant(msh, 0.0)
    g = ufl.sin(5 * x[0] - 2 * t) * ufl.cos(3 * x[1] + t)
    update = ufl.max_value(H.old, g)
    points = fem.Function(quadrature_space(msh, 1, (2,)))
    points.interpolate(fem.Expression(x, V.element.interpolation_points()))
    xq = points.x.array.reshape(-1, 2)
    expected = np.zeros(len(xq))
    for k, tk in enumerate(np.linspace(0.1, 2.0, 9)):
        t.value = tk
        H.update(update)
        if k == 4:  # a rejected step, e.g. a failed Newton solve
            H.reject()
            continue
        H.accept()
        expected = np.maximum(expected, np.sin(5 * xq[:, 0] - 2 * tk) * np.cos(3 * xq[:, 1] + tk))
    # the same arithmetic in numpy and in the compiled kernel: round-off only
    assert np.allclose(H.current.x.array, expected, rtol=0, atol=1e-14)
    assert np.all(expected > 0)  # the maximum is active: the test would see a missing max_value


@pytest.mark.mpi
@pytest.mark.parametrize("degree", [1, 2, 4])
def test_measure_uses_the_points_of_the_space(degree):
    """∫ q dx with ``measure(degree)`` is the quadrature sum of the stored values: exact for a
    polynomial of that degree (interpolated at the points)."""
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0.0, 0.0], [2.0, 1.0]], [3, 2])
    V = quadrature_space(msh, degree)
    q = InternalVariable(V, "q")
    x = ufl.SpatialCoordinate(msh)
    q.update(x[0] ** degree + x[1])
    value = msh.comm.allreduce(fem.assemble_scalar(fem.form(q.current * measure(msh, degree))), op=MPI.SUM)
    exact = 2 ** (degree + 1) / (degree + 1) + 1.0  # ∫∫ x^k + y over [0, 2] x [0, 1]
    assert value == pytest.approx(exact, rel=1e-13)


@pytest.mark.mpi
def test_checkpoint_is_independent_of_the_number_of_ranks(shared_tmp):
    """Written on all ranks and read on rank 0 alone, then written on rank 0 alone and read on all
    ranks: the values match the field evaluated at the same points (under mpirun -n 2 this is
    2 → 1 → 2 ranks; serially 1 → 1 → 1)."""
    world, self_ = MPI.COMM_WORLD, MPI.COMM_SELF

    def variables(msh):
        x = ufl.SpatialCoordinate(msh)
        out = {}
        for key, shape in SHAPES.items():
            q = InternalVariable(quadrature_space(msh, 2, shape), key)
            q.update(field(x, shape))
            q.accept()
            out[key] = q
        return out

    def read_and_check(folder, comm):
        ckpt = Checkpoint(folder, comm)
        mesh_data = ckpt.read_mesh()
        expected = variables(mesh_data.mesh)
        read = {k: InternalVariable(q.V, k) for k, q in expected.items()}
        ckpt.read_functions({k: q.current for k, q in read.items()})
        for k, q in read.items():
            q.restored()
            # measured bit-identical: the same coordinates and arithmetic at the same points
            assert np.array_equal(q.current.x.array, expected[k].current.x.array), k
            assert np.array_equal(q.old.x.array, q.current.x.array)
        return mesh_data, read

    msh = mesh.create_unit_square(world, 5, 4, diagonal=mesh.DiagonalType.crossed)
    written = variables(msh)
    functions = {k: f for q in written.values() for k, f in q.checkpoint_functions().items()}
    Checkpoint(shared_tmp / "world", world).write(MeshData(msh, None, None), functions, {})
    if world.rank == 0:
        mesh_data, read = read_and_check(shared_tmp / "world", self_)
        functions = {k: q.current for k, q in read.items()}
        Checkpoint(shared_tmp / "self", self_).write(mesh_data, functions, {})
    world.barrier()
    read_and_check(shared_tmp / "self", world)
