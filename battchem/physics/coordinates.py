"""Reduced coordinate systems: how volume, gradients and small strain look in each.

Every kinematic quantity is returned as a 3x3 tensor, whatever the mesh dimension, so that the
constitutive laws (eigenstrains, energy splits, hydrostatic and hoop stresses) are written once:

=================  ======  ================================  ==========================
kind               mesh    displacement                      volume element
=================  ======  ================================  ==========================
``cartesian_3d``   3-D     (u_x, u_y, u_z)                   dV
``plane_strain``   2-D     (u_x, u_y), ε_zz = 0              dA (per unit thickness)
``axisymmetric``   (r, z)  (u_r, u_z), ε_θθ = u_r / r        2π r dA
``spherical_1d``   r       u_r, ε_θθ = ε_φφ = u_r / r        4π r² dr
``cartesian_1d``   x       u_x, ε_yy = ε_zz = 0              dx (per unit area)
=================  ======  ================================  ==========================

``cartesian_1d`` is uniaxial strain: a film or stack laterally clamped, ε = diag(du_x/dx, 0, 0).
The displacement gradient H (F = I + H in finite strain) is also a 3x3 tensor in the same frame,
with the hoop terms u_r / r on the diagonal; the small strain is its symmetric part.
"""

from __future__ import annotations

from dataclasses import dataclass

import ufl

KINDS = ("cartesian_3d", "plane_strain", "axisymmetric", "spherical_1d", "cartesian_1d")
ONE_DIMENSIONAL = ("spherical_1d", "cartesian_1d")


@dataclass(frozen=True)
class CoordinateSystem:
    """A coordinate system on ``mesh``; ``kind`` is one of :data:`KINDS`."""

    mesh: object
    kind: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown coordinate system {self.kind!r} (allowed: {', '.join(KINDS)})")

    @property
    def x(self):
        return ufl.SpatialCoordinate(self.mesh)

    @property
    def displacement_shape(self) -> tuple[int, ...]:
        """Value shape of the displacement field."""
        return () if self.kind in ONE_DIMENSIONAL else (self.mesh.geometry.dim,)

    @property
    def block_diagonal_strain(self) -> bool:
        """ε has the pattern [[·,·,0],[·,·,0],[0,0,·]] (plane strain, axisymmetry, the 1-D kinds),
        whatever is added to it on the (3,3) entry or the diagonal (eigenstrains, an axial
        strain): the cheap 2x2 + ε_33 branch of the spectral split applies."""
        return self.kind != "cartesian_3d"

    @property
    def weight(self):
        """Volume element factor w such that dV = w dx: 1, 1, 2πr or 4πr²."""
        x = self.x
        if self.kind == "axisymmetric":
            return 2 * ufl.pi * x[0]
        if self.kind == "spherical_1d":
            return 4 * ufl.pi * x[0] ** 2
        return 1

    def strain(self, u):
        """Small-strain tensor ε(u) as a 3x3 UFL tensor (see the module table)."""
        x = self.x
        if self.kind == "cartesian_3d":
            return ufl.sym(ufl.grad(u))
        if self.kind == "plane_strain":
            e = ufl.sym(ufl.grad(u))
            return ufl.as_tensor([[e[0, 0], e[0, 1], 0], [e[1, 0], e[1, 1], 0], [0, 0, 0]])
        if self.kind == "axisymmetric":  # components ordered (r, z, θ)
            e = ufl.sym(ufl.grad(u))
            return ufl.as_tensor([[e[0, 0], e[0, 1], 0], [e[1, 0], e[1, 1], 0], [0, 0, u[0] / x[0]]])
        if self.kind == "cartesian_1d":  # laterally clamped: ε_yy = ε_zz = 0
            return ufl.as_tensor([[u.dx(0), 0, 0], [0, 0, 0], [0, 0, 0]])
        # spherical_1d, components ordered (r, θ, φ)
        dudr = u.dx(0)
        return ufl.as_tensor([[dudr, 0, 0], [0, u / x[0], 0], [0, 0, u / x[0]]])

    def displacement_gradient(self, u):
        """Displacement gradient H(u) = Grad u as a 3x3 UFL tensor; F = I + H and ε(u) = sym H.

        Plane strain: H_zz = 0. Axisymmetric (r, z, θ): H_θθ = u_r / r. Spherical (r, θ, φ):
        diag(u_r', u_r / r, u_r / r). Cartesian 1-D: diag(u_x', 0, 0).
        """
        x = self.x
        if self.kind == "cartesian_3d":
            return ufl.grad(u)
        if self.kind in ("plane_strain", "axisymmetric"):
            g = ufl.grad(u)
            hoop = u[0] / x[0] if self.kind == "axisymmetric" else 0
            return ufl.as_tensor([[g[0, 0], g[0, 1], 0], [g[1, 0], g[1, 1], 0], [0, 0, hoop]])
        if self.kind == "cartesian_1d":
            return ufl.as_tensor([[u.dx(0), 0, 0], [0, 0, 0], [0, 0, 0]])
        return ufl.as_tensor([[u.dx(0), 0, 0], [0, u / x[0], 0], [0, 0, u / x[0]]])

    def radial_unit(self, centre=(0.0, 0.0, 0.0)):
        """Unit vector from ``centre`` (in mesh coordinates) as a 3-vector of the 3x3 frame."""
        x = self.x
        if self.kind in ONE_DIMENSIONAL:  # e_r, or the film normal e_x
            return ufl.as_vector([1, 0, 0])
        gdim = self.mesh.geometry.dim
        d = ufl.as_vector([x[i] - centre[i] for i in range(gdim)])
        n = d / ufl.sqrt(ufl.dot(d, d))
        return ufl.as_vector([n[i] for i in range(gdim)] + [0] * (3 - gdim))

    def in_plane_tangent(self, centre=(0.0, 0.0, 0.0)):
        """Unit circumferential vector of a 2-D section as a 3-vector (plane_strain only)."""
        x = self.x
        d = ufl.as_vector([x[0] - centre[0], x[1] - centre[1]])
        n = d / ufl.sqrt(ufl.dot(d, d))
        return ufl.as_vector([-n[1], n[0], 0])
