"""Every dolfinx-version-dependent call in one place.

battchem targets dolfinx 0.9 (Debian trixie). dolfinx 0.10 renamed ``dolfinx.io.gmshio`` to
``dolfinx.io.gmsh`` and made ``model_to_mesh`` return a ``MeshData`` object; moving forward should
only need changes here.
"""

from __future__ import annotations

import dolfinx
import dolfinx.fem
import dolfinx.fem.petsc  # noqa: F401  (registers the petsc submodule)
import dolfinx.mesh
import numpy as np

try:  # dolfinx >= 0.10
    from dolfinx.io import gmsh as _gmshio  # type: ignore[attr-defined]
except ImportError:  # dolfinx 0.9
    from dolfinx.io import gmshio as _gmshio

DOLFINX_VERSION = dolfinx.__version__


def model_to_mesh(model, comm, rank: int, gdim: int, ghost_mode: str = "none"):
    """gmsh model on ``rank`` -> (mesh, cell_tags, facet_tags), distributed over ``comm``.

    ``ghost_mode`` is ``none`` or ``shared_facet`` (each rank also holds the cells across its
    process-boundary facets, which interior-facet integrals need).
    """
    partitioner = (None if ghost_mode == "none"  # dolfinx's default, unghosted
                   else dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode[ghost_mode]))
    out = _gmshio.model_to_mesh(model, comm, rank, gdim=gdim, partitioner=partitioner)
    if isinstance(out, tuple):
        return out[0], out[1], out[2]
    return out.mesh, out.cell_tags, out.facet_tags  # dolfinx >= 0.10


def refine_uniform(mesh):
    """Uniformly refine ``mesh``; returns (mesh, parent_cell, parent_facet).

    Children stay on the rank of their parent (no repartitioning): the parent was balanced, so the
    refinement is too, and tag transfer (which works on rank-local parent indices) stays valid.
    """
    mesh.topology.create_entities(1)
    option = dolfinx.mesh.RefinementOption.parent_cell_and_facet
    return dolfinx.mesh.refine(mesh, None, partitioner=None, option=option)


def transfer_facet_tags(tags, refined_mesh, parent_cell, parent_facet):
    """Facet tags of a parent mesh carried to its refinement."""
    from dolfinx.cpp.refinement import transfer_facet_meshtag

    fdim = refined_mesh.topology.dim - 1
    refined_mesh.topology.create_entities(fdim)
    refined_mesh.topology.create_connectivity(fdim, refined_mesh.topology.dim)
    cpp_tags = transfer_facet_meshtag(tags._cpp_object, refined_mesh.topology._cpp_object,
                                      parent_cell, parent_facet)
    return dolfinx.mesh.meshtags(refined_mesh, fdim, cpp_tags.indices, cpp_tags.values)


def transfer_cell_tags(tags, refined_mesh, parent_cell, parent_facet):
    """Cell tags of a parent mesh carried to its refinement."""
    from dolfinx.cpp.refinement import transfer_cell_meshtag

    tdim = refined_mesh.topology.dim
    cpp_tags = transfer_cell_meshtag(tags._cpp_object, refined_mesh.topology._cpp_object,
                                     parent_cell)
    return dolfinx.mesh.meshtags(refined_mesh, tdim, cpp_tags.indices, cpp_tags.values)


def petsc_vec(function):
    """The PETSc vector wrapping a Function's dof array."""
    return function.x.petsc_vec


def nonmatching_interpolation_data(V_to, V_from, padding: float):
    """(cells, data) to interpolate Functions on ``V_from`` into ``V_to``, on another mesh, over all
    local cells of ``V_to``; interpolation points outside the old mesh by less than ``padding`` take
    the values of the nearest cell. dolfinx 0.8 named this
    ``create_nonmatching_meshes_interpolation_data`` and passed it to ``Function.interpolate``."""
    mesh = V_to.mesh
    cell_map = mesh.topology.index_map(mesh.topology.dim)
    cells = np.arange(cell_map.size_local + cell_map.num_ghosts, dtype=np.int32)
    return cells, dolfinx.fem.create_interpolation_data(V_to, V_from, cells, padding=padding)


def interpolate_nonmatching(target, source, cells, data) -> None:
    """target ← source (a Function on another mesh), with data from ``nonmatching_interpolation_data``."""
    target.interpolate_nonmatching(source, cells, data)


def points_not_found(data) -> int:
    """Number of this rank's interpolation points that no rank found in (or near) its cells."""
    return int(np.count_nonzero(data.src_owner() < 0))
