"""Anderson mixing (battchem.acceleration) on fixed-point maps with known solutions, serial and
distributed."""

import numpy as np
import pytest
from mpi4py import MPI

from battchem.acceleration import AndersonMixing

N = 8


def contraction(seed: int = 0):
    """x ↦ A x + b with A symmetric, eigenvalues 0.5 … 0.99 (plain iteration: error × 0.99 per
    step) and its fixed point x* = (I − A)⁻¹ b."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(N, N)))[0]
    A = Q @ np.diag(np.linspace(0.5, 0.99, N)) @ Q.T
    b = rng.normal(size=N)
    return A, b, np.linalg.solve(np.eye(N) - A, b)


def iterate(mixing, A, b, steps, part=slice(None)):
    """Fixed-point iterations with ``mixing`` on the rows ``part`` of a vector replicated on the
    ranks of ``mixing.comm`` (each rank owns its slice, as a distributed field)."""
    x = np.zeros(N)
    history = []
    for _ in range(steps):
        g = A @ x + b
        owned = mixing.step(x[part], g[part])
        x = np.concatenate(mixing.comm.allgather(owned))
        history.append(x.copy())
    return history


def test_depth_n_solves_a_linear_map_in_n_plus_one_steps():
    """Type-II Anderson with depth m ≥ n is a secant method that spans the whole space after n + 1
    residuals: exact (to round-off amplified by the conditioning of the differences) on a linear
    map, where the plain iteration has only reduced the error by 0.99^10 ≈ 0.9."""
    A, b, x_star = contraction()
    exact = iterate(AndersonMixing(N, MPI.COMM_SELF, rcond=0.0), A, b, N + 2)[-1]
    # 1e-8: the Gram matrix of the residual differences has a condition number of about 1e8 here
    assert np.linalg.norm(exact - x_star) < 1e-8 * np.linalg.norm(x_star)
    plain = iterate(AndersonMixing(0, MPI.COMM_SELF), A, b, N + 2)[-1]
    assert np.linalg.norm(plain - x_star) > 0.5 * np.linalg.norm(x_star)


def test_small_depth_accelerates():
    """Depth 3 on the same map: error below 1e-6 in 60 steps; the plain iteration after 60 steps
    still has 0.99^60 ≈ 0.55 of its slowest component."""
    A, b, x_star = contraction(1)
    fast = iterate(AndersonMixing(3, MPI.COMM_SELF), A, b, 60)[-1]
    assert np.linalg.norm(fast - x_star) < 1e-6 * np.linalg.norm(x_star)
    plain = iterate(AndersonMixing(0, MPI.COMM_SELF), A, b, 60)[-1]
    assert np.linalg.norm(plain - x_star) > 1e-2 * np.linalg.norm(x_star)


def test_repeated_pairs_are_dropped_not_solved():
    """A stagnating iteration repeats (x, g): the zero differences must be dropped (a singular
    least-squares problem otherwise), which makes the step the plain one, g."""
    mixing = AndersonMixing(4, MPI.COMM_SELF)
    x, g = np.array([0.0, 1.0]), np.array([0.5, 1.5])
    mixing.step(x, g)
    out = mixing.step(x, g)
    assert np.array_equal(out, g) and np.all(mixing.coefficients == 0)
    mixing.reset()
    assert len(mixing) == 0


@pytest.mark.mpi
def test_distributed_iterates_equal_the_serial_ones():
    """The vector split over the ranks of COMM_WORLD (each rank its own rows) gives the serial
    iterates: the least-squares coefficients come from global inner products. 1e-12 relative:
    the partial sums are added in another order."""
    comm = MPI.COMM_WORLD
    A, b, _ = contraction(2)
    bounds = np.linspace(0, N, comm.size + 1).astype(int)
    part = slice(bounds[comm.rank], bounds[comm.rank + 1])
    many = iterate(AndersonMixing(3, comm), A, b, 25, part)
    one = iterate(AndersonMixing(3, MPI.COMM_SELF), A, b, 25)
    for a, c in zip(many, one):
        np.testing.assert_allclose(a, c, rtol=0, atol=1e-12 * np.abs(c).max())


def test_negative_depth_is_refused():
    with pytest.raises(ValueError, match="depth"):
        AndersonMixing(-1, MPI.COMM_SELF)
