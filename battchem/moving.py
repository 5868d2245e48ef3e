"""Moving meshes: geometry nodes moved by a displacement or a velocity, a geometry revision that
cached objects compare against to know when to refresh, and cell quality measures that tell when to
remesh.

Moving the nodes keeps the topology, the dofmaps and the dof values of every Function: only what was
computed from the coordinates goes stale (mass matrices, Jacobians kept by key, rigid-body modes,
measured volumes). ``move_mesh`` and ``move_mesh_by_velocity`` bump the revision themselves; code
that writes ``mesh.geometry.x`` directly calls ``geometry_changed(mesh)`` on every rank afterwards.
The revision belongs to the Python ``Mesh`` object (``V.mesh`` of every space built on it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

_ATTRIBUTE = "_battchem_geometry"


@dataclass
class _GeometryState:
    """What battchem keeps per mesh: the revision, the cell orientations first seen, and a vector
    Function in the coordinate element space to interpolate motions into."""

    revision: int = 0
    orientation: np.ndarray | None = None
    coordinates: fem.Function | None = None


def _state(mesh: dmesh.Mesh) -> _GeometryState:
    state = getattr(mesh, _ATTRIBUTE, None)
    if state is None:
        # an attribute, not a module-level registry: the state holds a Function on the mesh, and
        # only a reference cycle through the mesh lets the garbage collector free both
        state = _GeometryState(orientation=_orientation(mesh))
        setattr(mesh, _ATTRIBUTE, state)
    return state


def geometry_revision(mesh: dmesh.Mesh) -> int:
    """Number of times the node coordinates of ``mesh`` were declared changed (0 for a new mesh)."""
    return _state(mesh).revision


def geometry_changed(mesh: dmesh.Mesh) -> int:
    """Declare that the node coordinates of ``mesh`` changed (call on every rank); returns the new
    revision, which objects holding geometry-dependent data compare with the one they were built at."""
    state = _state(mesh)
    state.revision += 1
    return state.revision


# --------------------------------------------------------------------------------------------
# Moving the nodes


def coordinate_space(mesh: dmesh.Mesh) -> fem.FunctionSpace:
    """The vector space of the coordinate element (P1 for affine meshes, P2 for quadratic ones):
    its dofs sit exactly on the geometry nodes, though numbered differently."""
    return _coordinate_function(mesh).function_space


def _coordinate_function(mesh: dmesh.Mesh) -> fem.Function:
    state = _state(mesh)
    if state.coordinates is None:
        W = fem.functionspace(mesh, mesh.ufl_domain().ufl_coordinate_element())
        state.coordinates = fem.Function(W, name="mesh_displacement")
    return state.coordinates


def _node_values(f: fem.Function) -> np.ndarray:
    """Values of ``f`` (a Function in the coordinate element space) at every geometry node, owned
    and ghost: node and dof of the same cell-local index are the same point, and every node belongs
    to some local cell."""
    mesh = f.function_space.mesh
    node_dofs = np.empty(mesh.geometry.x.shape[0], dtype=np.int32)
    node_dofs[mesh.geometry.dofmap.ravel()] = f.function_space.dofmap.list.ravel()
    f.x.scatter_forward()
    return f.x.array.reshape(-1, mesh.geometry.dim)[node_dofs]


def nodal_field(mesh: dmesh.Mesh, field) -> np.ndarray:
    """Values (nodes, gdim) of a vector field at the geometry nodes of ``mesh``.

    ``field`` is a Function on ``mesh``, a UFL expression, a dolfinx Expression, or a callable
    x ↦ values (x of shape (3, n), values (gdim, n)). Callables and Functions in the coordinate
    element space are read at the nodes directly, so equal coordinates give equal values on any
    number of ranks; anything else is interpolated into that space first (cell by cell, exact up to
    round-off).
    """
    gdim = mesh.geometry.dim
    coordinate_element = mesh.ufl_domain().ufl_coordinate_element()
    if isinstance(field, fem.Function):
        if field.function_space.mesh is mesh and field.function_space.ufl_element() == coordinate_element:
            return _node_values(field)
    elif not isinstance(field, (ufl.core.expr.Expr, fem.Expression)) and callable(field):
        x = mesh.geometry.x
        return np.asarray(field(x.T), dtype=x.dtype).reshape(gdim, -1).T
    u = _coordinate_function(mesh)
    if isinstance(field, ufl.core.expr.Expr) and not isinstance(field, fem.Function):
        field = fem.Expression(field, u.function_space.element.interpolation_points())
    u.interpolate(field)
    return _node_values(u)


def move_mesh(mesh: dmesh.Mesh, displacement) -> int:
    """x ← x + u(x) at every geometry node (owned and ghost), u given as in ``nodal_field``: a
    displacement in the coordinate element space (a P1 field on an affine mesh) moves the mesh
    exactly. Collective; returns the new geometry revision."""
    return _displace(mesh, nodal_field(mesh, displacement))


def move_mesh_by_velocity(mesh: dmesh.Mesh, velocity, dt: float) -> int:
    """One explicit (forward Euler) ALE step x ← x + Δt v(x) at the geometry nodes.

    For a nodal velocity v_h the area of a triangle changes by Δt ∫ ∇·v_h + Δt² ∫ det ∇v_h: a
    divergence-free v_h with a nilpotent gradient (a simple shear) keeps every cell's area exactly, a
    rigid rotation ω grows it by the factor 1 + (ω Δt)². Collective; returns the new revision.
    """
    return _displace(mesh, dt * nodal_field(mesh, velocity))


def _displace(mesh: dmesh.Mesh, delta: np.ndarray) -> int:
    _state(mesh)  # records the cell orientations before the first move
    mesh.geometry.x[:, : mesh.geometry.dim] += delta
    return geometry_changed(mesh)


# --------------------------------------------------------------------------------------------
# Cell quality


def _simplex_vertices(mesh: dmesh.Mesh) -> np.ndarray:
    """Vertex coordinates of the owned cells, shape (cells, tdim + 1, gdim) (the vertices come first
    in a Lagrange coordinate element, so higher-order nodes are ignored)."""
    tdim, gdim = mesh.topology.dim, mesh.geometry.dim
    if mesh.topology.cell_name() not in ("triangle", "tetrahedron") or gdim != tdim:
        raise NotImplementedError("cell quality is defined for triangles in 2-D and tetrahedra in 3-D "
                                  f"(got {mesh.topology.cell_name()} in {gdim}-D)")
    n = mesh.topology.index_map(tdim).size_local
    nodes = mesh.geometry.dofmap[:n, : tdim + 1]
    return mesh.geometry.x[nodes][:, :, :gdim]


def _signed_volumes(v: np.ndarray) -> np.ndarray:
    edges = v[:, 1:] - v[:, :1]
    factor = 2.0 if v.shape[1] == 3 else 6.0
    return np.linalg.det(edges) / factor


def _orientation(mesh: dmesh.Mesh) -> np.ndarray | None:
    try:
        return np.sign(_signed_volumes(_simplex_vertices(mesh)))
    except NotImplementedError:
        return None


def _triangle_quality(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest angle (degrees) and radius ratio 2 r/R = 16 A² / (a b c (a + b + c)) per triangle."""
    e = [v[:, 2] - v[:, 1], v[:, 0] - v[:, 2], v[:, 1] - v[:, 0]]  # edge i opposite vertex i
    lengths = np.stack([np.linalg.norm(ei, axis=1) for ei in e], axis=1)
    angles = []
    for i in range(3):  # angle at vertex i between the edges leaving it
        a, b = -e[(i + 2) % 3], e[(i + 1) % 3]
        cos = np.einsum("ij,ij->i", a, b) / (lengths[:, (i + 2) % 3] * lengths[:, (i + 1) % 3])
        angles.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    area = np.abs(_signed_volumes(v))
    ratio = 16.0 * area**2 / (lengths.prod(axis=1) * lengths.sum(axis=1))
    return np.min(angles, axis=0), ratio


