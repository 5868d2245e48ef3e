"""Two cell regions and the facets between them: one-sided interior-facet measures, submeshes with
their maps, and the entity maps that couple fields living on one side each.

Interface measure. In dolfinx the '+' and '−' restrictions of an interior facet are the first and
second cell of its integration entity (cell₀, local facet₀, cell₁, local facet₁), and the order
that dolfinx computes from a MeshTags follows the facet-to-cell connectivity, which differs from
facet to facet. :func:`interface_measure` builds the entities itself so that '+' is always the
cell in a named cell region, on every rank. Interior facets on a process boundary need both cells
on the rank that owns the facet: the mesh must be created with ghost mode ``shared_facet``
(``mesh.from_geo(..., ghost_mode="shared_facet")``); a mesh without ghosts is refused.

Fields on one side. A field living on region A only is a Function on the submesh of A
(:func:`submesh`). Forms that couple it to a field on region B are integrated over the parent mesh
with ``entity_maps`` (parent cell → submesh cell). dolfinx 0.9 can assemble interior-facet integrals
of such forms only if every argument and coefficient has a cell on *both* sides of each facet (the
assembler reads the dofs of both cells, and a cell mapped to −1 is out of bounds; interface
coupling of non-overlapping domains arrived after 0.9, dolfinx PR 3775). :meth:`SubMeshData.entity_map`
with ``across`` therefore maps each parent cell just outside A across an interface facet to the
cell of A on the other side of that facet. The restriction of an A-field to the side outside A
then reads real dofs but means nothing, so forms must restrict A-fields to A's side only
(``c_A("+")`` when A is the '+' region); those terms are exact, and the unused side adds zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import ufl
from dolfinx import la
from dolfinx import mesh as dmesh
from mpi4py import MPI

from battchem.mesh import MeshData

Regions = str | Sequence[str]


def region_cells(md: MeshData, regions: Regions) -> np.ndarray:
    """Marker over the rank's cells (owned and ghost): True in the named cell region(s).

    The owned markers are scattered to the ghosts, so the result does not depend on whether the
    cell tags cover ghost cells.
    """
    names = [regions] if isinstance(regions, str) else list(regions)
    for name in names:
        if name not in md.cell_names:
            raise KeyError(f"no cell region {name!r} (have: {', '.join(md.cell_names)})")
    tdim = md.mesh.topology.dim
    imap = md.mesh.topology.index_map(tdim)
    marker = la.vector(imap, bs=1)
    marker.array[:] = 0.0
    cells = np.concatenate([md.cell_tags.find(md.cell_names[n]) for n in names])
    marker.array[cells[cells < imap.size_local]] = 1.0
    marker.scatter_forward()
    return marker.array > 0.5


def _facet_cells(msh: dmesh.Mesh, facets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cells, local facet indices) of ``facets`` with two local cells, shape (n, 2) each, and
    a mask of the facets that have two."""
    tdim = msh.topology.dim
    msh.topology.create_connectivity(tdim - 1, tdim)
    msh.topology.create_connectivity(tdim, tdim - 1)
    f2c = msh.topology.connectivity(tdim - 1, tdim)
    c2f = msh.topology.connectivity(tdim, tdim - 1)
    count = f2c.offsets[facets + 1] - f2c.offsets[facets]
    two = count == 2
    start = f2c.offsets[facets[two]]
    cells = np.stack([f2c.array[start], f2c.array[start + 1]], axis=1)
    facets_per_cell = c2f.offsets[1] - c2f.offsets[0]
    c2f_array = c2f.array.reshape(-1, facets_per_cell)
    local = np.stack([np.argmax(c2f_array[cells[:, k]] == facets[two, None], axis=1) for k in (0, 1)],
                     axis=1)
    return cells, local.astype(np.int32), two


