"""Remeshing a 2-D body from its current boundary, and transfer of fields to the new mesh.

The boundaries of the cell regions (the outer boundary, holes, and interfaces between regions) are
gathered on rank 0 with their facet tags, chained into closed loops and rebuilt in gmsh with one
straight line per old boundary edge: the new mesh covers exactly the old polygon, every region keeps
its area and every facet group its length, and every new node lies in the old mesh. The gmsh model
is built in an order fixed by the coordinates alone, so equal coordinates give the same new mesh on
any number of ranks. Fields follow by non-matching interpolation, optionally corrected to keep an
integral. Writers and checkpoints follow ``MeshData.generation``, one higher after each remesh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from battchem import _compat
from battchem.evaluation import integral
from battchem.mesh import MeshData, from_model

Size = float | Callable[[float, float], float]


@dataclass
class Remeshed:
    """A new mesh with the fields carried over to it.

    ``integrals[name]`` holds, for each conserved field, ∫ w f dx on the old mesh, after the
    interpolation and after the correction.
    """

    data: MeshData
    functions: dict[str, fem.Function]
    integrals: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def remesh(data: MeshData, size: Size, functions: Iterable[fem.Function] = (), *,
           conserve: Mapping[str, str] | None = None, weight: Callable | None = None,
           padding: float | None = None) -> Remeshed:
    """Remesh the 2-D body of ``data`` from its current boundary with target cell size ``size`` (a
    length, or a function (x, y) ↦ length) and carry ``functions`` over (see ``transfer``). The new
    MeshData has the same cell and facet names and ``generation`` one higher. Collective."""
    new = remesh_from_boundary(data, size)
    moved, integrals = transfer(functions, new.mesh, conserve=conserve, weight=weight, padding=padding)
    return Remeshed(new, moved, integrals)


# --------------------------------------------------------------------------------------------
# The new mesh


def remesh_from_boundary(data: MeshData, size: Size) -> MeshData:
    """A new mesh of the body of ``data`` (2-D only) with the same regions and facet groups."""
    msh = data.mesh
    if msh.topology.dim != 2 or msh.topology.cell_name() != "triangle":
        raise NotImplementedError("remeshing from the boundary is implemented for 2-D triangle meshes "
                                  f"only (got {msh.topology.cell_name()} cells); in 3-D, refine or "
                                  "rebuild the mesh from its gmsh source instead")
    edges = _gather_region_boundaries(data)
    comm = msh.comm
    # gmsh's geometric tolerances are absolute: build the model in units of the body's extent, from
    # the corner of its bounding box
    origin, length = comm.bcast(_frame(edges["points"]) if comm.rank == 0 else None, root=0)
    previous_options: dict[str, float] = {}

    def build():
        _build_geometry(edges, size, origin, length, data, previous_options)

    try:
        new = from_model(build, comm, msh.geometry.dim, scale=length)
    finally:
        _restore_options(comm, previous_options)
    new.mesh.geometry.x[:, :2] += origin
    new.cell_names = dict(data.cell_names)
    new.facet_names = dict(data.facet_names)
    new.generation = data.generation + 1
    return new


def _gather_region_boundaries(data: MeshData) -> dict | None:
    """On rank 0: every boundary edge of every cell region, with coordinates and facet tags.

    Each rank sends, for each local facet, one entry per adjacent owned cell unless both adjacent
    cells are local and in the same region (and the facet is untagged); an edge is a region
    boundary when it ends up with one entry (outer boundary) or two entries from different regions
    (interface). Returns a dict with
    ``points`` (n, 2) in an order fixed by the coordinates, ``edges`` (m, 2) into ``points``
    (first < second), ``regions`` (m, 2) (-1 where there is no second cell) and ``tags`` (m,) (0
    where untagged). Untagged cells form a region of their own (value 1 if no cell is tagged).
    """
    msh = data.mesh
    topology = msh.topology
    topology.create_connectivity(1, 2)
    topology.create_connectivity(1, 0)
    topology.create_connectivity(0, 2)  # for entities_to_geometry of vertices
    f2c, f2v = topology.connectivity(1, 2), topology.connectivity(1, 0)
    cell_map, facet_map = topology.index_map(2), topology.index_map(1)
    n_cells = cell_map.size_local + cell_map.num_ghosts
    n_facets = facet_map.size_local + facet_map.num_ghosts
    comm = msh.comm

    has_cell_tags = data.cell_tags is not None
    tag_values = data.cell_tags.values if has_cell_tags else np.zeros(0, np.int32)
    untagged = comm.allreduce(int(tag_values.max()) if tag_values.size else 0, op=MPI.MAX) + 1
    cell_region = np.full(n_cells, untagged if has_cell_tags else 1, dtype=np.int64)
    if has_cell_tags:
        cell_region[data.cell_tags.indices] = data.cell_tags.values
    facet_tag = np.zeros(n_facets, dtype=np.int64)
    if data.facet_tags is not None:
        facet_tag[data.facet_tags.indices] = data.facet_tags.values

    offsets, links = f2c.offsets, f2c.array
    counts = np.diff(offsets)
    first = links[offsets[:-1]]
    second = np.where(counts > 1, links[np.minimum(offsets[:-1] + 1, len(links) - 1)], -1)
    owned_first = first < cell_map.size_local
    owned_second = (second >= 0) & (second < cell_map.size_local)
    # skipped: facets inside a region, both cells local (tagged ones are sent, to be refused)
    same_local_region = ((counts > 1) & (cell_region[first] == cell_region[np.maximum(second, 0)])
                         & (facet_tag == 0))
    facets, cells = [], []
    for owned, adjacent in ((owned_first, first), (owned_second, second)):
        keep = owned & ~same_local_region
        facets.append(np.flatnonzero(keep))
        cells.append(adjacent[keep])
    facets, cells = np.concatenate(facets), np.concatenate(cells)

    vertices = f2v.array.reshape(-1, 2)[facets]
    global_vertices = topology.index_map(0).local_to_global(vertices.ravel()).reshape(-1, 2)
    nodes = (dmesh.entities_to_geometry(msh, 0, vertices.ravel().astype(np.int32)).ravel()
             if len(facets) else np.zeros(0, np.int32))  # dolfinx 0.9 divides by 0 on an empty list
    coordinates = msh.geometry.x[nodes, :2].reshape(-1, 2, 2)
    local = (global_vertices.astype(np.int64), cell_region[cells], facet_tag[facets], coordinates)
    gathered = comm.gather(local, root=0)
    if comm.rank != 0:
        return None

    gv, region, tag, xy = (np.concatenate([g[i] for g in gathered]) for i in range(4))
    # points in an order fixed by their coordinates (not by the partition-dependent global numbers)
    ids, where = np.unique(gv.ravel(), return_index=True)
    point_xy = xy.reshape(-1, 2)[where]
    order = np.lexsort((point_xy[:, 1], point_xy[:, 0]))
    canonical = np.empty_like(order)
    canonical[order] = np.arange(len(order))
    ends = np.sort(canonical[np.searchsorted(ids, gv)], axis=1)
    key = ends[:, 0] * len(ids) + ends[:, 1]
    unique_keys, first_entry, inverse, multiplicity = np.unique(key, return_index=True, return_inverse=True,
                                                                return_counts=True)
    regions = np.full((len(unique_keys), 2), -1, dtype=np.int64)
    regions[:, 0] = region[first_entry]
    other = np.flatnonzero(np.arange(len(key)) != first_entry[inverse])
    regions[inverse[other], 1] = region[other]
    tags = np.zeros(len(unique_keys), dtype=np.int64)
    np.maximum.at(tags, inverse, tag)
    if multiplicity.max(initial=0) > 2:
        raise ValueError("a facet with more than two cells: the mesh is not a 2-D manifold")
    interior = regions[:, 0] == regions[:, 1]
    lost = np.unique(tags[interior & (tags > 0)])
    if lost.size:
        names = [n for n, v in data.facet_names.items() if v in lost] or [str(v) for v in lost]
        raise NotImplementedError(f"facet group(s) {', '.join(names)} lie inside a region: remeshing "
                                  "keeps only region boundaries and interfaces")
    keep = ~interior
    # drop the points of interior facets (gathered from rank boundaries): numbering unchanged in order
    used, edges = np.unique(ends[first_entry][keep], return_inverse=True)
    return {"points": point_xy[order][used], "edges": edges.reshape(-1, 2), "regions": regions[keep],
            "tags": tags[keep]}


def _frame(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Lower corner and largest side of the bounding box of ``points``."""
    lo = points.min(axis=0)
    return lo, float((points.max(axis=0) - lo).max())


