"""battchem.interface: one-sided interface measures, submeshes with their maps, and forms that
couple fields on two submeshes, on 1 and 2 ranks (also on facets that straddle the process
boundary)."""

from __future__ import annotations

import basix.ufl
import numpy as np
import pytest
import ufl
from dolfinx import fem, graph
from dolfinx import mesh as dmesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI

from battchem.interface import entity_maps, interface_entities, interface_measure, submesh
from battchem.mesh import MeshData, from_geo

pytestmark = pytest.mark.mpi

L1, L2, H = 1.0, 1.0, 0.5


def bilayer(comm, h=0.1, ghost_mode="shared_facet") -> MeshData:
    return from_geo("bilayer", {"L1": L1, "L2": L2, "H": H, "h": h}, comm, 2, ghost_mode=ghost_mode)


def split_strip(comm, nx=8, ny=4, ghosts=True) -> MeshData:
    """Structured triangles on [0, 2] x [0, 1] (diagonals alternating), regions "one" (x < 1) and
    "two", partitioned by hand: on 2 ranks the cells with y < 1/4 are on rank 0 and the others on
    the rank of their region, so most interface facets x = 1 lie on the process boundary and a few
    do not. ``ghosts``: each rank also holds the cells across its process-boundary facets (what
    ghost mode shared_facet gives). Facet groups: "interface" (x = 1), "inner" (x = 1/2, inside
    region one), "left" (x = 0)."""
    X, Y = np.meshgrid(np.linspace(0, 2, nx + 1), np.linspace(0, 1, ny + 1), indexing="ij")
    x = np.column_stack([X.ravel(), Y.ravel()])
    v = lambda i, j: i * (ny + 1) + j
    cells = []
    for i in range(nx):
        for j in range(ny):
            a, b, c, d = v(i, j), v(i + 1, j), v(i + 1, j + 1), v(i, j + 1)
            cells += [[a, b, c], [a, c, d]] if (i + j) % 2 else [[a, b, d], [b, c, d]]
    cells = np.array(cells, dtype=np.int64)
    centre = x[cells].mean(axis=1)
    region = np.where(centre[:, 0] < 1, 1, 2).astype(np.int32)
    owner = np.where(centre[:, 1] < 0.25, 0, region - 1) % comm.size

    def partition(comm_, nparts, cell_types, topology):
        if comm.rank != 0:
            return graph.adjacencylist(np.zeros(0, np.int32), np.zeros(1, np.int32))
        edges: dict[tuple[int, int], list[int]] = {}
        for k, cell in enumerate(cells):
            for e in ((cell[0], cell[1]), (cell[1], cell[2]), (cell[0], cell[2])):
                edges.setdefault(tuple(sorted(e)), []).append(k)
        dest = [[int(owner[k])] for k in range(len(cells))]
        if ghosts:
            for pair in edges.values():
                if len(pair) == 2 and owner[pair[0]] != owner[pair[1]]:
                    dest[pair[0]].append(int(owner[pair[1]]))
                    dest[pair[1]].append(int(owner[pair[0]]))
        dest = [sorted(set(d), key=lambda r, d=d: r != d[0]) for d in dest]  # owner first
        offsets = np.cumsum([0] + [len(d) for d in dest]).astype(np.int32)
        return graph.adjacencylist(np.concatenate(dest).astype(np.int32), offsets)

    if comm.rank != 0:
        cells, x = np.zeros((0, 3), np.int64), np.zeros((0, 2))
    domain = ufl.Mesh(basix.ufl.element("Lagrange", "triangle", 1, shape=(2,)))
    msh = dmesh.create_mesh(comm, cells, x, domain, partition)
    region = comm.bcast(region, root=0)
    tdim = msh.topology.dim
    imap = msh.topology.index_map(tdim)
    local = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    cell_tags = dmesh.meshtags(msh, tdim, local, region[msh.topology.original_cell_index[local]])
    msh.topology.create_entities(tdim - 1)
    groups = {"interface": (1, 1.0), "inner": (2, 0.5), "left": (3, 0.0)}
    facets = [(dmesh.locate_entities(msh, tdim - 1, lambda p, x0=x0: np.isclose(p[0], x0)), tag)
              for tag, x0 in groups.values()]
    indices = np.concatenate([f for f, _ in facets])
    values = np.concatenate([np.full(len(f), tag, np.int32) for f, tag in facets])
    order = np.argsort(indices)
    facet_tags = dmesh.meshtags(msh, tdim - 1, indices[order], values[order])
    return MeshData(msh, cell_tags, facet_tags, {"one": 1, "two": 2},
                    {name: tag for name, (tag, _) in groups.items()})


