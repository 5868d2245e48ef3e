"""Meshes of the interphase problem, built with gmsh on rank 0 (``battchem.mesh.from_model``).

Coordinates are in units of the slab thickness inside gmsh and scaled to metres afterwards. The
depth z runs from the Li side (z = 0) into the electrolyte: x in 1-D, y in 2-D (lateral x, from a
symmetry plane or the axis), z in 3-D (lateral x and y, each from a symmetry plane). Named groups:

- cells: ``electrolyte``, and ``lithium`` for a meshed Li layer (z < 0, under the contact);
- facets: ``li`` (the Li contact, an interface when Li is a layer), ``counter`` (z = thickness),
  in 2-D also ``free`` (the face z = 0 beyond the contact), ``axis`` (x = 0), ``side`` (x = width),
  and for a layer ``li_back`` (its face away from the electrolyte) and ``li_side`` (its rim);
  in 3-D ``free`` (z = 0 beyond the contact square), ``symmetry_x`` (x = 0), ``symmetry_y`` (y = 0),
  ``side_x`` (x = width), ``side_y`` (y = width).
"""

from __future__ import annotations

import math

from battchem.mesh import MeshData, from_model


def build(geometry, comm) -> MeshData:
    """The mesh of ``geometry`` (the input's section), distributed over ``comm``."""
    builders = {"slab_1d": build_1d, "slab_3d": build_3d}
    return builders.get(geometry.kind, build_2d)(geometry, comm)


def _sizes(g):
    L = g.thickness
    coarse = g.coarse_mesh_size if g.coarse_mesh_size is not None else g.mesh_size
    return L, g.mesh_size / L, coarse / L, g.band / L


def build_1d(g, comm) -> MeshData:
    """Interval [−t_Li, 0] ∪ [0, L] (or [0, L]): uniform elements of mesh_size in the band, growing
    linearly to coarse_mesh_size at the far face."""
    import gmsh

    L, h, hc, band = _sizes(g)
    layer = g.lithium == "layer"

    def model():
        geo = gmsh.model.geo
        p0 = geo.addPoint(0, 0, 0)
        lines, ends = [], [p0]
        if band < 1 - 1e-12:
            pb = geo.addPoint(band, 0, 0)
            ends.append(pb)
        p1 = geo.addPoint(1, 0, 0)
        ends.append(p1)
        for a, b in zip(ends[:-1], ends[1:], strict=True):
            lines.append(geo.addLine(a, b))
        geo.synchronize()
        n_band = max(2, int(math.ceil(band / h)))
        gmsh.model.mesh.setTransfiniteCurve(lines[0], n_band + 1)
        if len(lines) > 1:  # sizes growing from h to hc: a geometric progression of ratio r over n elements
            rest = 1 - band
            n = _graded_count(rest, h, hc)
            ratio = (hc / h) ** (1.0 / max(n - 1, 1)) if n > 1 else 1.0
            gmsh.model.mesh.setTransfiniteCurve(lines[1], n + 1, "Progression", ratio)
        gmsh.model.addPhysicalGroup(1, lines, 1, name="electrolyte")
        gmsh.model.addPhysicalGroup(0, [p0], 1, name="li")
        gmsh.model.addPhysicalGroup(0, [p1], 2, name="counter")
        if layer:
            t = g.lithium_thickness / L
            pl = geo.addPoint(-t, 0, 0)
            line = geo.addLine(pl, p0)
            geo.synchronize()
            gmsh.model.mesh.setTransfiniteCurve(line, max(2, int(math.ceil(t / max(h, t / 40)))) + 1)
            gmsh.model.addPhysicalGroup(1, [line], 2, name="lithium")
            gmsh.model.addPhysicalGroup(0, [pl], 3, name="li_back")

    return from_model(model, comm, 1, scale=L)


def _graded_count(length: float, h: float, hc: float) -> int:
    """Elements of a geometric progression of sizes from h to hc over ``length`` (gmsh scales the
    progression to the curve, so only the count matters): the length over the mean size of the
    progression, (hc − h)/ln(hc/h)."""
    if hc <= h * (1 + 1e-9):
        return max(1, int(math.ceil(length / h)))
    mean = (hc - h) / math.log(hc / h)
    return max(1, int(math.ceil(length / mean)))


