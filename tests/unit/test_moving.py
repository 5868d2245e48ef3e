"""Moving meshes: exact area-preserving motions, cell quality, and the caches that follow a move
(measured geometry, projector mass matrix, Jacobian by key, rigid-body near-nullspace)."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.config import SolverConfig
from battchem.evaluation import MeasuredGeometry, integral
from battchem.mesh import MeshData, from_geo, from_model
from battchem.moving import (
    cell_quality,
    geometry_changed,
    geometry_revision,
    mesh_quality,
    move_mesh,
    move_mesh_by_velocity,
)
from battchem.solvers import NonlinearSolver, Projector, default_options, rigid_body_modes

SETTINGS = SolverConfig()


def _disk(comm=MPI.COMM_WORLD, h=0.1):
    return from_geo("disk", {"R": 1.0, "h": h, "quarter": 0}, comm, 2)


def _rotation(angle):
    """Displacement R(angle) x − x of a rigid rotation about the origin."""
    c, s = np.cos(angle), np.sin(angle)
    return lambda x: np.stack([(c - 1) * x[0] - s * x[1], s * x[0] + (c - 1) * x[1]])


@pytest.mark.mpi
def test_divergence_free_motion_keeps_the_area():
    """Rigid rotations (exact displacements) alternating with forward-Euler steps of the shear
    v = (γ y, 0) (∇v nilpotent, so x + Δt v is an exact area-preserving affine map) keep the area of
    the polygonal disk; the perimeter, which the shear changes, is recomputed by the cache."""
    data = _disk()
    measured = MeasuredGeometry(data)
    area0, perimeter0 = measured.volume(), measured.area("surface")
    perimeter_form = fem.form(1.0 * data.ds("surface"))
    shear = lambda x: np.stack([0.8 * x[1], np.zeros_like(x[0])])  # noqa: E731
    revision0 = geometry_revision(data.mesh)
    for _ in range(5):
        move_mesh(data.mesh, _rotation(0.3))
        move_mesh_by_velocity(data.mesh, shear, 0.1)
        # round-off only: each coordinate carries ~1e-16 relative error per step and the ~760 cell
        # areas sum with random signs, so 1e-12 relative leaves 100x margin after 10 moves
        assert abs(measured.volume() - area0) <= 1e-12 * area0
        assert measured.area("surface") == integral(perimeter_form, data.comm)
    assert geometry_revision(data.mesh) == revision0 + 10
    assert measured.area("surface") > 1.01 * perimeter0  # the shears stretched the boundary (by 1.7 %)
    assert mesh_quality(data.mesh).inverted == 0


@pytest.mark.mpi
def test_forward_euler_rotation_grows_the_area_by_one_plus_omega_dt_squared():
    """x ← x + Δt ω (−y, x) is the linear map I + Δt ω J with det = 1 + (ω Δt)², applied to a
    polygon: the area grows by exactly that factor per step (moving with a Function in the
    coordinate space, so the nodal-copy path is the one tested)."""
    data = _disk()
    measured = MeasuredGeometry(data)
    area0 = measured.volume()
    W = fem.functionspace(data.mesh, ("Lagrange", 1, (2,)))
    omega, dt, steps = 2.0, 0.05, 4
    v = fem.Function(W)
    for _ in range(steps):
        v.interpolate(lambda x: np.stack([-omega * x[1], omega * x[0]]))  # on the current nodes
        move_mesh_by_velocity(data.mesh, v, dt)
    expected = area0 * (1 + (omega * dt) ** 2) ** steps
    assert abs(measured.volume() - expected) <= 1e-12 * expected  # round-off (see above)


@pytest.mark.mpi
def test_motion_by_a_ufl_expression_and_by_a_p2_field():
    """Displacements given as a UFL expression or a P2 Function are interpolated into the P1
    coordinate space: the stretch x ↦ (1.1 x, 0.8 y) and its inverse, both linear, bring the nodes
    back to round-off."""
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 4, 4)
    x0 = msh.geometry.x.copy()
    x = ufl.SpatialCoordinate(msh)
    move_mesh(msh, ufl.as_vector((0.1 * x[0], -0.2 * x[1])))
    back = fem.Function(fem.functionspace(msh, ("Lagrange", 2, (2,))))
    back.interpolate(lambda y: np.stack([y[0] / 1.1 - y[0], y[1] / 0.8 - y[1]]))
    move_mesh(msh, back)
    assert np.abs(msh.geometry.x - x0).max() < 1e-14  # a few ulps of coordinates of size 1


def test_cell_quality_of_known_simplices():
    """Right isosceles triangles: smallest angle 45°, radius ratio 2(√2 − 1); Kuhn tetrahedra of the
    unit cube: smallest dihedral angle 45°, radius ratio √3 / (1 + √2); a mirrored mesh has every
    cell inverted."""
    square = mesh.create_unit_square(MPI.COMM_SELF, 3, 3)
    angle, ratio, volume = cell_quality(square)
    assert np.allclose(angle, 45.0) and np.allclose(ratio, 2 * (np.sqrt(2) - 1))
    assert np.allclose(np.abs(volume), 1 / 18)
    cube = mesh.create_unit_cube(MPI.COMM_SELF, 2, 2, 2)
    quality = mesh_quality(cube)
    assert np.isclose(quality.min_angle, 45.0)
    assert np.isclose(quality.min_radius_ratio, np.sqrt(3) / (1 + np.sqrt(2)))
    assert quality.inverted == 0 and quality.num_cells == 48 and not quality.degraded()
    move_mesh(square, lambda x: np.stack([-2 * x[0], np.zeros_like(x[1])]))  # x ↦ −x
    mirrored = mesh_quality(square)
    assert mirrored.inverted == mirrored.num_cells == 18 and mirrored.degraded()


@pytest.mark.mpi
def test_a_squashed_mesh_is_degraded():
    """y ↦ y/20 turns the right isosceles triangles into slivers with smallest angle atan(1/20)."""
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 4, 4)
    move_mesh(msh, lambda x: np.stack([np.zeros_like(x[0]), -0.95 * x[1]]))
    quality = mesh_quality(msh)
    assert np.isclose(quality.min_angle, np.degrees(np.arctan(1 / 20)))
    assert quality.inverted == 0 and quality.degraded(min_angle=10.0)


@pytest.mark.mpi
def test_projector_follows_the_moved_mesh():
    """Projecting 1 + x + 2y (in P1 on any affine mesh) after a non-affine move returns its nodal
    values, but only with the mass matrix reassembled: coordinates changed without telling
    (no geometry_changed) leave the stale matrix and an O(1e-2) error."""
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 8, 8)
    V = fem.functionspace(msh, ("Lagrange", 1))
    x = ufl.SpatialCoordinate(msh)
    projector = Projector(V, 1.0, ufl.dx, prefix="test_moving_projection_", settings=SETTINGS)
    p = projector.add(fem.Function(V, name="p"), 1 + x[0] + 2 * x[1])
    exact = fem.Function(V)

    def error():
        assert projector.project().converged
        exact.interpolate(lambda y: 1 + y[0] + 2 * y[1])
        return MPI.COMM_WORLD.allreduce(np.abs(p.x.array - exact.x.array).max(), op=MPI.MAX)

    assert error() < 1e-8  # CG + Jacobi on the mass matrix at rtol 1e-10, condition number ~ 10
    bump = lambda y: 0.1 * np.sin(np.pi * y[0]) * np.sin(np.pi * y[1])  # noqa: E731
    msh.geometry.x[:, 0] += bump(msh.geometry.x.T)  # moved behind the projector's back
    assert error() > 1e-3
    geometry_changed(msh)
    assert error() < 1e-8


@pytest.mark.mpi
def test_solver_with_a_jacobian_key_and_rigid_body_modes_follows_the_moved_mesh():
    """Linear elasticity, clamped on x = 0, on a square stretched to 9 x 1 and bent after the
    solver was built: the reused-by-key Jacobian is reassembled, the rigid-body modes are rebuilt
    from the new coordinates and GAMG reads them (it copies them at its first set-up and must be
    reset), so the moved solver matches one built after the move (53 Krylov iterations each,
    serial; 50-55 on 2 ranks depending on the partition), while a solver keeping the modes of the
    unit square needs 148 (146-152)."""
    settings = SolverConfig(linear_solver="iterative", rtol=1e-10)
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 32, 32)
    V = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    clamped = mesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 0))
    bc = fem.dirichletbc(np.zeros(2), fem.locate_dofs_topological(V, 1, clamped), V)
    eps = lambda w: ufl.sym(ufl.grad(w))  # noqa: E731

    def solver(prefix, modes):
        u, v = fem.Function(V), ufl.TestFunction(V)
        F = (2 * ufl.inner(eps(u), eps(v)) + ufl.div(u) * ufl.div(v)) * ufl.dx \
            - ufl.inner(ufl.as_vector((0.0, -1.0)), v) * ufl.dx
        options = default_options("elasticity", 10**6, settings)
        return u, NonlinearSolver(F, u, [bc], prefix=prefix, linear=True, jacobian_key=lambda: 0,
                                  options=options, near_nullspace=modes)

    u, moving = solver("test_moving_elasticity_", rigid_body_modes)
    _, stale = solver("test_moving_elasticity_stale_", rigid_body_modes(V))
    assert moving.solve().converged and stale.solve().converged
    move_mesh(msh, lambda x: np.stack([8 * x[0] + 0.3 * np.sin(np.pi * x[1]), np.zeros_like(x[1])]))
    u_fresh, fresh = solver("test_moving_elasticity_fresh_", rigid_body_modes)
    reports = {"moving": moving.solve(), "stale": stale.solve(), "fresh": fresh.solve()}
    assert all(r.converged for r in reports.values()) and moving.jacobian_assemblies == 2
    krylov = {name: r.krylov for name, r in reports.items()}
    # same matrix, same modes, fresh GAMG set-up: equal counts were observed on 1 and 2 ranks
    assert abs(krylov["moving"] - krylov["fresh"]) <= 2, krylov
    assert krylov["moving"] < 0.5 * krylov["stale"], krylov
    # both solved to rtol 1e-10 (residual), condition number ~1e4 for this mesh: 1e-6 relative
    diff = MPI.COMM_WORLD.allreduce(np.abs(u.x.array - u_fresh.x.array).max(), op=MPI.MAX)
    assert diff < 1e-6 * MPI.COMM_WORLD.allreduce(np.abs(u_fresh.x.array).max(), op=MPI.MAX)
    # the attached modes span the rigid-body modes of the moved coordinates
    attached = moving.A.getNearNullSpace().getVecs()
    for mode in rigid_body_modes(V).getVecs():
        rest = mode.copy()
        for w in attached:
            rest.axpy(-mode.dot(w), w)
        assert rest.norm() < 1e-12  # orthonormal bases of the same span: round-off


@pytest.mark.mpi
def test_gmsh_failure_on_rank_0_is_raised_on_every_rank():
    def build():
        raise ValueError("no geometry")

    # rank 0 re-raises the ValueError, the others a RuntimeError quoting it
    with pytest.raises((ValueError, RuntimeError), match="no geometry"):
        from_model(build, MPI.COMM_WORLD, 2)


def test_mesh_data_starts_at_generation_0():
    data = MeshData(mesh.create_unit_square(MPI.COMM_SELF, 2, 2), None, None)
    assert data.generation == 0 and geometry_revision(data.mesh) == 0
