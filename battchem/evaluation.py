"""Collective evaluation helpers: integrals, extrema and point values of Functions."""

from __future__ import annotations

import numpy as np
from dolfinx import fem, geometry
from mpi4py import MPI

from battchem.moving import geometry_revision


def integral(form, comm: MPI.Comm) -> float:
    """Value of a scalar form summed over ranks (pass a compiled form to avoid recompiling)."""
    compiled = form if isinstance(form, fem.Form) else fem.form(form)
    return comm.allreduce(fem.assemble_scalar(compiled), op=MPI.SUM)


def owned_values(f: fem.Function, dofs: np.ndarray | None = None) -> np.ndarray:
    """Owned dof values of ``f`` (optionally only ``dofs``, local block indices), per component."""
    V = f.function_space
    bs = V.dofmap.index_map_bs
    n = V.dofmap.index_map.size_local
    values = f.x.array.reshape(-1, bs)
    if dofs is None:
        return values[:n]
    dofs = dofs[dofs < n]
    return values[dofs]


def extrema(f: fem.Function, dofs: np.ndarray | None = None) -> tuple[float, float]:
    """(min, max) of the dof values of ``f`` over all ranks (restricted to ``dofs`` if given)."""
    v = owned_values(f, dofs)
    lo = float(v.min()) if v.size else np.inf
    hi = float(v.max()) if v.size else -np.inf
    comm = f.function_space.mesh.comm
    return comm.allreduce(lo, op=MPI.MIN), comm.allreduce(hi, op=MPI.MAX)


def probe(f: fem.Function, points: np.ndarray) -> np.ndarray:
    """Values of ``f`` at ``points`` (n x 3), identical on every rank; NaN outside the mesh."""
    mesh = f.function_space.mesh
    comm = mesh.comm
    points = np.ascontiguousarray(points, dtype=np.float64)
    tree = geometry.bb_tree(mesh, mesh.topology.dim)
    candidates = geometry.compute_collisions_points(tree, points)
    colliding = geometry.compute_colliding_cells(mesh, candidates, points)
    vs = int(np.prod(f.function_space.value_shape)) if f.function_space.value_shape else 1
    local = np.full((len(points), vs), np.nan)
    idx, cells = [], []
    for i in range(len(points)):
        links = colliding.links(i)
        if len(links):
            idx.append(i)
            cells.append(links[0])
    if idx:
        local[idx] = f.eval(points[idx], np.array(cells, dtype=np.int32)).reshape(len(idx), vs)
    gathered = comm.allgather(local)
    out = np.full_like(local, np.nan)
    for g in gathered:  # first rank that found a point wins (values agree on shared facets)
        mask = np.isnan(out[:, 0]) & ~np.isnan(g[:, 0])
        out[mask] = g[mask]
    return out[:, 0] if vs == 1 else out


def nearest_dof(V: fem.FunctionSpace, point, restrict: np.ndarray | None = None) -> np.ndarray:
    """Local index (on the owning rank; empty elsewhere) of the dof nearest to ``point``.

    Ties are broken by the global index, so exactly one dof is chosen whatever the partition.
    """
    comm = V.mesh.comm
    n = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n]
    candidates = np.arange(n) if restrict is None else restrict[restrict < n]
    if candidates.size:
        d = np.linalg.norm(x[candidates] - np.asarray(point)[None, :], axis=1)
        k = int(np.argmin(d))
        gidx = V.dofmap.index_map.local_to_global(np.array([candidates[k]], dtype=np.int32))[0]
        mine = (round(float(d[k]), 12), int(gidx))
    else:
        mine = (np.inf, -1)
    best = min(comm.allgather(mine))
    if best[1] < 0:
        raise ValueError(f"no dof near {point}")
    if mine == best and candidates.size:
        return np.array([candidates[k]], dtype=np.int32)
    return np.zeros(0, dtype=np.int32)