def _tetrahedron_quality(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest dihedral angle (degrees) and radius ratio 3 r/R per tetrahedron, with r = 3V/S and
    R = |a²(b×c) + b²(c×a) + c²(a×b)| / (12 V) for the edges a, b, c leaving vertex 0."""
    faces = [(1, 2, 3), (0, 3, 2), (0, 1, 3), (0, 2, 1)]  # face k is opposite vertex k
    normals, face_areas = [], []
    for k, (i, j, m) in enumerate(faces):
        n = np.cross(v[:, j] - v[:, i], v[:, m] - v[:, i])
        outward = np.sign(np.einsum("ij,ij->i", n, v[:, i] - v[:, k]))[:, None]
        norm = np.linalg.norm(n, axis=1)
        face_areas.append(0.5 * norm)
        normals.append(outward * n / np.where(norm > 0, norm, 1.0)[:, None])
    dihedral = [np.degrees(np.pi - np.arccos(np.clip(np.einsum("ij,ij->i", normals[k], normals[m]), -1, 1)))
                for k in range(4) for m in range(k + 1, 4)]
    a, b, c = v[:, 1] - v[:, 0], v[:, 2] - v[:, 0], v[:, 3] - v[:, 0]
    sq = [np.einsum("ij,ij->i", w, w)[:, None] for w in (a, b, c)]
    N = np.linalg.norm(sq[0] * np.cross(b, c) + sq[1] * np.cross(c, a) + sq[2] * np.cross(a, b), axis=1)
    volume = np.abs(_signed_volumes(v))
    ratio = 108.0 * volume**2 / (np.sum(face_areas, axis=0) * np.where(N > 0, N, np.inf))
    return np.min(dihedral, axis=0), ratio


def cell_quality(mesh: dmesh.Mesh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per owned cell: smallest angle in degrees (triangle angles; dihedral angles of tetrahedra),
    radius ratio d·r_in/r_circ (1 for the regular simplex, 0 for a flat one) and the signed volume."""
    v = _simplex_vertices(mesh)
    angle, ratio = (_triangle_quality if v.shape[1] == 3 else _tetrahedron_quality)(v)
    return angle, ratio, _signed_volumes(v)


@dataclass(frozen=True)
class MeshQuality:
    """Worst cell quality over all ranks."""

    min_angle: float  # degrees
    min_radius_ratio: float
    inverted: int  # cells whose orientation flipped (or which went flat) since battchem first saw them
    num_cells: int

    def degraded(self, min_angle: float = 10.0, min_radius_ratio: float = 0.1) -> bool:
        """True when a cell is inverted or falls below either threshold: time to remesh (fresh gmsh
        meshes stay well above the defaults, in 2-D and in 3-D)."""
        return self.inverted > 0 or self.min_angle < min_angle or self.min_radius_ratio < min_radius_ratio


def mesh_quality(mesh: dmesh.Mesh) -> MeshQuality:
    """Collective worst-cell quality of ``mesh``. A cell counts as inverted when the sign of its
    volume differs from the one recorded when battchem first saw the mesh (its first move or
    revision query), or is zero."""
    comm = mesh.comm
    angle, ratio, volume = cell_quality(mesh)
    reference = _state(mesh).orientation
    inverted = int(np.count_nonzero(np.sign(volume) != reference))
    lo_angle = float(angle.min()) if angle.size else np.inf
    lo_ratio = float(ratio.min()) if ratio.size else np.inf
    return MeshQuality(comm.allreduce(lo_angle, op=MPI.MIN), comm.allreduce(lo_ratio, op=MPI.MIN),
                       comm.allreduce(inverted, op=MPI.SUM), comm.allreduce(angle.size, op=MPI.SUM))