def interface_entities(md: MeshData, name: str, plus: Regions) -> np.ndarray:
    """Integration entities of facet group ``name``, one row (cell₊, facet₊, cell₋, facet₋) per
    facet owned by this rank, with cell₊ in the cell region(s) ``plus`` and cell₋ outside.

    Collective. Raises if a facet of the group has only one cell on its owning rank (a boundary
    facet, or a process-boundary facet of a mesh without ghost mode ``shared_facet``) or if not
    exactly one of its two cells is in ``plus``.
    """
    msh = md.mesh
    fdim = msh.topology.dim - 1
    facets = md.facets(name)
    facets = facets[facets < msh.topology.index_map(fdim).size_local]
    inside = region_cells(md, plus)
    cells, local, two = _facet_cells(msh, facets)
    one_cell = md.comm.allreduce(int(np.count_nonzero(~two)), op=MPI.SUM)
    if one_cell:
        raise RuntimeError(
            f"{one_cell} facets of {name!r} have one cell on their owning rank: the group holds boundary "
            "facets, or the mesh was distributed without ghost mode 'shared_facet'")
    in_plus = inside[cells]
    one_sided = in_plus[:, 0] != in_plus[:, 1]
    bad = md.comm.allreduce(int(np.count_nonzero(~one_sided)), op=MPI.SUM)
    if bad:
        raise ValueError(f"{bad} facets of {name!r} do not have exactly one cell in region {plus!r}")
    swap = ~in_plus[:, 0]
    cells[swap] = cells[swap, ::-1]
    local[swap] = local[swap, ::-1]
    return np.stack([cells[:, 0], local[:, 0], cells[:, 1], local[:, 1]], axis=1).astype(np.int32)


def interface_measure(md: MeshData, name: str, plus: Regions) -> ufl.Measure:
    """Interior-facet measure dS over facet group ``name`` with '+' the cell in region(s) ``plus``.

    All interface measures of one MeshData share one subdomain-data list (dolfinx requires a form's
    interior-facet integrals to share theirs), so several interfaces can appear in one form. A
    group has one orientation per MeshData: asking for the other side raises ValueError.
    Collective on the first call for a group.
    """
    key = tuple(sorted([plus] if isinstance(plus, str) else plus))
    tag = md.facet_names.get(name)
    state = md.interfaces
    if name in state["plus"]:
        if state["plus"][name] != key:
            raise ValueError(f"interface {name!r} already oriented with '+' in {state['plus'][name]}")
    else:
        state["data"].append((tag, interface_entities(md, name, plus).ravel()))
        state["data"].sort(key=lambda item: item[0])
        state["plus"][name] = key
    return ufl.Measure("dS", domain=md.mesh, subdomain_data=state["data"])(tag)


# --------------------------------------------------------------------------------------------
# Submeshes


@dataclass
class SubMeshData(MeshData):
    """The submesh of some cell regions of ``parent``, its tags and the maps to the parent.

    ``cell_map``, ``vertex_map`` and ``node_map`` take a submesh cell, vertex or geometry node to
    the parent's (as returned by ``dolfinx.mesh.create_submesh``); ``parent_cells`` is the inverse
    cell map (parent cell → submesh cell, −1 outside). Facet groups of the parent that touch the
    submesh are carried over, so an interface of the parent is a boundary group of the submesh.
    """

    parent: MeshData | None = None
    cell_map: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    vertex_map: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    node_map: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    parent_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    @property
    def parent_vertices(self) -> np.ndarray:
        """Parent vertex → submesh vertex (−1 outside)."""
        imap = self.parent.mesh.topology.index_map(0)
        return _inverse(self.vertex_map, imap.size_local + imap.num_ghosts)

    @property
    def parent_nodes(self) -> np.ndarray:
        """Parent geometry node → submesh geometry node (−1 outside)."""
        return _inverse(self.node_map, self.parent.mesh.geometry.x.shape[0])

    def entity_map(self, across: Sequence[str] = ()) -> np.ndarray:
        """Parent cell → submesh cell, for forms integrated over the parent mesh.

        Cells outside the submesh map to −1, except that for each facet of the parent's groups
        ``across`` with one cell inside, the cell outside maps to the cell inside (see the module
        docstring: interior-facet integrals in dolfinx 0.9 need a cell on both sides).
        """
        emap = self.parent_cells.copy()
        for name in across:
            cells, _, _ = _facet_cells(self.parent.mesh, self.parent.facets(name))
            inside = self.parent_cells[cells] >= 0
            crossing = inside[:, 0] != inside[:, 1]
            cells, inside = cells[crossing], inside[crossing]
            near = np.where(inside[:, 0], cells[:, 0], cells[:, 1])
            far = np.where(inside[:, 0], cells[:, 1], cells[:, 0])
            emap[far] = self.parent_cells[near]
        return emap