def assemble(form, entity_maps_=None) -> float:
    value = fem.assemble_scalar(fem.form(form, entity_maps=entity_maps_))
    return MPI.COMM_WORLD.allreduce(value, op=MPI.SUM)


def check_sides(md: MeshData, name: str, plus: str, minus: str) -> int:
    """Assert, facet by facet on this rank, that '+' is in region ``plus`` and '−' in ``minus``
    and that both local facets are the facet; returns the number of facets with a ghost cell."""
    msh = md.mesh
    tdim = msh.topology.dim
    ent = interface_entities(md, name, plus)
    tag = np.full(msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts, -1)
    tag[md.cell_tags.indices] = md.cell_tags.values
    assert np.all(tag[ent[:, 0]] == md.cell_names[plus])
    assert np.all(tag[ent[:, 2]] == md.cell_names[minus])
    c2f = msh.topology.connectivity(tdim, tdim - 1)
    f_plus = np.array([c2f.links(c)[f] for c, f in zip(ent[:, 0], ent[:, 1], strict=True)], dtype=np.int32)
    f_minus = np.array([c2f.links(c)[f] for c, f in zip(ent[:, 2], ent[:, 3], strict=True)], dtype=np.int32)
    assert np.array_equal(f_plus, f_minus)
    fmap = msh.topology.index_map(tdim - 1)
    owned = md.facets(name)
    assert np.array_equal(np.sort(f_plus), np.sort(owned[owned < fmap.size_local]))
    n_local = msh.topology.index_map(tdim).size_local
    return int(np.count_nonzero((ent[:, 0] >= n_local) | (ent[:, 2] >= n_local)))


def normal_flux(md: MeshData, dS) -> float:
    """∫ n⁺·e_x dS: the interface length if every '+' cell is left of the interface, and less by
    twice the length of each facet whose '+' cell is on the right."""
    n = ufl.FacetNormal(md.mesh)
    return assemble(n("+")[0] * dS)


def test_side_on_gmsh_bilayer(comm):
    md = bilayer(comm)
    check_sides(md, "interface", "layer1", "layer2")
    # each facet counts its length with sign ±1: exact up to rounding if all sides are right
    assert normal_flux(md, md.dS("interface", plus="layer1")) == pytest.approx(H, rel=1e-12)
    flipped = MeshData(md.mesh, md.cell_tags, md.facet_tags, md.cell_names, md.facet_names)
    assert normal_flux(flipped, flipped.dS("interface", plus="layer2")) == pytest.approx(-H, rel=1e-12)
    with pytest.raises(ValueError, match="already oriented"):
        md.dS("interface", plus="layer2")


def test_side_on_process_boundary(comm):
    md = split_strip(comm)
    straddling = comm.allreduce(check_sides(md, "interface", "one", "two"), op=MPI.SUM)
    if comm.size == 2:
        # 3 of the 4 interface facets lie on the process boundary in this partition
        assert straddling == 3
    # the '+' side's cell-wise indicator: 1 on every facet only if '+' is in region one
    Q = fem.functionspace(md.mesh, ("DG", 0))
    w = fem.Function(Q)
    w.x.array[md.cell_tags.find(md.cell_names["one"])] = 1.0
    dS = interface_measure(md, "interface", "one")
    assert assemble((w("+") - w("-")) * dS) == pytest.approx(1.0, rel=1e-12)
    assert normal_flux(md, dS) == pytest.approx(1.0, rel=1e-12)


def test_without_ghosts_refused(comm):
    if comm.size == 1:
        pytest.skip("process-boundary facets need 2 ranks")
    md = split_strip(comm, ghosts=False)
    with pytest.raises(RuntimeError, match="shared_facet"):
        interface_entities(md, "interface", "one")


def test_groups_that_are_not_interfaces_refused(comm):
    md = split_strip(comm)
    with pytest.raises(ValueError, match="exactly one cell"):
        interface_entities(md, "inner", "one")
    with pytest.raises(RuntimeError, match="one cell"):
        interface_entities(md, "left", "one")


