"""Reading back the VTX files (ADIOS2 .bp) that :class:`battchem.output.FieldWriter` writes.

A VTX file holds one mesh (nodes and cells in VTK's Lagrange ordering, one block per writing rank)
and the values of functions at a sequence of times: nodal values (point data) of Lagrange fields,
one value per cell (cell data) of DG0 fields. :class:`VTXFile` lists the times and names and returns
the nodes, cells and values written at a time; :meth:`VTXFile.function` rebuilds a dolfinx Function
from them on a serial mesh (``MPI.COMM_SELF``) made of the written nodes and cells, which can then
be evaluated anywhere (:mod:`battchem.sampling`). The nodes of the cells are the function's own
nodes, so the rebuilt function equals the written one exactly (degree ≤ 2 here).

The blocks of the writing ranks are not merged: the mesh of an N-rank run is N pieces that touch
along the partition boundaries. A continuous field has the same value there on either side, so
point values do not depend on the number of ranks that wrote the file. Ghost cells, which a rank
writes besides its own when the mesh has them, are dropped (a cell's centroid identifies it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# VTK cell type -> (basix cell name, topological dimension); linear and Lagrange types
_VTK_CELLS = {3: ("interval", 1), 68: ("interval", 1), 5: ("triangle", 2), 69: ("triangle", 2),
              9: ("quadrilateral", 2), 70: ("quadrilateral", 2), 10: ("tetrahedron", 3),
              71: ("tetrahedron", 3), 12: ("hexahedron", 3), 72: ("hexahedron", 3)}
# VTX bookkeeping arrays, not functions
_NOT_FIELDS = {"NumberOfCells", "NumberOfEntities", "NumberOfNodes", "connectivity", "geometry", "types",
               "step", "vtkGhostType", "vtkOriginalPointIds"}


def _nodes_per_cell(cell: str, degree: int) -> int:
    k = degree
    return {"interval": k + 1, "triangle": (k + 1) * (k + 2) // 2, "quadrilateral": (k + 1) ** 2,
            "tetrahedron": (k + 1) * (k + 2) * (k + 3) // 6, "hexahedron": (k + 1) ** 3}[cell]


def _degree(cell: str, nodes: int) -> int:
    for k in range(1, 7):
        if _nodes_per_cell(cell, k) == nodes:
            return k
    raise ValueError(f"a {cell} with {nodes} nodes is not a Lagrange cell")


@dataclass
class MeshArrays:
    """The mesh of a VTX file at one time: nodes (n x 3), cells (m x nodes per cell, VTK order,
    indices into ``x``), the basix cell name, its dimension, the Lagrange degree, the VTK cell type
    and which of the written cells (all ranks' blocks in order, ghosts included) ``cells`` are."""

    x: np.ndarray
    cells: np.ndarray
    cell: str
    tdim: int
    degree: int
    vtk_type: int
    written: np.ndarray


class VTXFile:
    """One VTX file: ``times``, ``names`` (the functions written) and their data per time."""

    def __init__(self, path: str | Path):
        import adios2

        self.path = Path(path)
        with adios2.FileReader(str(self.path)) as f:
            steps = f.num_steps()
            self.times = [float(t) for t in np.atleast_1d(f.read("step", step_selection=[0, steps]))]
            variables = f.available_variables()
        self._steps = {name: int(info["AvailableStepsCount"]) for name, info in variables.items()}
        self.names = [name for name in variables if name not in _NOT_FIELDS]

    def __repr__(self) -> str:
        return f"VTXFile({self.path.name}: {', '.join(self.names)} at {len(self.times)} times)"

    def step_of(self, time: float) -> int:
        """Index of the written time nearest to ``time``."""
        return int(np.argmin(np.abs(np.asarray(self.times) - time)))

    def _read_blocks(self, f, name: str, step: int) -> list[np.ndarray]:
        """Every rank's block of ``name`` at ``step`` (a variable written once: its only step)."""
        step = step if self._steps.get(name, 1) > 1 else 0
        blocks = f.all_blocks_info(name)[step]
        out = []
        for b, info in enumerate(blocks):
            if info["Count"].split(",")[0] == "0":
                continue
            out.append(np.asarray(f.read(name, block_id=b, step_selection=[step, 1])))
        return out

    def mesh(self, step: int) -> MeshArrays:
        """Nodes and cells at ``step`` (the same for every step unless the mesh moves)."""
        return self._mesh(step if self._steps.get("geometry", 1) > 1 else 0)

    @lru_cache(maxsize=4)  # noqa: B019 - a file object lives as long as the Result that reads it
    def _mesh(self, step: int) -> MeshArrays:
        import adios2

        with adios2.FileReader(str(self.path)) as f:
            xs = self._read_blocks(f, "geometry", step)
            conn = self._read_blocks(f, "connectivity", step)
            vtk_type = int(np.atleast_1d(f.read("types", step_selection=[0, 1]))[0])
        cells, offset = [], 0
        for x, c in zip(xs, conn, strict=True):
            cells.append(c.reshape(len(c), -1)[:, 1:] + offset)  # drop VTK's leading node count
            offset += len(x)
        cell, tdim = _VTK_CELLS[vtk_type]
        cells = np.vstack(cells).astype(np.int64)
        x = np.vstack(xs).reshape(-1, 3)
        # a ghost cell is written by its owner too: keep the first cell with a given centroid
        centroids = x[cells].mean(axis=1)
        size = max(float(np.ptp(x, axis=0).max()), 1e-300)
        _, written = np.unique(np.round(centroids / (size * 1e-9)), axis=0, return_index=True)
        written = np.sort(written)
        return MeshArrays(x, cells[written], cell, tdim, _degree(cell, cells.shape[1]), vtk_type, written)

    def values(self, name: str, step: int) -> np.ndarray:
        """Values of ``name`` at ``step``: one row per node (point data) or per cell (cell data), one
        column per component (VTX writes 2-D vectors with 3 components)."""
        import adios2

        if name not in self.names:
            raise KeyError(f"{self.path.name} holds no field '{name}' (it holds: {', '.join(self.names)})")
        with adios2.FileReader(str(self.path)) as f:
            blocks = self._read_blocks(f, name, step)
        values = np.vstack([b.reshape(len(b), -1) for b in blocks])
        m = self.mesh(step)
        if len(values) != len(m.x):  # cell data: the values of the cells kept
            return values[m.written]
        return values

    def function(self, name: str, step: int):
        """``name`` at ``step`` as a dolfinx Function on a serial mesh of the written cells."""
        from dolfinx import fem

        m = self.mesh(step)
        msh = _serial_mesh(self, step if self._steps.get("geometry", 1) > 1 else 0)
        values = self.values(name, step)
        shape = () if values.shape[1] == 1 else (values.shape[1],)
        if len(values) != len(m.x):  # cell data: a DG0 field
            V = fem.functionspace(msh, ("DG", 0, shape))
            f = fem.Function(V, name=name)
            f.x.array[:] = values[msh.topology.original_cell_index].ravel()
            return f
        V = fem.functionspace(msh, ("Lagrange", m.degree, shape))
        if V.element.needs_dof_transformations:
            raise ValueError(f"{name}: degree {m.degree} fields cannot be read back (at most 2)")
        f = fem.Function(V, name=name)
        nodes = msh.geometry.input_global_indices[msh.geometry.dofmap.ravel()]
        f.x.array.reshape(-1, V.dofmap.bs)[V.dofmap.list.ravel()] = values[nodes]
        return f


@lru_cache(maxsize=8)
def _serial_mesh(vtx: VTXFile, step: int):
    """A COMM_SELF dolfinx mesh whose geometry nodes are the written nodes (cached per file and step)."""
    import basix.ufl
    from dolfinx import mesh as dmesh
    from dolfinx.io.utils import cell_perm_vtk
    from mpi4py import MPI

    m = vtx.mesh(step)
    # the coordinates VTX pads to 3 are dropped when they are all zero
    gdim = m.tdim if not np.any(m.x[:, m.tdim:]) else 3
    cell_type = dmesh.to_type(m.cell)
    perm = cell_perm_vtk(cell_type, m.cells.shape[1])  # dolfinx node i is VTK node perm[i]
    element = basix.ufl.element("Lagrange", m.cell, m.degree, shape=(gdim,))
    return dmesh.create_mesh(MPI.COMM_SELF, m.cells[:, perm], np.ascontiguousarray(m.x[:, :gdim]), element)


def vtk_grid(vtx: VTXFile, step: int, names: list[str] | None = None):
    """A pyvista UnstructuredGrid of the file's mesh at ``step`` with its fields as point or cell
    data (for pictures)."""
    import pyvista

    m = vtx.mesh(step)
    counts = np.full((len(m.cells), 1), m.cells.shape[1], dtype=np.int64)
    grid = pyvista.UnstructuredGrid(np.hstack([counts, m.cells]).ravel(),
                                    np.full(len(m.cells), m.vtk_type, dtype=np.uint8), m.x)
    for name in names if names is not None else vtx.names:
        values = vtx.values(name, step)
        data = grid.point_data if len(values) == len(m.x) else grid.cell_data
        data[name] = values[:, 0] if values.shape[1] == 1 else values
    return grid
