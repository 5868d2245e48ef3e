"""Meshes from gmsh: built on rank 0, distributed with ``model_to_mesh``, tagged by name.

Geometry sources are the parameterised ``.geo`` files of ``meshes/`` (dimensionless; the mesh is
scaled to SI after distribution). Large meshes are built coarse and refined uniformly in parallel
(``refine`` levels), with facet tags carried over and new vertices on curved boundaries snapped
back onto the exact surface.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ufl
from dolfinx import la
from dolfinx import mesh as dmesh
from mpi4py import MPI

from battchem import _compat
from battchem.parallel import on_root


def meshes_dir() -> Path:
    """Folder of the geometry sources: $BATTCHEM_MESHES, the checkout, or the installed share/."""
    candidates = [os.environ.get("BATTCHEM_MESHES"),
                  Path(__file__).resolve().parents[1] / "meshes",
                  Path(sys.prefix) / "share" / "battchem" / "meshes"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    raise FileNotFoundError("geometry sources not found: set BATTCHEM_MESHES to battchem's meshes/ folder")


@dataclass
class MeshData:
    """A distributed mesh with named cell and facet tags."""

    mesh: dmesh.Mesh
    cell_tags: dmesh.MeshTags | None
    facet_tags: dmesh.MeshTags | None
    cell_names: dict[str, int] = field(default_factory=dict)
    facet_names: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # one-sided interior-facet measures (battchem.interface): their shared subdomain data
    interfaces: dict = field(default_factory=lambda: {"data": [], "plus": {}}, repr=False)
    generation: int = 0  # how many times the body was remeshed: writers start new files when it changes
    ghost_mode: str = "none"  # "shared_facet" when interior-facet integrals need ghost cells

    @property
    def comm(self) -> MPI.Comm:
        return self.mesh.comm

    def facets(self, name: str) -> np.ndarray:
        """Local indices of the facets tagged ``name``."""
        if name not in self.facet_names:
            raise KeyError(f"no facet group {name!r} (have: {', '.join(self.facet_names)})")
        return self.facet_tags.find(self.facet_names[name])

    def ds(self, name: str | None = None):
        """Boundary measure, restricted to the facet group ``name`` when given."""
        measure = ufl.Measure("ds", domain=self.mesh, subdomain_data=self.facet_tags)
        return measure if name is None else measure(self.facet_names[name])

    def dS(self, name: str, plus):
        """Interior-facet measure of facet group ``name`` with '+' the cell in cell region(s)
        ``plus`` on every facet (see :func:`battchem.interface.interface_measure`)."""
        from battchem.interface import interface_measure

        return interface_measure(self, name, plus)

    def dx(self, name: str | None = None):
        measure = ufl.Measure("dx", domain=self.mesh, subdomain_data=self.cell_tags)
        return measure if name is None else measure(self.cell_names[name])

    def num_cells_global(self) -> int:
        imap = self.mesh.topology.index_map(self.mesh.topology.dim)
        return imap.size_global

    def h_range(self) -> tuple[float, float]:
        """(min, max) cell diameter over all ranks."""
        tdim = self.mesh.topology.dim
        n = self.mesh.topology.index_map(tdim).size_local
        h = self.mesh.h(tdim, np.arange(n, dtype=np.int32))
        lo = h.min() if n else np.inf
        hi = h.max() if n else 0.0
        return self.comm.allreduce(lo, op=MPI.MIN), self.comm.allreduce(hi, op=MPI.MAX)


Snap = Callable[[np.ndarray], np.ndarray]


def from_geo(source: str | Path, parameters: dict[str, float], comm: MPI.Comm, gdim: int, *,
             scale: float = 1.0, refine: int = 0, snap: dict[str, Snap] | None = None,
             ghost_mode: str = "none") -> MeshData:
    """Mesh the gmsh ``source`` (a name in ``meshes/`` or a path) on rank 0 and distribute it.

    ``parameters`` are set in the gmsh parser before the file is read (they override its
    ``DefineConstant`` defaults). Coordinates are multiplied by ``scale``. Each of the ``refine``
    uniform refinements runs in parallel; ``snap[name]`` maps coordinates of vertices on facet
    group ``name`` back onto the exact boundary after each refinement. ``ghost_mode``
    ``shared_facet`` is needed for interior-facet integrals (``dS``) in parallel; dolfinx 0.9
    drops ghost cells when it refines without repartitioning, so it excludes ``refine``.
    """
    import gmsh

    if ghost_mode != "none" and refine > 0:
        raise ValueError(f"ghost_mode {ghost_mode!r} needs refine 0 (dolfinx 0.9 refinement drops ghosts)")

    path = Path(source)
    if not path.suffix:
        path = meshes_dir() / f"{source}.geo"

    def build():
        for key, value in parameters.items():
            gmsh.parser.setNumber(key, [float(value)])
        gmsh.merge(str(path))

    data = from_model(build, comm, gdim, scale=scale, ghost_mode=ghost_mode)
    t1 = time.perf_counter()
    for _ in range(refine):
        data = refine_uniform(data, snap)
    data.timings["refine"] = time.perf_counter() - t1
    return data


def from_model(build: Callable[[], None], comm: MPI.Comm, gdim: int, *, scale: float = 1.0,
               ghost_mode: str = "none") -> MeshData:
    """Run ``build()`` on rank 0 to create a gmsh model, mesh it there and distribute it over ``comm``.

    ``build`` adds the geometry, the physical groups (top dimension: named cell tags; one lower:
    named facet tags) and any mesh options or size callback; the model is cleared afterwards. An
    exception raised on rank 0 is raised on every rank. Coordinates are multiplied by ``scale``.
    """
    import gmsh

    t0 = time.perf_counter()
    rank = 0
    initialized_here = not gmsh.isInitialized()
    if initialized_here:
        gmsh.initialize(interruptible=False)

    def generate() -> tuple[dict, dict]:
        """gmsh on rank 0: the model, its mesh; the names of the physical groups."""
        gmsh.clear()
        build()
        dim = max(d for d, _ in gmsh.model.getEntities())
        gmsh.model.mesh.generate(dim)
        cell_names, facet_names = {}, {}
        for d, tag in gmsh.model.getPhysicalGroups():
            name = gmsh.model.getPhysicalName(d, tag)
            if d == dim:
                cell_names[name] = tag
            elif d == dim - 1:
                facet_names[name] = tag
        return cell_names, facet_names

    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.option.setNumber("General.Verbosity", 2)
        names = on_root(comm, generate, root=rank)  # a gmsh error is raised on every rank
        t_gmsh = time.perf_counter() - t0
        msh, cell_tags, facet_tags = _compat.model_to_mesh(gmsh.model, comm, rank, gdim, ghost_mode)
    finally:
        if comm.rank == rank:
            gmsh.model.mesh.removeSizeCallback()
            gmsh.clear()
        if initialized_here:
            gmsh.finalize()
    t_dist = time.perf_counter() - t0 - t_gmsh
    msh.geometry.x[:, :gdim] *= scale
    return MeshData(msh, cell_tags, facet_tags, names[0], names[1], {"gmsh": t_gmsh, "distribute": t_dist},
                    ghost_mode=ghost_mode)


def refine_uniform(data: MeshData, snap: dict[str, Snap] | None = None) -> MeshData:
    """One uniform parallel refinement with tags transferred and curved boundaries snapped."""
    msh = data.mesh
    tdim = msh.topology.dim
    msh.topology.create_connectivity(tdim - 1, tdim)
    refined, parent_cell, parent_facet = _compat.refine_uniform(msh)
    facet_tags = (_compat.transfer_facet_tags(data.facet_tags, refined, parent_cell, parent_facet)
                  if data.facet_tags is not None else None)
    cell_tags = (_compat.transfer_cell_tags(data.cell_tags, refined, parent_cell, parent_facet)
                 if data.cell_tags is not None else None)
    out = MeshData(refined, cell_tags, facet_tags, dict(data.cell_names), dict(data.facet_names),
                   dict(data.timings))
    for name, project in (snap or {}).items():
        snap_boundary(out, name, project)
    return out


def snap_boundary(data: MeshData, name: str, project: Snap) -> None:
    """Move the geometry nodes on facet group ``name`` to ``project(x)`` on every rank.

    A node is on the group if any rank sees it on a tagged facet (an additive reverse scatter of a
    marker over the geometry index map); since all ranks hold identical coordinates, applying the
    same projection to the marked owned and ghost nodes keeps the geometry consistent.
    """
    msh = data.mesh
    fdim = msh.topology.dim - 1
    facets = data.facets(name)
    nodes = dmesh.entities_to_geometry(msh, fdim, facets).ravel() if len(facets) else np.zeros(0, np.int32)
    marker = la.vector(msh.geometry.index_map(), bs=1)
    marker.array[:] = 0.0
    marker.array[np.unique(nodes)] = 1.0
    marker.scatter_reverse(la.InsertMode.add)
    marker.scatter_forward()
    marked = np.flatnonzero(marker.array > 0)
    if len(marked):
        gdim = msh.geometry.dim
        msh.geometry.x[marked, :gdim] = project(msh.geometry.x[marked, :gdim])


def onto_sphere(radius: float, centre=(0.0, 0.0, 0.0)) -> Snap:
    """Projection of points onto the sphere (or circle, in 2-D) of ``radius`` about ``centre``."""

    def project(x: np.ndarray) -> np.ndarray:
        c = np.asarray(centre[: x.shape[1]])
        d = x - c
        return c + radius * d / np.linalg.norm(d, axis=1, keepdims=True)

    return project
