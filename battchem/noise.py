"""Seeded Gaussian noise that does not depend on the number of ranks.

Each value is a pure function of (seed, step, stream, key), where the key is the *input* index of
the entity that carries it: for a DG0 space the cell's index in the mesh as it was created
(``topology.original_cell_index``), for a P1 space on a P1 geometry the vertex's input index
(``geometry.input_global_indices``). A rank draws only its own values and no random generator state
is carried from one value to the next, so any partition of the same input mesh gives the same field.
(A mesh refined in parallel numbers its new entities by partition: draw noise on a mesh read or
generated as a whole.)

Generator: SplitMix64 (Steele, Lea & Flood 2014) hashes the counter

    z = mix(mix(mix(seed) ⊕ step) ⊕ stream) + 2·key + k,  k ∈ {0, 1},

into two 53-bit uniforms u_k ∈ (0, 1], and Box–Muller turns them into one standard normal
ζ = √(−2 ln u_0) cos(2π u_1).
"""

from __future__ import annotations

import numpy as np
from dolfinx import fem

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function of the counter(s) z (uint64, arithmetic modulo 2⁶⁴)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _stream_key(seed: int, step: int, stream: int) -> np.uint64:
    mask = (1 << 64) - 1
    k = splitmix64(np.array([seed & mask], dtype=np.uint64))
    k = splitmix64(k ^ np.uint64(step & mask))
    return splitmix64(k ^ np.uint64(stream & mask))[0]


def uniform(seed: int, step: int, keys: np.ndarray, stream: int = 0, k: int = 0) -> np.ndarray:
    """Uniform numbers in (0, 1], one per key (k selects one of two independent draws)."""
    base = _stream_key(seed, step, stream)
    with np.errstate(over="ignore"):
        z = splitmix64(base + np.asarray(keys, dtype=np.uint64) * np.uint64(2) + np.uint64(k))
    return ((z >> np.uint64(11)).astype(np.float64) + 1.0) * 2.0**-53


def standard_normal(seed: int, step: int, keys: np.ndarray, stream: int = 0) -> np.ndarray:
    """Standard normal numbers, one per key (Box–Muller on two uniforms)."""
    u0 = uniform(seed, step, keys, stream, 0)
    u1 = uniform(seed, step, keys, stream, 1)
    return np.sqrt(-2.0 * np.log(u0)) * np.cos(2.0 * np.pi * u1)


def input_keys(V: fem.FunctionSpace) -> np.ndarray:
    """The partition-independent key of every local dof (owned and ghost) of a scalar DG0 space or
    a scalar P1 space on a degree-1 geometry."""
    msh = V.mesh
    if V.dofmap.index_map_bs != 1 or V.value_shape not in ((), (1,)):
        raise ValueError("noise fields are scalar")
    element = V.element.basix_element
    tdim = msh.topology.dim
    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    n_dofs = V.dofmap.index_map.size_local + V.dofmap.index_map.num_ghosts
    keys = np.full(n_dofs, -1, dtype=np.int64)
    cell_dofs = V.dofmap.list[:n_cells]
    if element.degree == 0 and element.discontinuous:
        keys[cell_dofs[:, 0]] = np.asarray(msh.topology.original_cell_index, dtype=np.int64)[:n_cells]
    elif element.degree == 1 and not element.discontinuous and msh.geometry.cmap.degree == 1:
        nodes = msh.geometry.dofmap[:n_cells]
        keys[cell_dofs.ravel()] = np.asarray(msh.geometry.input_global_indices, dtype=np.int64)[nodes.ravel()]
    else:
        raise ValueError("noise fields need a DG0 space, or a P1 space on a degree-1 geometry")
    if (keys < 0).any():
        raise RuntimeError("a dof of the noise space has no input index")
    return keys


class NoiseField:
    """A Function of standard normal values, redrawn per step: ``NoiseField(V, seed).draw(step)``.

    Same (seed, step, stream) → same field on any number of ranks (module docstring)."""

    def __init__(self, V: fem.FunctionSpace, seed: int, *, stream: int = 0, name: str = "noise"):
        self.seed, self.stream = int(seed), int(stream)
        self.function = fem.Function(V, name=name)
        self._keys = input_keys(V)
        self.step: int | None = None

    def draw(self, step: int) -> fem.Function:
        """Fill the field with the draw of ``step`` (owned and ghost values: no communication)."""
        self.function.x.array[:] = standard_normal(self.seed, int(step), self._keys, self.stream)
        self.step = int(step)
        return self.function