def _loops(edge_ids: np.ndarray, edges: np.ndarray) -> list[list[int]]:
    """Chain the edges ``edges[edge_ids]`` into closed loops; each loop is a list of signed
    1-based edge numbers (negative: traversed from second to first point), starting at its
    smallest point and running in the direction of its smaller neighbouring point."""
    incident: dict[int, list[int]] = {}
    for e in edge_ids:
        for p in edges[e]:
            incident.setdefault(int(p), []).append(int(e))
    pinched = [p for p, es in incident.items() if len(es) != 2]
    if pinched:
        raise ValueError(f"{len(pinched)} boundary point(s) where a region touches itself or the "
                         "boundary is open: cannot chain the boundary into loops")
    unused = set(int(e) for e in edge_ids)
    loops = []
    while unused:
        start = min(p for e in unused for p in edges[e])
        a, b = incident[start]
        other = lambda e, p: int(edges[e][1] if edges[e][0] == p else edges[e][0])  # noqa: E731
        e = a if other(a, start) < other(b, start) else b
        point, loop = start, []
        while True:
            forward = edges[e][0] == point
            loop.append((e + 1) if forward else -(e + 1))
            unused.discard(e)
            point = other(e, point)
            if point == start:
                break
            e = next(x for x in incident[point] if x != e)
        loops.append(loop)
    return loops


