"""Unilateral contact of a body with a rigid plane: the active set of contact facets.

The part of the body's boundary that may touch the plane is split into two facet groups, ``contact``
(active: the body touches the plane, a condition such as a prescribed normal velocity holds there)
and ``free`` (inactive: traction free). The split is the active set; it changes by two rules:

- **opening**: a contact facet where the normal traction would turn tensile (a value given per
  facet, tension positive, above a threshold) becomes free;
- **closing**: a free facet whose vertices have all reached the plane (gap ≤ tolerance) becomes
  contact; nodes that crossed the plane during a move are first put back onto it.

The gap of a point x is g(x) = (x − x₀)·n with n the plane's unit normal pointing into the body.
The active set lives in the mesh's facet tags (the two groups keep their names and tag values), so
checkpoints and remeshing (``battchem.remesh`` keeps facet groups) carry it along. Forms and
boundary conditions built on the groups must be rebuilt when :attr:`ActiveSet.revision` changes.

Every decision depends only on coordinates and on values computed in the facet's own cell, so it is
the same on any number of ranks. No physics here: what the normal traction is and what holds on the
contact belong to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import basix
import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from battchem.mesh import MeshData
from battchem.moving import geometry_changed


@dataclass(frozen=True)
class Plane:
    """The rigid plane through ``point`` with unit ``normal`` pointing into the body."""

    point: tuple[float, ...]
    normal: tuple[float, ...]

    def gap(self, x: np.ndarray) -> np.ndarray:
        """g = (x − x₀)·n for points x of shape (m, ≥ gdim)."""
        n = np.asarray(self.normal, dtype=float)
        x0 = np.asarray(self.point, dtype=float)
        return (x[:, : len(n)] - x0) @ n


class ActiveSet:
    """Active set of the facet groups ``contact`` and ``free`` of ``md`` against ``plane``.

    ``tolerance``: a vertex whose gap is at most this touches the plane (default 1e-9 times the
    extent of the mesh, i.e. round-off of coordinates that were put onto the plane).
    """

    def __init__(self, md: MeshData, plane: Plane, *, contact: str = "contact", free: str = "free",
                 tolerance: float | None = None):
        for name in (contact, free):
            if name not in md.facet_names:
                raise KeyError(f"no facet group {name!r} (have: {', '.join(md.facet_names)})")
        self.md, self.plane = md, plane
        self.names = (contact, free)
        self.tags = (md.facet_names[contact], md.facet_names[free])
        msh = md.mesh
        fdim = msh.topology.dim - 1
        msh.topology.create_connectivity(fdim, 0)
        msh.topology.create_connectivity(fdim, msh.topology.dim)
        msh.topology.create_connectivity(msh.topology.dim, fdim)
        if tolerance is None:
            x = msh.geometry.x
            extent = np.ptp(x, axis=0).max() if len(x) else 0.0
            tolerance = 1e-9 * msh.comm.allreduce(extent, op=MPI.MAX)
        self.tolerance = float(tolerance)
        self.revision = 0  # counts changes of the active set (rebuild forms/conditions on a change)
        # compiled midpoint expressions, keyed by (id of the UFL expression, local facet); the UFL
        # expression is kept alongside so that its id cannot be reused while cached
        self._expressions: dict[tuple[int, int], tuple] = {}

    # the two groups ---------------------------------------------------------------------
    def facets(self, which: str = "contact") -> np.ndarray:
        """Local indices of the contact (``"contact"``) or free (``"free"``) facets."""
        return self.md.facets(self.names[0] if which == "contact" else self.names[1])

    def vertices(self, facets: np.ndarray) -> np.ndarray:
        """Vertices of ``facets``, shape (facets, vertices per facet)."""
        msh = self.md.mesh
        f2v = msh.topology.connectivity(msh.topology.dim - 1, 0)
        per = f2v.offsets[1] - f2v.offsets[0] if len(f2v.offsets) > 1 else 0
        return f2v.array.reshape(-1, per)[facets] if len(facets) else np.zeros((0, max(per, 1)), np.int32)

    def edge_vertices(self) -> np.ndarray:
        """Vertices shared by a contact and a free facet (the contact lines; points in 2-D), local
        indices on every rank that holds both facets (a marker scattered over the vertex map)."""
        contact = vertex_marker(self.md, self.facets("contact"))
        free = vertex_marker(self.md, self.facets("free"))
        return np.flatnonzero(contact & free).astype(np.int32)

    def gaps(self, vertices: np.ndarray) -> np.ndarray:
        """Gap of each vertex index in ``vertices`` (any shape)."""
        msh = self.md.mesh
        vertices = np.asarray(vertices, dtype=np.int32)
        if vertices.size == 0:
            return np.zeros(vertices.shape)
        nodes = dmesh.entities_to_geometry(msh, 0, vertices.ravel()).ravel()
        return self.plane.gap(msh.geometry.x[nodes]).reshape(vertices.shape)

    def measure(self, weight=None) -> float:
        """∫ w ds over the contact facets (their length in 2-D, area in 3-D; w = 1 by default)."""
        w = 1.0 if weight is None else weight
        form = fem.form(w * self.md.ds(self.names[0]))
        return self.md.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)

    # the two rules ------------------------------------------------------------------------
    def project_penetrating(self) -> int:
        """Put every geometry node that lies beyond the plane (g < 0) back onto it; returns how many
        nodes were moved (over all ranks, shared nodes counted once per rank that holds them).
        Declares the geometry changed when any moved. Collective."""
        msh = self.md.mesh
        x = msh.geometry.x
        g = self.plane.gap(x)
        beyond = np.flatnonzero(g < 0.0)
        n = np.asarray(self.plane.normal, dtype=float)
        if beyond.size:
            x[beyond, : len(n)] -= g[beyond, None] * n[None, :]
        moved = msh.comm.allreduce(int(beyond.size), op=MPI.SUM)
        if moved:
            geometry_changed(msh)
        return moved

    def touching(self, facets: np.ndarray) -> np.ndarray:
        """Per facet of ``facets``: all its vertices touch the plane (gap ≤ tolerance)."""
        facets = np.asarray(facets, dtype=np.int32)
        if not len(facets):
            return np.zeros(0, dtype=bool)
        return np.all(self.gaps(self.vertices(facets)) <= self.tolerance, axis=1)

    def close(self, mask: np.ndarray) -> int:
        """The free facets selected by ``mask`` (one flag per facet of ``facets("free")``) become
        contact facets; returns their number over all ranks. Collective."""
        free = self.facets("free")
        return self._move(free[np.asarray(mask, dtype=bool)], to="contact")

    def open(self, mask: np.ndarray) -> int:
        """The contact facets selected by ``mask`` (one flag per facet of ``facets("contact")``)
        become free; returns their number over all ranks. Collective."""
        contact = self.facets("contact")
        return self._move(contact[np.asarray(mask, dtype=bool)], to="free")

    def close_touching(self) -> int:
        """Free facets whose vertices all touch the plane become contact facets; returns their
        number over all ranks. Collective."""
        return self.close(self.touching(self.facets("free")))

    def open_tensile(self, tension: np.ndarray, threshold: float = 0.0) -> int:
        """Contact facets whose ``tension`` (one value per facet of ``facets("contact")``, the
        normal traction with tension positive) exceeds ``threshold`` become free; returns their
        number over all ranks. Collective."""
        contact = self.facets("contact")
        if len(tension) != len(contact):
            raise ValueError(f"{len(tension)} tension values for {len(contact)} contact facets")
        return self.open(np.asarray(tension) > threshold)

    def set_contact(self, contact: np.ndarray) -> int:
        """Make exactly the local facets ``contact`` (a subset of the two groups) the contact set;
        returns the number of facets that changed group over all ranks. Collective."""
        contact = np.asarray(contact, dtype=np.int32)
        free = np.setdiff1d(self.facets("contact"), contact)
        return self._move(np.setdiff1d(contact, self.facets("contact")), to="contact") + \
            self._move(free, to="free")

    def facet_midpoint_values(self, expression, facets: np.ndarray | None = None) -> np.ndarray:
        """Values of the scalar UFL ``expression`` at the midpoints of ``facets`` (default: the
        contact facets), each evaluated in the facet's own cell (for a field discontinuous between
        cells, the boundary cell's value). Collective (the expression is compiled on every rank, one
        per local facet position, even where a rank has no facet)."""
        facets = self.facets("contact") if facets is None else np.asarray(facets, dtype=np.int32)
        msh = self.md.mesh
        compiled = []
        for k, midpoint in enumerate(_facet_midpoints(msh)):
            key = (id(expression), k)
            if key not in self._expressions:
                self._expressions[key] = (expression, fem.Expression(expression, midpoint[None, :]))
            compiled.append(self._expressions[key][1])
        values = np.zeros(len(facets))
        if not len(facets):
            return values
        tdim = msh.topology.dim
        f2c = msh.topology.connectivity(tdim - 1, tdim)
        c2f = msh.topology.connectivity(tdim, tdim - 1)
        cells = f2c.array[f2c.offsets[facets]]
        per = c2f.offsets[1] - c2f.offsets[0]
        local = np.argmax(c2f.array.reshape(-1, per)[cells] == facets[:, None], axis=1)
        for k, expr in enumerate(compiled):
            chosen = np.flatnonzero(local == k)
            if chosen.size:
                values[chosen] = expr.eval(msh, cells[chosen].astype(np.int32)).ravel()
        return values

    # ------------------------------------------------------------------------------------
    def _move(self, facets: np.ndarray, *, to: str) -> int:
        """Put ``facets`` into group ``to``; rewrite the facet tags if any rank changed one."""
        changed = self.md.comm.allreduce(int(len(facets)), op=MPI.SUM)
        if not changed:
            return 0
        tags = self.md.facet_tags
        values = tags.values.copy()
        where = np.searchsorted(tags.indices, facets)
        values[where] = self.tags[0] if to == "contact" else self.tags[1]
        msh = self.md.mesh
        self.md.facet_tags = dmesh.meshtags(msh, msh.topology.dim - 1, tags.indices, values.astype(np.int32))
        self.revision += 1
        return changed


def vertex_marker(md: MeshData, facets: np.ndarray) -> np.ndarray:
    """Marker over the rank's vertices (owned and ghost): True for the vertices of ``facets`` on any
    rank (an additive reverse scatter over the vertex map), so that every rank holding a vertex
    agrees. Collective."""
    from dolfinx import la

    msh = md.mesh
    fdim = msh.topology.dim - 1
    msh.topology.create_connectivity(fdim, 0)
    f2v = msh.topology.connectivity(fdim, 0)
    marker = la.vector(msh.topology.index_map(0), bs=1)
    marker.array[:] = 0.0
    facets = np.asarray(facets, dtype=np.int32)
    if len(facets):
        per = f2v.offsets[1] - f2v.offsets[0]
        marker.array[np.unique(f2v.array.reshape(-1, per)[facets].ravel())] = 1.0
    marker.scatter_reverse(la.InsertMode.add)
    marker.scatter_forward()
    return marker.array > 0


def _facet_midpoints(msh) -> list[np.ndarray]:
    """Reference coordinates of the midpoint of each local facet of the mesh's cell type."""
    cell = msh.basix_cell() if hasattr(msh, "basix_cell") else basix.CellType[msh.topology.cell_name()]
    geometry = basix.geometry(cell)
    facets = basix.topology(cell)[msh.topology.dim - 1]
    return [geometry[list(f)].mean(axis=0) for f in facets]


def unit_normal_component(expr, normal) -> ufl.core.expr.Expr:
    """n · T · n of a 2x2/3x3 tensor expression T for a constant unit vector ``normal`` (padded to T's
    size): the normal traction of a stress on a plane with that normal, tension positive."""
    size = ufl.shape(expr)[0]
    n = ufl.as_vector(list(normal) + [0.0] * (size - len(normal)))
    return ufl.dot(n, ufl.dot(expr, n))