def test_submesh_maps_and_tags(comm):
    md = bilayer(comm)
    sub1, sub2 = submesh(md, "layer1"), submesh(md, "layer2")
    n1, n2 = sub1.num_cells_global(), sub2.num_cells_global()
    assert n1 + n2 == md.num_cells_global() and n1 > 0 and n2 > 0
    assert set(sub1.facet_names) == {"left", "bottom", "top", "interface"}
    assert set(sub2.facet_names) == {"right", "bottom", "top", "interface"}
    # lengths and area are sums of exact segment lengths: equal up to rounding
    assert assemble(1.0 * sub1.ds("interface")) == pytest.approx(H, rel=1e-12)
    assert assemble(1.0 * sub1.ds("bottom")) == pytest.approx(L1, rel=1e-12)
    assert assemble(1.0 * sub2.ds("right")) == pytest.approx(H, rel=1e-12)
    assert assemble(1.0 * sub1.dx("layer1")) == pytest.approx(L1 * H, rel=1e-12)
    assert np.array_equal(sub1.mesh.geometry.x, md.mesh.geometry.x[sub1.node_map])
    tdim = md.mesh.topology.dim
    md.mesh.topology.create_connectivity(tdim, 0)
    sub1.mesh.topology.create_connectivity(tdim, 0)
    parent_vertices = md.mesh.topology.connectivity(tdim, 0).array.reshape(-1, 3)[sub1.cell_map]
    sub_vertices = sub1.vertex_map[sub1.mesh.topology.connectivity(tdim, 0).array.reshape(-1, 3)]
    assert np.array_equal(parent_vertices, sub_vertices)
    assert np.array_equal(sub1.parent_cells[sub1.cell_map], np.arange(len(sub1.cell_map)))
    assert np.array_equal(sub1.parent_vertices[sub1.vertex_map], np.arange(len(sub1.vertex_map)))
    assert np.array_equal(sub1.parent_nodes[sub1.node_map], np.arange(len(sub1.node_map)))
    assert np.count_nonzero(sub1.parent_cells >= 0) == len(sub1.cell_map)
    # a function on the submesh integrated over the parent's region through the entity map
    u = fem.Function(fem.functionspace(sub1.mesh, ("Lagrange", 1)))
    u.interpolate(lambda x: 1 + x[0] + 2 * x[1])
    exact = L1 * H + L1**2 * H / 2 + L1 * H**2  # ∫∫ 1 + x + 2y over [0, L1] x [0, H]
    assert assemble(u * md.dx("layer1"), {sub1.mesh: sub1.entity_map()}) == pytest.approx(exact, rel=1e-12)


def test_coupling_forms_across_interface(comm):
    """c1 on layer 1 and c2 on layer 2 meet in interior-facet integrals over the parent mesh."""
    md = bilayer(comm)
    sub1, sub2 = submesh(md, "layer1"), submesh(md, "layer2")
    V1 = fem.functionspace(sub1.mesh, ("Lagrange", 1))
    V2 = fem.functionspace(sub2.mesh, ("Lagrange", 1))
    c1, c2 = fem.Function(V1), fem.Function(V2)
    c1.interpolate(lambda x: 1 + x[0] + 3 * x[1])
    c2.interpolate(lambda x: -2 * x[0] + x[1])
    maps = entity_maps(sub1, sub2, across=["interface"])
    dS = md.dS("interface", plus="layer1")
    # at x = 1, c1 = 2 + 3y and c2 = −2 + y; P1 reproduces both, so the integrals are exact. The
    # product tells a trace from its mirror image along the facet, which a linear integrand cannot
    assert assemble((c1("+") - c2("-")) * dS, maps) == pytest.approx(4 * H + H**2, rel=1e-12)
    assert assemble(c1("+") * c2("-") * dS, maps) == pytest.approx(-4 * H - 2 * H**2 + H**3, rel=1e-12)
    v1, u2 = ufl.TestFunction(V1), ufl.TrialFunction(V2)
    A12 = fem_petsc.assemble_matrix(fem.form(u2("-") * v1("+") * dS, entity_maps=maps))
    A12.assemble()
    b1 = fem_petsc.assemble_vector(fem.form(c2("-") * v1("+") * dS, entity_maps=maps))
    b1.ghostUpdate(addv=fem_petsc.PETSc.InsertMode.ADD, mode=fem_petsc.PETSc.ScatterMode.REVERSE)
    y = A12.createVecLeft()
    A12.mult(c2.x.petsc_vec, y)
    y.axpy(-1.0, b1)
    assert y.norm() < 1e-14 * b1.norm()  # the same sums in another order: rounding only
    assert b1.sum() == pytest.approx(H**2 / 2 - 2 * H, rel=1e-12)  # ∫ (−2 + y) dy