class MeasuredGeometry:
    """Volumes |Ω_i| = ∫_Ω_i w dx of named cell regions and areas |Γ_j| = ∫_Γ_j w ds of named facet
    groups (lengths in 2-D) of a MeshData, w a weight (1, or 2πr for an axisymmetric body), computed
    once per geometry revision: moving the mesh makes the next query recompute them."""

    def __init__(self, data, weight=None):
        self.data = data
        self.weight = fem.Constant(data.mesh, 1.0) if weight is None else weight
        self._forms: dict[tuple[str, str | None], fem.Form] = {}
        self._values: dict[tuple[str, str | None], tuple[int, float]] = {}

    def _measure(self, kind: str, name: str | None) -> float:
        key = (kind, name)
        revision = geometry_revision(self.data.mesh)
        cached = self._values.get(key)
        if cached is not None and cached[0] == revision:
            return cached[1]
        if key not in self._forms:
            measure = self.data.dx(name) if kind == "dx" else self.data.ds(name)
            self._forms[key] = fem.form(self.weight * measure)
        value = integral(self._forms[key], self.data.comm)
        self._values[key] = (revision, value)
        return value

    def volume(self, name: str | None = None) -> float:
        """Volume (area in 2-D) of the cell region ``name``, or of the whole mesh."""
        return self._measure("dx", name)

    def area(self, name: str | None = None) -> float:
        """Area (length in 2-D) of the facet group ``name``, or of the whole boundary."""
        return self._measure("ds", name)


# --------------------------------------------------------------------------------------------
# Moving fronts


def front_position(f: fem.Function, direction, level: float = 0.5) -> float:
    """max d·x over the region {f ≥ level} of a P1 scalar ``f`` on a simplex mesh (−inf if empty),
    d = ``direction`` normalised: e.g. the tip of a growing phase whose order parameter is 1 inside.

    On each simplex f is linear, so {f ≥ level} ∩ cell is a polytope whose vertices are the cell's
    vertices with f ≥ level and the points where f = level on its edges; the maximum of the linear
    function d·x is at one of them. Exact for P1, the same on any number of ranks."""
    V = f.function_space
    element = V.element.basix_element
    if element.degree != 1 or element.discontinuous or V.dofmap.index_map_bs != 1:
        raise ValueError("front_position needs a scalar P1 function")
    msh = V.mesh
    comm = msh.comm
    gdim = msh.geometry.dim
    d = np.zeros(3)
    d[:len(direction)] = direction
    d = d / np.linalg.norm(d)
    tdim = msh.topology.dim
    n_cells = msh.topology.index_map(tdim).size_local
    dofs = V.dofmap.list[:n_cells]
    s = V.tabulate_dof_coordinates()[:, :gdim] @ d[:gdim]
    values = f.x.array
    best = -np.inf
    if n_cells:
        fv, sv = values[dofs], s[dofs]
        inside = fv >= level
        if inside.any():
            best = float(sv[inside].max())
        k = dofs.shape[1]
        for a in range(k):
            for b in range(k):
                if a == b:
                    continue
                cross = inside[:, a] & ~inside[:, b]
                if cross.any():
                    fa, fb = fv[cross, a], fv[cross, b]
                    t = (fa - level) / (fa - fb)
                    best = max(best, float((sv[cross, a] + t * (sv[cross, b] - sv[cross, a])).max()))
    return comm.allreduce(best, op=MPI.MAX)


def interface_measure_form(f, *, weight=1, dx=None) -> fem.Form:
    """Compiled ∫ |∇f| w dx: by the coarea formula the length (2-D) or area (3-D) of the transition
    of f from 0 to 1, whatever its width (per unit depth in 2-D)."""
    import ufl

    dx = ufl.dx(domain=f.function_space.mesh) if dx is None else dx
    grad = ufl.grad(f)
    return fem.form(ufl.sqrt(ufl.inner(grad, grad)) * weight * dx)