def _polygon(loop: list[int], edges: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.array([points[edges[abs(s) - 1][0 if s > 0 else 1]] for s in loop])


def _contains(polygon: np.ndarray, point: np.ndarray) -> bool:
    """Even-odd ray casting."""
    x, y = polygon[:, 0], polygon[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    crosses = (y > point[1]) != (yn > point[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x + (point[1] - y) * (xn - x) / (yn - y)
    return bool(np.count_nonzero(crosses & (point[0] < xi)) % 2)


def _surfaces(loops: list[list[int]], edges: np.ndarray, points: np.ndarray) -> list[list[int]]:
    """Group the loops of one region into plane surfaces [outer, holes...] by nesting depth."""
    polygons = [_polygon(loop, edges, points) for loop in loops]
    inside = [[j for j in range(len(loops)) if j != i and _contains(polygons[j], polygons[i][0])]
              for i in range(len(loops))]
    depth = [len(c) for c in inside]
    surfaces: dict[int, list[int]] = {i: [i] for i in range(len(loops)) if depth[i] % 2 == 0}
    for i in range(len(loops)):
        if depth[i] % 2 == 1:
            parent = max(inside[i], key=lambda j: depth[j])
            surfaces[parent].append(i)
    return [surfaces[i] for i in sorted(surfaces)]


_OPTIONS = {"Mesh.MeshSizeFromPoints": 0, "Mesh.MeshSizeExtendFromBoundary": 0,
            "Mesh.MeshSizeFromCurvature": 0}


def _build_geometry(edges: dict, size: Size, origin: np.ndarray, length: float, data: MeshData,
                    previous_options: dict[str, float]) -> None:
    """Rank 0, inside ``from_model``: points, lines, curve loops, plane surfaces and physical groups
    of the gathered boundaries, in units of ``length`` from ``origin``, with the mesh size set by
    ``size``; the changed mesh options are recorded in ``previous_options``."""
    import gmsh

    points, lines, regions, tags = edges["points"], edges["edges"], edges["regions"], edges["tags"]
    geo = gmsh.model.geo
    scaled = (points - origin) / length
    point_tags = [geo.addPoint(x, y, 0.0) for x, y in scaled]
    line_tags = [geo.addLine(point_tags[a], point_tags[b]) for a, b in lines]
    surfaces_of: dict[int, list[int]] = {}
    for region in np.unique(regions[regions >= 0]):
        ids = np.flatnonzero((regions == region).any(axis=1))
        loops = _loops(ids, lines)
        for group in _surfaces(loops, lines, points):
            curve_loops = [geo.addCurveLoop([int(np.sign(s)) * line_tags[abs(s) - 1] for s in loops[i]])
                           for i in group]
            surfaces_of.setdefault(int(region), []).append(geo.addPlaneSurface(curve_loops))
    geo.synchronize()
    gmsh.model.mesh.setSizeCallback(_size_callback(size, length, origin))
    for name, value in _OPTIONS.items():
        previous_options[name] = gmsh.option.getNumber(name)
        gmsh.option.setNumber(name, value)

    cell_names = {v: k for k, v in data.cell_names.items()}
    facet_names = {v: k for k, v in data.facet_names.items()}
    for region, surfaces in surfaces_of.items():
        gmsh.model.addPhysicalGroup(2, surfaces, tag=region, name=cell_names.get(region, ""))
    for value in np.unique(tags[tags > 0]):
        group = [line_tags[i] for i in np.flatnonzero(tags == value)]
        gmsh.model.addPhysicalGroup(1, group, tag=int(value), name=facet_names.get(int(value), ""))


def _size_callback(size: Size, length: float, origin: np.ndarray):
    if callable(size):
        return lambda dim, tag, x, y, z, lc: size(origin[0] + x * length, origin[1] + y * length) / length
    return lambda dim, tag, x, y, z, lc: size / length


def _restore_options(comm: MPI.Comm, previous: dict[str, float]) -> None:
    """Put back the mesh options changed for the remesh when the caller keeps gmsh initialised."""
    import gmsh

    if comm.rank == 0 and gmsh.isInitialized():
        for name, value in previous.items():
            gmsh.option.setNumber(name, value)


# --------------------------------------------------------------------------------------------
# Fields


Integrals = dict[str, tuple[float, float, float]]


def transfer(functions: Iterable[fem.Function], mesh: dmesh.Mesh, *,
             conserve: Mapping[str, str] | None = None, weight: Callable | None = None,
             padding: float | None = None) -> tuple[dict[str, fem.Function], Integrals]:
    """Carry Functions to ``mesh`` (same element, same name) by non-matching interpolation.

    ``conserve[name]`` corrects scalar field ``name`` so that ∫ w f dx is the same on both meshes:
    ``"scale"`` multiplies it by the ratio of the integrals (keeps the sign: concentrations),
    ``"shift"`` adds the constant (I_old − I_new) / ∫ w dx (signed fields). ``weight(x)`` is w as a
    UFL expression of the spatial coordinate (default 1; 2π x[0] for an axisymmetric body).
    Interpolation points farther than ``padding`` (default 1e-8 of the bounding box) outside the old
    mesh are an error. Returns the new Functions by name and, per conserved field, the integrals
    (old, interpolated, corrected). Collective.
    """
    functions = list(functions)
    conserve = dict(conserve or {})
    names = [f.name for f in functions]
    if len(set(names)) != len(names):
        raise ValueError(f"functions to transfer need distinct names (got {names})")
    unknown = set(conserve) - set(names)
    if unknown:
        raise KeyError(f"conserve names {sorted(unknown)} are not among the transferred functions {names}")
    if padding is None:
        padding = 1e-8 * _bounding_box_size(mesh)
    spaces: dict[str, fem.FunctionSpace] = {}
    interpolation: dict[tuple[int, str], tuple] = {}
    out: dict[str, fem.Function] = {}
    integrals: dict[str, tuple[float, float, float]] = {}
    for f in functions:
        V_old = f.function_space
        element_key = repr(V_old.ufl_element())
        if element_key not in spaces:
            spaces[element_key] = fem.functionspace(mesh, V_old.ufl_element())
        V = spaces[element_key]
        key = (id(V_old.mesh), element_key)
        if key not in interpolation:
            interpolation[key] = _compat.nonmatching_interpolation_data(V, V_old, padding)
            missing = mesh.comm.allreduce(_compat.points_not_found(interpolation[key][1]), op=MPI.SUM)
            if missing:
                raise ValueError(f"{missing} interpolation point(s) of the new mesh lie outside the old "
                                 f"one by more than {padding:.3g}")
        g = fem.Function(V, name=f.name)
        _compat.interpolate_nonmatching(g, f, *interpolation[key])
        g.x.scatter_forward()
        out[f.name] = g
        if f.name in conserve:
            integrals[f.name] = _conserve(f, g, conserve[f.name], weight)
    return out, integrals


def _bounding_box_size(mesh: dmesh.Mesh) -> float:
    x = mesh.geometry.x
    lo = x.min(axis=0) if len(x) else np.full(3, np.inf)
    hi = x.max(axis=0) if len(x) else np.full(3, -np.inf)
    mesh.comm.Allreduce(MPI.IN_PLACE, lo, op=MPI.MIN)
    mesh.comm.Allreduce(MPI.IN_PLACE, hi, op=MPI.MAX)
    return float(np.max(hi - lo))


def _conserve(old: fem.Function, new: fem.Function, method: str, weight) -> tuple[float, float, float]:
    """Correct ``new`` so that ∫ w new dx = ∫ w old dx; returns (old, interpolated, corrected)."""
    if old.function_space.value_shape:
        raise ValueError(f"only scalar fields can be conserved ({old.name!r} is not scalar)")

    def weighted(f):
        w = 1.0 if weight is None else weight(ufl.SpatialCoordinate(f.function_space.mesh))
        return w * f * ufl.dx(domain=f.function_space.mesh)

    comm = new.function_space.mesh.comm
    target = integral(weighted(old), comm)
    form = fem.form(weighted(new))
    interpolated = integral(form, comm)
    if method == "scale":
        if interpolated == 0.0:
            raise ZeroDivisionError(f"cannot scale {old.name!r}: its integral after interpolation is 0")
        new.x.array[:] *= target / interpolated
    elif method == "shift":
        mesh = new.function_space.mesh
        w = 1.0 if weight is None else weight(ufl.SpatialCoordinate(mesh))
        measure = integral(w * ufl.dx(domain=mesh), comm)
        new.x.array[:] += (target - interpolated) / measure
    else:
        raise ValueError(f"conservation method {method!r} is not 'scale' or 'shift'")
    return target, interpolated, integral(form, comm)