def build_2d(g, comm) -> MeshData:
    """Rectangle [0, W] × [0, L] (x lateral, y depth) with the Li contact on y = 0, x ≤ a, and a
    band 0 ≤ y ≤ band_depth meshed at mesh_size (coarser beyond); a Li layer [0, a] × [−t, 0]."""
    import gmsh

    L, h, hc, band = _sizes(g)
    W, a = g.width / L, g.contact / L
    layer = g.lithium == "layer"
    partial = a < W * (1 - 1e-12)

    def model():
        geo = gmsh.model.geo
        p00, pW0 = geo.addPoint(0, 0, 0), geo.addPoint(W, 0, 0)
        pWL, p0L = geo.addPoint(W, 1, 0), geo.addPoint(0, 1, 0)
        pa0 = geo.addPoint(a, 0, 0) if partial else pW0
        contact = geo.addLine(p00, pa0)
        bottom = [contact]
        free = []
        if partial:
            free = [geo.addLine(pa0, pW0)]
            bottom += free
        side, top, axis = geo.addLine(pW0, pWL), geo.addLine(pWL, p0L), geo.addLine(p0L, p00)
        loop = geo.addCurveLoop([*bottom, side, top, axis])
        electrolyte = geo.addPlaneSurface([loop])
        if layer:
            t = g.lithium_thickness / L
            q0, qa = geo.addPoint(0, -t, 0), geo.addPoint(a, -t, 0)
            back, rim, li_axis = geo.addLine(q0, qa), geo.addLine(qa, pa0), geo.addLine(p00, q0)
            li_loop = geo.addCurveLoop([back, rim, -contact, li_axis])
            lithium = geo.addPlaneSurface([li_loop])
        geo.synchronize()
        gmsh.model.addPhysicalGroup(2, [electrolyte], 1, name="electrolyte")
        gmsh.model.addPhysicalGroup(1, [contact], 1, name="li")
        gmsh.model.addPhysicalGroup(1, [top], 2, name="counter")
        gmsh.model.addPhysicalGroup(1, [side], 3, name="side")
        gmsh.model.addPhysicalGroup(1, [axis] + ([li_axis] if layer else []), 4, name="axis")
        if partial:
            gmsh.model.addPhysicalGroup(1, free, 5, name="free")
        if layer:
            gmsh.model.addPhysicalGroup(2, [lithium], 2, name="lithium")
            gmsh.model.addPhysicalGroup(1, [back], 6, name="li_back")
            gmsh.model.addPhysicalGroup(1, [rim], 7, name="li_side")
        # fine band next to the Li (and through a Li layer), growing to the coarse size beyond
        field = gmsh.model.mesh.field
        box = field.add("Box")
        field.setNumber(box, "VIn", h)
        field.setNumber(box, "VOut", hc)
        field.setNumber(box, "XMin", -1.0)
        field.setNumber(box, "XMax", W + 1.0)
        field.setNumber(box, "YMin", -10.0)
        field.setNumber(box, "YMax", band)
        field.setNumber(box, "Thickness", max(0.5 * band, 4 * hc))
        field.setAsBackgroundMesh(box)
        for key in ("ExtendFromBoundary", "FromPoints", "FromCurvature"):
            gmsh.option.setNumber(f"Mesh.MeshSize{key}", 0)
        gmsh.option.setNumber("Mesh.Algorithm", 6)

    return from_model(model, comm, 2, scale=L)


def build_3d(g, comm) -> MeshData:
    """Box [0, W]² × [0, L] (x, y lateral from symmetry planes, z depth) with the Li contact on the
    square z = 0, x ≤ a, y ≤ a, and the band 0 ≤ z ≤ band_depth meshed at mesh_size (coarser beyond)."""
    import gmsh

    L, h, hc, band = _sizes(g)
    W, a = g.width / L, g.contact / L
    eps = 1e-6  # [L] above OCC's tolerance on bounding boxes (1e-7)
    partial = a < W - 10 * eps  # (a contact closer to the side is the whole face)

    def model():
        occ = gmsh.model.occ
        box = occ.addBox(0, 0, 0, W, W, 1)
        if partial:  # split the face z = 0 into the contact square and the free rest
            occ.fragment([(3, box)], [(2, occ.addRectangle(0, 0, 0, a, a))])
        occ.synchronize()
        faces: dict[str, list[int]] = {}
        for _, tag in gmsh.model.getEntities(2):
            x0, y0, z0, x1, y1, z1 = gmsh.model.getBoundingBox(2, tag)
            if z1 < eps:
                name = "li" if x1 < a + eps and y1 < a + eps else "free"
            elif z0 > 1 - eps:
                name = "counter"
            elif x1 < eps:
                name = "symmetry_x"
            elif y1 < eps:
                name = "symmetry_y"
            elif x0 > W - eps:
                name = "side_x"
            else:
                name = "side_y"
            faces.setdefault(name, []).append(tag)
        volumes = [tag for _, tag in gmsh.model.getEntities(3)]
        gmsh.model.addPhysicalGroup(3, volumes, 1, name="electrolyte")
        for i, name in enumerate(("li", "counter", "free", "symmetry_x", "symmetry_y", "side_x", "side_y")):
            if name in faces:
                gmsh.model.addPhysicalGroup(2, faces[name], i + 1, name=name)
        field = gmsh.model.mesh.field
        box_field = field.add("Box")
        field.setNumber(box_field, "VIn", h)
        field.setNumber(box_field, "VOut", hc)
        for axis, low, high in (("X", -1.0, W + 1.0), ("Y", -1.0, W + 1.0), ("Z", -10.0, band)):
            field.setNumber(box_field, f"{axis}Min", low)
            field.setNumber(box_field, f"{axis}Max", high)
        field.setNumber(box_field, "Thickness", max(0.5 * band, 4 * hc))
        field.setAsBackgroundMesh(box_field)
        for key in ("ExtendFromBoundary", "FromPoints", "FromCurvature"):
            gmsh.option.setNumber(f"Mesh.MeshSize{key}", 0)

    return from_model(model, comm, 3, scale=L)
