"""Seeded noise (battchem.noise): the same field on any number of ranks, reproducible per (seed,
step), standard normal statistics."""

import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.noise import NoiseField, input_keys, splitmix64, standard_normal

pytestmark = pytest.mark.mpi


def test_splitmix64_reference_values():
    """First outputs of SplitMix64 seeded with 0 (the generator's state advances by the golden
    gamma; these are the published first values of Vigna's reference implementation)."""
    gamma = 0x9E3779B97F4A7C15
    states = np.array([(k * gamma) % 2**64 for k in range(3)], dtype=np.uint64)
    out = splitmix64(states)
    assert [int(v) for v in out] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_standard_normal_statistics():
    """Mean, variance and a tail fraction of 2e5 draws (tolerances 5 standard errors: sd(mean) =
    1/√N = 2.2e-3, sd(var) = √(2/N) = 3.2e-3, sd(P(|z| > 2)) = √(p(1−p)/N) = 4.7e-4)."""
    z = standard_normal(seed=7, step=3, keys=np.arange(200_000))
    assert abs(z.mean()) < 5 * 2.2e-3
    assert abs(z.var() - 1) < 5 * 3.2e-3
    assert abs(np.mean(np.abs(z) > 2) - 0.0455) < 5 * 4.7e-4
    # independent across steps, seeds and keys: correlations of the order of 1/√N
    assert abs(np.corrcoef(z, standard_normal(7, 4, np.arange(200_000)))[0, 1]) < 5 * 2.2e-3
    assert abs(np.corrcoef(z, standard_normal(8, 3, np.arange(200_000)))[0, 1]) < 5 * 2.2e-3
    assert abs(np.corrcoef(z[:-1], z[1:])[0, 1]) < 5 * 2.2e-3


def gathered(f: fem.Function) -> np.ndarray:
    """Owned values of f ordered by their input key, gathered on every rank."""
    V = f.function_space
    n = V.dofmap.index_map.size_local
    keys = input_keys(V)[:n]
    pairs = V.mesh.comm.allgather((keys, f.x.array[:n].copy()))
    k = np.concatenate([p[0] for p in pairs])
    v = np.concatenate([p[1] for p in pairs])
    return v[np.argsort(k)]


@pytest.mark.parametrize("element", [("DG", 0), ("Lagrange", 1)])
def test_same_field_on_any_number_of_ranks(element):
    """The field drawn on COMM_WORLD equals the field drawn on a serial copy of the same mesh,
    value by value (exact: the values are pure functions of the keys)."""
    def field(comm):
        msh = mesh.create_rectangle(comm, [[0, 0], [2, 1]], [24, 12], diagonal=mesh.DiagonalType.crossed)
        noise = NoiseField(fem.functionspace(msh, element), seed=42)
        return gathered(noise.draw(step=5))

    parallel, serial = field(MPI.COMM_WORLD), field(MPI.COMM_SELF)
    assert parallel.size == serial.size
    assert np.array_equal(parallel, serial)


def test_p1_keys_follow_the_vertices():
    """A P1 dof's key is the input index of the vertex it sits on: two dofs with the same key are
    at the same point (ghosts) and the keys of the owned dofs are all different."""
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 6, 5)
    V = fem.functionspace(msh, ("Lagrange", 1))
    keys = input_keys(V)
    x = V.tabulate_dof_coordinates()
    n = V.dofmap.index_map.size_local
    owned = msh.comm.allgather((keys[:n], x[:n]))
    all_keys = np.concatenate([k for k, _ in owned])
    all_x = np.concatenate([p for _, p in owned])
    assert np.unique(all_keys).size == all_keys.size == 7 * 6
    order = np.argsort(all_keys)
    reference = mesh.create_unit_square(MPI.COMM_SELF, 6, 5)
    by_input = np.argsort(reference.geometry.input_global_indices)
    assert np.allclose(all_x[order], reference.geometry.x[by_input])


def test_redraw_changes_and_reproduces():
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 8, 8)
    noise = NoiseField(fem.functionspace(msh, ("DG", 0)), seed=1)
    a = noise.draw(1).x.array.copy()
    b = noise.draw(2).x.array.copy()
    assert not np.allclose(a, b)
    assert np.array_equal(noise.draw(1).x.array, a)
    with pytest.raises(ValueError, match="DG0 space, or a P1"):
        NoiseField(fem.functionspace(msh, ("Lagrange", 2)), seed=1)
