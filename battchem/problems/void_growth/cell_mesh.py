"""Meshes of the creep_contact unit cell: the Li above the interface y = 0 with one void on the axis
x = 0, and the solid electrolyte below it (separate meshes: the Li moves and is remeshed, the
electrolyte stays).

Li, x ∈ [0, W], y ∈ [0, L] minus the void: facet groups ``contact`` (y = 0, a ≤ x ≤ W, touching the
electrolyte), ``free`` (the void surface from (a, 0) to (0, b)), ``side`` (x = W), ``top`` (y = L,
the current-collector side) and ``axis`` (x = 0). Void shapes: ``ellipse`` (half-ellipse of
half-width a and height b), ``cap`` (circular arc through (a, 0) and (0, b)), ``patch`` (flat:
the segment 0 ≤ x ≤ a of y = 0 is free, Roy et al. 2021's debonded patch).

Electrolyte, x ∈ [0, W], y ∈ [−H, 0]: ``interface`` (y = 0), ``counter`` (y = −H), ``sides``.

Both are graded: the element size is h at the interface (and up to the void top) and grows by
``GRADING`` per unit distance to h_far. gmsh works in units of W; the mesh is scaled to SI.
"""

from __future__ import annotations

import math

from mpi4py import MPI

from battchem import mesh as bmesh
from battchem.mesh import MeshData

GRADING = 0.3  # growth of the element size per unit distance from the interface
LI_FACETS = {"contact": 1, "free": 2, "side": 3, "top": 4, "axis": 5}
ELECTROLYTE_FACETS = {"interface": 1, "counter": 2, "sides": 3}


def graded_size(h: float, h_far: float, distance: float) -> float:
    """Element size at ``distance`` from the refined zone: h + GRADING·distance, at most h_far."""
    return min(h_far, h + GRADING * max(distance, 0.0))


def lithium(comm: MPI.Comm, width: float, thickness: float, a: float, b: float, shape: str, h: float,
            h_far: float) -> MeshData:
    """The Li part of the cell (see the module docstring), lengths in m."""
    import gmsh

    W = width

    def build():
        geo = gmsh.model.geo
        p_edge = geo.addPoint(a / W, 0.0, 0.0)
        p_corner = geo.addPoint(1.0, 0.0, 0.0)
        p_top_side = geo.addPoint(1.0, thickness / W, 0.0)
        p_top_axis = geo.addPoint(0.0, thickness / W, 0.0)
        p_apex = geo.addPoint(0.0, b / W, 0.0)
        if shape == "patch":
            void = geo.addLine(p_apex, p_edge)
        else:
            if shape == "cap":
                radius = (a * a + b * b) / (2 * b)
                centre = geo.addPoint(0.0, (b - radius) / W, 0.0)
                arc = geo.addCircleArc(p_edge, centre, p_apex)
            elif math.isclose(a, b, rel_tol=1e-12):
                arc = geo.addCircleArc(p_edge, geo.addPoint(0.0, 0.0, 0.0), p_apex)
            else:
                centre = geo.addPoint(0.0, 0.0, 0.0)
                arc = geo.addEllipseArc(p_edge, centre, p_edge if a > b else p_apex, p_apex)
            void = -arc  # from the apex to the edge
        lines = {"free": void, "contact": geo.addLine(p_edge, p_corner),
                 "side": geo.addLine(p_corner, p_top_side), "top": geo.addLine(p_top_side, p_top_axis),
                 "axis": geo.addLine(p_top_axis, p_apex)}
        loop = geo.addCurveLoop([lines[k] for k in ("free", "contact", "side", "top", "axis")])
        surface = geo.addPlaneSurface([loop])
        geo.synchronize()
        gmsh.model.addPhysicalGroup(2, [surface], 1, name="lithium")
        for name, tag in LI_FACETS.items():
            gmsh.model.addPhysicalGroup(1, [abs(lines[name])], tag, name=name)
        _sizes(lambda x, y: graded_size(h / W, h_far / W, y - b / W))

    return bmesh.from_model(build, comm, 2, scale=W)


def electrolyte(comm: MPI.Comm, width: float, thickness: float, h: float, h_far: float) -> MeshData:
    """The solid-electrolyte part of the cell (see the module docstring), lengths in m."""
    import gmsh

    W = width

    def build():
        occ = gmsh.model.occ
        surface = occ.addRectangle(0.0, -thickness / W, 0.0, 1.0, thickness / W)
        occ.synchronize()
        groups: dict[str, list[int]] = {name: [] for name in ELECTROLYTE_FACETS}
        for _, curve in gmsh.model.getBoundary([(2, surface)], oriented=False):
            x, y, _ = occ.getCenterOfMass(1, curve)
            if abs(y) < 1e-9:
                groups["interface"].append(curve)
            elif abs(y + thickness / W) < 1e-9:
                groups["counter"].append(curve)
            else:
                groups["sides"].append(curve)
        gmsh.model.addPhysicalGroup(2, [surface], 1, name="electrolyte")
        for name, tag in ELECTROLYTE_FACETS.items():
            gmsh.model.addPhysicalGroup(1, groups[name], tag, name=name)
        _sizes(lambda x, y: graded_size(h / W, h_far / W, -y))

    data = bmesh.from_model(build, comm, 2, scale=W)
    data.mesh.name = "electrolyte"
    return data


def _sizes(size) -> None:
    """gmsh (rank 0): element sizes from ``size(x, y)`` only (not from points or curvature)."""
    import gmsh

    gmsh.model.mesh.setSizeCallback(lambda dim, tag, x, y, z, lc: size(x, y))
    for name in ("Mesh.MeshSizeFromPoints", "Mesh.MeshSizeExtendFromBoundary", "Mesh.MeshSizeFromCurvature"):
        gmsh.option.setNumber(name, 0)