def _inverse(child_to_parent: np.ndarray, n_parent: int) -> np.ndarray:
    inverse = np.full(n_parent, -1, dtype=np.int32)
    inverse[child_to_parent] = np.arange(len(child_to_parent), dtype=np.int32)
    return inverse


def submesh(md: MeshData, regions: Regions) -> SubMeshData:
    """The submesh of the cell region(s) ``regions`` (owned and ghost cells), with the parent's
    cell tags and facet tags carried over and the maps to the parent. Collective."""
    names = [regions] if isinstance(regions, str) else list(regions)
    msh = md.mesh
    tdim = msh.topology.dim
    imap = msh.topology.index_map(tdim)
    n_cells = imap.size_local + imap.num_ghosts
    cells = np.flatnonzero(region_cells(md, names)).astype(np.int32)
    sub, cell_map, vertex_map, node_map = dmesh.create_submesh(msh, tdim, cells)
    sub.topology.create_connectivity(tdim - 1, tdim)  # for boundary conditions on its facets
    parent_cells = _inverse(cell_map, n_cells)

    tag_of_cell = np.full(n_cells, -1, dtype=np.int32)
    tag_of_cell[md.cell_tags.indices] = md.cell_tags.values
    sub_values = tag_of_cell[cell_map]
    has = sub_values >= 0
    cell_tags = dmesh.meshtags(sub, tdim, np.flatnonzero(has).astype(np.int32), sub_values[has])
    cell_names = {n: md.cell_names[n] for n in names}

    facet_tags, facet_names = None, {}
    if md.facet_tags is not None:
        indices, values = _transfer_facet_tags(md, sub, vertex_map)
        facet_tags = dmesh.meshtags(sub, tdim - 1, indices, values)
        present = {int(v) for v in np.unique(values)}
        present = set().union(*md.comm.allgather(present))
        facet_names = {n: t for n, t in md.facet_names.items() if t in present}
    return SubMeshData(sub, cell_tags, facet_tags, cell_names, facet_names, {}, parent=md,
                       cell_map=cell_map, vertex_map=vertex_map, node_map=node_map,
                       parent_cells=parent_cells)


def _transfer_facet_tags(md: MeshData, sub: dmesh.Mesh, vertex_map: np.ndarray):
    """(submesh facets, values) of the parent's tagged facets that are facets of ``sub``, matched
    by their (parent-numbered, sorted) vertices."""
    fdim = sub.topology.dim - 1
    sub.topology.create_entities(fdim)
    sub.topology.create_connectivity(fdim, 0)
    md.mesh.topology.create_connectivity(fdim, 0)
    sub_f2v = sub.topology.connectivity(fdim, 0)
    parent_f2v = md.mesh.topology.connectivity(fdim, 0)
    per_facet = parent_f2v.offsets[1] - parent_f2v.offsets[0]
    sub_keys = np.sort(vertex_map[sub_f2v.array.reshape(-1, per_facet)], axis=1)
    tagged, values = md.facet_tags.indices, md.facet_tags.values
    parent_keys = np.sort(parent_f2v.array.reshape(-1, per_facet)[tagged], axis=1)
    _, key_id = np.unique(np.vstack([sub_keys, parent_keys]), axis=0, return_inverse=True)
    key_id = key_id.ravel()
    sub_facet_of_key = np.full(key_id.max() + 1 if len(key_id) else 0, -1, dtype=np.int32)
    sub_facet_of_key[key_id[: len(sub_keys)]] = np.arange(len(sub_keys), dtype=np.int32)
    match = sub_facet_of_key[key_id[len(sub_keys):]]
    found = match >= 0
    order = np.argsort(match[found])
    return match[found][order], values[found][order].astype(np.int32)


def entity_maps(*subs: SubMeshData, across: Sequence[str] = ()) -> dict[dmesh.Mesh, np.ndarray]:
    """``entity_maps`` for ``fem.form`` of forms integrated over the parent mesh that contain
    functions on the submeshes ``subs``, extended across the facet groups ``across``."""
    return {s.mesh: s.entity_map(across) for s in subs}
