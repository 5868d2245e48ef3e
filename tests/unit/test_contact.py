"""battchem.contact: the active set of a body against a rigid plane (no physics).

A unit square above the plane y = 0; its bottom is the potential contact boundary, split at x = 1/2
into ``free`` (x < 1/2) and ``contact`` (x > 1/2). Every number below is a count of facets or a
length on a uniform 8 x 8 mesh, so the assertions are exact (round-off only)."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem import moving
from battchem.contact import ActiveSet, Plane, unit_normal_component, vertex_marker
from battchem.mesh import MeshData

N = 8


def square():
    msh = mesh.create_unit_square(MPI.COMM_WORLD, N, N)
    fdim = 1
    msh.topology.create_connectivity(fdim, 2)
    bottom = mesh.locate_entities_boundary(msh, fdim, lambda x: np.isclose(x[1], 0.0))
    mid = mesh.compute_midpoints(msh, fdim, bottom)[:, 0]
    top = mesh.locate_entities_boundary(msh, fdim, lambda x: np.isclose(x[1], 1.0))
    facets = np.concatenate([bottom, top])
    values = np.concatenate([np.where(mid > 0.5, 1, 2), np.full(len(top), 3)]).astype(np.int32)
    order = np.argsort(facets)
    tags = mesh.meshtags(msh, fdim, facets[order].astype(np.int32), values[order])
    return MeshData(msh, None, tags, {}, {"contact": 1, "free": 2, "top": 3})


def nodes_of(msh, vertices):
    """Geometry nodes of vertex indices."""
    if not len(vertices):
        return np.zeros(0, dtype=np.int32)
    msh.topology.create_connectivity(0, 2)
    return mesh.entities_to_geometry(msh, 0, np.asarray(vertices, dtype=np.int32)).ravel()


def total(comm, n):
    return comm.allreduce(int(n), op=MPI.SUM)


@pytest.mark.mpi
def test_groups_measure_and_edges():
    md = square()
    active = ActiveSet(md, Plane((0.0, 0.0), (0.0, 1.0)))
    comm = md.comm
    assert total(comm, len(active.facets("contact"))) == N // 2
    assert total(comm, len(active.facets("free"))) == N // 2
    assert active.measure() == pytest.approx(0.5, abs=1e-14)
    # the contact line: the one vertex at (1/2, 0), seen by every rank that holds it
    edge = active.edge_vertices()
    x = md.mesh.geometry.x
    points = x[nodes_of(md.mesh, edge)]
    assert np.allclose(points[:, :2], [0.5, 0.0])
    assert comm.allreduce(len(edge), op=MPI.MAX) == 1
    # midpoint values of an expression, evaluated in each facet's own cell
    X = ufl.SpatialCoordinate(md.mesh)
    values = active.facet_midpoint_values(X[0])
    assert np.allclose(np.sort(values) % (1.0 / N), 0.5 / N)
    assert np.all(values > 0.5)


@pytest.mark.mpi
def test_opening_closing_and_projection():
    md = square()
    active = ActiveSet(md, Plane((0.0, 0.0), (0.0, 1.0)))
    comm = md.comm
    # every free facet lies on the plane: closing the touching ones makes the whole bottom contact
    assert active.close_touching() == N // 2
    assert active.measure() == pytest.approx(1.0, abs=1e-14)
    assert active.revision == 1
    # open where a "tension" (here the midpoint x) exceeds 3/4: the two last facets
    X = ufl.SpatialCoordinate(md.mesh)
    tension = active.facet_midpoint_values(X[0])
    assert active.open_tensile(tension, threshold=0.75) == 2
    assert active.measure() == pytest.approx(0.75, abs=1e-14)
    assert total(comm, len(active.facets("free"))) == 2
    # the tags keep their names and values; other groups are untouched
    assert total(comm, len(md.facets("top"))) == N
    # lift the free part by 0.1 (a gap), push one node of it below the plane, project it back
    x = md.mesh.geometry.x
    free_nodes = vertex_marker(md, active.facets("free")) & ~vertex_marker(md, active.facets("contact"))
    nodes = nodes_of(md.mesh, np.flatnonzero(free_nodes).astype(np.int32))
    x[nodes, 1] += 0.1
    moving.geometry_changed(md.mesh)
    assert not active.touching(active.facets("free")).any()
    assert active.close_touching() == 0
    below = nodes[np.isclose(x[nodes, 0], 1.0)]  # the corner (1, 0.1) goes to (1, -0.05)
    x[below, 1] = -0.05
    moved = active.project_penetrating()
    assert comm.allreduce(moved, op=MPI.MAX) >= 1
    assert np.allclose(x[below, 1], 0.0)
    # the facet from (7/8, 0.1) to (1, 0) touches with one vertex only: still free
    assert active.close_touching() == 0
    x[nodes, 1] = 0.0
    moving.geometry_changed(md.mesh)
    assert active.close_touching() == 2
    assert active.measure() == pytest.approx(1.0, abs=1e-14)


def test_normal_traction_and_bad_input():
    md = square()
    active = ActiveSet(md, Plane((0.0, 0.0), (0.0, 1.0)))
    sigma = ufl.as_tensor([[1.0, 2.0], [2.0, -3.0]])
    tn = unit_normal_component(sigma, (0.0, 1.0))
    assert float(fem.assemble_scalar(fem.form(tn * ufl.dx(domain=md.mesh)))) == pytest.approx(-3.0)
    with pytest.raises(ValueError, match="tension values"):
        active.open_tensile(np.zeros(len(active.facets("contact")) + 1))
    with pytest.raises(KeyError, match="no facet group 'touch'"):
        ActiveSet(md, Plane((0.0, 0.0), (0.0, 1.0)), contact="touch")
