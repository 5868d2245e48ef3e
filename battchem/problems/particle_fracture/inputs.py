"""Inputs of particle_fracture: particle geometry and mesh, intercalation material, coupling,
galvanostatic protocol and (optional) phase-field damage with initial flaws."""

from __future__ import annotations

import math
import warnings
from typing import ClassVar, Literal

from pydantic import model_validator

from battchem import protocol
from battchem.components.fracture import FractureInput
from battchem.config import BaseConfig, Model, NamedSet, Q, SteppingConfig, check_cell_count, implausible
from battchem.materials import INTERCALATION_MATERIALS


class Geometry(Model):
    """Particle shape and mesh."""

    kind: Literal["sphere_1d", "disk", "sphere_axisym", "sphere"] = Q(
        "sphere", "-", "sphere_1d (radial), disk (2-D plane strain), sphere_axisym, sphere (3-D)")
    radius: float | None = Q(None, "m", "particle radius (null: the material set's radius)", gt=0)
    mesh_size: float = Q(0.15, "-", "element size of the final mesh relative to the radius", gt=0, le=1)
    refine: int = Q(0, "-", "uniform parallel refinements after gmsh; gmsh meshes at 2^refine × the sizes",
                    ge=0, le=6)
    symmetry: Literal["reduced", "full"] = Q(
        "reduced", "-", "reduced: octant (sphere), quadrant (disk, axisymmetric); full: whole section")
    degree: int = Q(2, "-", "polynomial degree of c and u (2: stresses linear per cell, far more "
                    "accurate than piecewise-constant P1 stresses at the same cost per unknown)", ge=1, le=2)
    grading: float = Q(1.0, "-", "sphere_1d: size ratio of the centre to the surface element", ge=1, le=100)
    out_of_plane: Literal["plane_strain", "generalized_plane_strain"] = Q(
        "plane_strain", "-", "disk: plane_strain (ε_zz = 0) or generalized_plane_strain (uniform ε_zz "
        "with no net axial force: a long free cylinder; uniform lithiation is then stress free)")
    band_half_width: float = Q(0.0, "-", "disk, sphere: half-width (× radius) of a refined band |y| ≤ w "
                               "around the plane y = 0, where flaws at angle 0 or 180 lie (0: no band)",
                               ge=0, le=1)
    band_mesh_size: float | None = Q(None, "-", "element size in the band relative to the radius "
                                     "(null: mesh_size)", gt=0, le=1)

    @model_validator(mode="after")
    def _band_rules(self):
        if self.out_of_plane != "plane_strain" and self.kind != "disk":
            raise ValueError(f"geometry.out_of_plane = {self.out_of_plane!r} applies to kind disk only "
                             f"(got {self.kind!r}; allowed: plane_strain)")
        if self.band_half_width > 0:
            if self.kind not in ("disk", "sphere"):
                raise ValueError(f"geometry.band_half_width: a refined band needs kind disk or sphere "
                                 f"(got {self.kind!r})")
            if self.band_mesh_size is not None and self.band_mesh_size > self.mesh_size:
                raise ValueError(f"geometry.band_mesh_size = {self.band_mesh_size:g} must not exceed "
                                 f"geometry.mesh_size = {self.mesh_size:g} (allowed: (0, mesh_size])")
        elif self.band_mesh_size is not None:
            raise ValueError("geometry.band_mesh_size needs geometry.band_half_width > 0 (allowed: (0, 1])")
        check_cell_count(self.gmsh_cell_estimate(), "geometry.mesh_size (with refine and the band)",
                         "use coarser sizes, or geometry.refine to refine in parallel")
        return self

    def gmsh_cell_estimate(self) -> float:
        """Rough number of cells gmsh makes (unit radius, size h·2^refine; ~6 tets per cube)."""
        dim = {"sphere_1d": 1, "disk": 2, "sphere_axisym": 2, "sphere": 3}[self.kind]
        scale = 2.0**self.refine

        def cells_at(size: float) -> float:
            per_side = 2.0 / (size * scale)
            return math.prod([per_side] * dim) * (1, 2, 6)[dim - 1]  # (a product overflows to inf)

        cells = cells_at(self.mesh_size)
        if self.band_half_width > 0 and self.band_mesh_size is not None:
            cells += cells_at(self.band_mesh_size) * self.band_half_width
        return cells

    def surface_node_spacing(self, radius: float) -> float:
        """Distance between the nodes of the surface elements [m] (element size / degree); sphere_1d:
        the last element of the graded interval (each 1/q the size of its inner neighbour,
        q = grading^(1/(n-1)), n = 1/mesh_size elements)."""
        if self.kind != "sphere_1d":
            return self.mesh_size * radius / self.degree
        n = max(2, int(round(1.0 / self.mesh_size)))
        q = self.grading ** (-1.0 / (n - 1))
        first = radius / n if q == 1.0 else radius * (1 - q) / (1 - q**n)
        return first * q ** (n - 1) / self.degree

    @property
    def crack_path_mesh_size(self) -> float:
        """Final element size (× radius) where the cracks of flaws at angle 0 run (like mesh_size, a
        size of the final mesh: gmsh meshes at 2^refine times it)."""
        if self.band_half_width > 0 and self.band_mesh_size is not None:
            return self.band_mesh_size
        return self.mesh_size


class Material(NamedSet):
    """Intercalation material: a named set; any value given here overrides the set's."""

    sets: ClassVar[dict] = INTERCALATION_MATERIALS
    name: str = Q("LiMn2O4_Zhang2007", "-", f"named set ({', '.join(INTERCALATION_MATERIALS)}); "
                  "battchem show material NAME prints its values, sources and cautions")
    E: float | None = Q(None, "Pa", "Young's modulus", gt=0)
    nu: float | None = Q(None, "-", "Poisson's ratio", gt=-1, lt=0.5)
    Omega: float | None = Q(None, "m^3/mol", "partial molar volume of Li")
    D: float | None = Q(None, "m^2/s", "Li diffusivity", gt=0)
    c_max: float | None = Q(None, "mol/m^3", "maximum Li concentration", gt=0)
    temperature: float = Q(298.15, "K", "temperature", gt=0)

    @property
    def radius(self) -> float:
        """The set's particle radius [m] (used when geometry.radius is null)."""
        return self._set().values["radius"].value


class Coupling(Model):
    """Chemo-mechanical coupling."""

    mode: Literal["one_way", "two_way"] = Q(
        "one_way", "-", "one_way: concentration drives stress; two_way: stress also drives the flux")
    c_ref: float | None = Q(None, "mol/m^3", "stress-free concentration (null: the initial one)", ge=0)
    solution: Literal["monolithic", "staggered"] = Q(
        "monolithic", "-", "two_way only. monolithic: Newton on (c, u, σ_h) together (robust, quadratic; "
        "MUMPS below solver.direct_max_dofs, else GMRES + ASM/ILU); staggered: c and (u, σ_h) alternate "
        "(each block AMG-preconditioned: the choice for large meshes; the fixed point contracts like "
        "θc/(1 + θc), so it slows down as stress-enhanced diffusion grows)")


class Segment(protocol.Segment):
    """One step of the operating protocol."""

    direction: Literal["insertion", "extraction", "rest"] = Q(
        "insertion", "-", "insertion (lithiation), extraction (delithiation) or rest")
    c_rate: float | None = Q(None, "1/h", "current as a C-rate of the theoretical capacity: 1C fills the "
                             "particle from 0 to c_max in 1 h, i = c_max F (V/A) C / 3600 s (PyBaMM's C-rate "
                             "refers to the cell's practical capacity, a narrower window)", gt=0)
    current_density: float | None = Q(None, "A/m^2", "current density magnitude on the surface", gt=0)
    until_soc: float | None = Q(None, "-", "end the segment at this state of charge", ge=0, le=1)

    @model_validator(mode="after")
    def _complete(self):
        currents = [v for v in (self.c_rate, self.current_density) if v is not None]
        if self.direction == "rest":
            if currents:
                raise ValueError("a rest segment carries no current (remove c_rate/current_density)")
            if self.duration is None or self.until_soc is not None:
                raise ValueError("a rest segment needs a duration (and no until_soc)")
        else:
            if len(currents) != 1:
                raise ValueError("give exactly one of c_rate or current_density")
            if (self.duration is None) == (self.until_soc is None):
                raise ValueError("give exactly one of duration or until_soc")
        return self


class Operation(Model):
    """Galvanostatic protocol: segments repeated ``cycles`` times from a uniform initial state."""

    soc_initial: float = Q(0.0, "-", "initial uniform state of charge c/c_max", ge=0, le=1)
    segments: list[Segment] = Q([Segment(direction="insertion", c_rate=1.0, until_soc=0.9)], "-",
                                "protocol segments")
    cycles: int = Q(1, "-", "repetitions of the segment list", ge=1, le=10000)
    stop_at_surface_limit: bool = Q(
        True, "-", "end a segment early when the surface concentration reaches c_max (insertion) "
        "or 0 (extraction), as a voltage cut-off would")

    @model_validator(mode="after")
    def _soc_targets(self):
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        soc = self.soc_initial  # None once a duration segment has moved it by an unknown amount
        for k, seg in enumerate(self.segments * min(self.cycles, 2)):
            if seg.until_soc is None:
                if seg.direction != "rest":
                    soc = None
                continue
            i = k % len(self.segments)
            if soc is None:
                soc = seg.until_soc
                continue
            if seg.direction == "insertion" and seg.until_soc <= soc:
                raise ValueError(f"segments[{i}].until_soc = {seg.until_soc}: insertion must end above "
                                 f"the state of charge at its start ({soc:g})")
            if seg.direction == "extraction" and seg.until_soc >= soc:
                raise ValueError(f"segments[{i}].until_soc = {seg.until_soc}: extraction must end below "
                                 f"the state of charge at its start ({soc:g})")
            soc = seg.until_soc
        return self


class Flaw(Model):
    """An initial flat flaw, seeded as an initial history field. Disk: a straight crack; sphere: a
    penny (centre) or a half-penny thumbnail crack (surface) in a plane through the z axis."""

    location: Literal["centre", "surface"] = Q(
        "centre", "-", "centre: a crack through the centre; surface: a radial crack from the surface inward")
    length: float = Q(0.2, "-", "crack size relative to the radius (centre: total length, or the "
                      "diameter of the penny in 3-D; surface: depth)", gt=0, lt=1)
    angle: float = Q(0.0, "deg", "centre: direction of the crack line (3-D: of the crack plane, which holds "
                     "the z axis) from the x axis; surface: polar angle of its mouth on the equator (the "
                     "crack is radial)", ge=-360, le=360)


class ParticleDamage(FractureInput):
    """Phase-field fracture of the particle (null: no damage)."""

    Gc: float = Q(2.0, "J/m^2", "critical energy release rate G_c (no verified value for the bundled "
                  "material sets: give one)", gt=0)
    length_scale: float = Q(2e-7, "m", "regularisation length ℓ (resolve it: mesh_size × radius ≤ ℓ/2)",
                            gt=0)
    flaws: list[Flaw] = Q([], "-", "initial flaws")
    target_damage_change: float = Q(0.1, "-", "largest ‖Δd‖∞ per step: steps shrink while cracks grow "
                                    "fast; a step above twice this is redone smaller", gt=0, le=1)
    crack_diffusivity_ratio: float = Q(
        1.0, "-", "cracks as fast diffusion paths: D(d) = D [1 + (ratio − 1) d²] with the damage of the "
        "last accepted step (1: cracks do not change D)", ge=1, le=1e6)
    stop_at_initiation: bool = Q(False, "-", "end the run (completed) once a crack has initiated")


class ParticleConfig(BaseConfig):
    """Input of the particle_fracture problem."""

    problem: Literal["particle_fracture"] = Q("particle_fracture", "-", "problem name")
    geometry: Geometry = Geometry()
    material: Material = Material()
    coupling: Coupling = Coupling()
    operation: Operation = Operation()
    stepping: SteppingConfig = SteppingConfig(dt_initial=1.0, dt_min=1e-3, dt_max=60.0, target_change=0.02)
    fracture: ParticleDamage | None = Q(None, "-", "phase-field damage (null: elastic particle)")

    @model_validator(mode="after")
    def _geometry_rules(self):
        g = self.geometry
        f = self.fracture
        if f is not None:
            # every requirement of the damage model at once, with the overrides that meet them
            needs = []
            if g.kind not in ("disk", "sphere"):
                needs.append(("geometry.kind", "disk", f"geometry.kind = {g.kind!r} has no damage yet "
                              "(allowed: disk, sphere)"))
            if g.degree != 1:
                needs.append(("geometry.degree", "1", f"geometry.degree = {g.degree}: damage needs P1 fields "
                              "(allowed: 1)"))
            if g.symmetry != "full":
                needs.append(("geometry.symmetry", "full", "geometry.symmetry = 'reduced' with fracture: "
                              "cracks may lie on the symmetry planes (allowed: full)"))
            if self.coupling.mode != "one_way":
                needs.append(("coupling.mode", "one_way", "coupling.mode = 'two_way' with fracture is not "
                              "implemented (allowed: one_way)"))
            if needs:
                fix = " ".join(f"--set {key}={value}" for key, value, _ in needs)
                plural = "s" if len(needs) > 1 else ""
                raise ValueError(f"the fracture section needs {len(needs)} change{plural}: "
                                 + "; ".join(why for _, _, why in needs) + f" (all at once: {fix})")
            R = g.radius if g.radius is not None else self.material.radius
            h = g.crack_path_mesh_size * R
            if f.length_scale < 2 * h * (1 - 1e-9):  # ℓ = 2h exactly is resolved
                size_key = "band_mesh_size" if g.band_half_width > 0 and g.band_mesh_size else "mesh_size"
                warnings.warn(f"fracture.length_scale = {f.length_scale:g} m is smaller than 2 × the element "
                              f"size {h:g} m (geometry.{size_key} × radius): the mesh does not "
                              f"resolve the crack (use an element size <= ℓ/2); running anyway",
                              UserWarning, stacklevel=2)
        if g.out_of_plane == "generalized_plane_strain" and self.coupling.mode != "one_way":
            raise ValueError("geometry.out_of_plane = 'generalized_plane_strain' needs coupling.mode = "
                             "'one_way' (allowed: plane_strain with two_way)")
        if g.kind in ("sphere_1d", "sphere_axisym") and g.symmetry == "full":
            raise ValueError(f"geometry.symmetry = 'full' is not available for {g.kind} (allowed: reduced)")
        if g.kind == "sphere_1d" and g.refine:
            raise ValueError("geometry.refine: sphere_1d meshes are set by mesh_size (refine must be 0)")
        return self

    @model_validator(mode="after")
    def _plausible(self):
        """Valid but implausible values: a warning each (the run goes on)."""
        g, m = self.geometry, self.material.resolved()
        R = g.radius if g.radius is not None else self.material.radius
        key = "geometry.radius" if g.radius is not None else f"the radius of material {self.material.name}"
        radius = implausible(key, R, 1e-8, 1e-3, "m", "a particle radius", typical=self.material.radius)
        messages = [radius]
        strain = abs(m.Omega) * m.c_max / 3
        if strain > 0.1:
            messages.append(f"material {self.material.label()}: the chemical strain |Omega| c_max / 3 = "
                            f"{strain:.3g} of a full 0 to c_max swing is beyond small strain (> 0.1): the "
                            "linear-elastic stresses of a large state-of-charge swing are not reliable; "
                            "running anyway")
        # backward Euler with a consistent mass matrix keeps 0 <= c <= c_max only for steps
        # dt >= h²/(6D) (h the node spacing); shorter steps over- and undershoot at the surface
        spacing = g.surface_node_spacing(R)
        dt = self.stepping.dt_max
        if radius is None and 6 * m.D * dt < spacing**2:  # (a wrong radius says it all)
            messages.append(f"stepping.dt_max = {dt:g} s: even the longest step diffuses only sqrt(6 D dt) = "
                            f"{math.sqrt(6 * m.D * dt):.3g} m into the particle, less than the node spacing "
                            f"{spacing:.3g} m of the surface elements, which cannot resolve that layer: the "
                            "concentration over- and undershoots near the surface (c < 0 or > c_max); allow "
                            f"steps of at least h^2/(6D) = {spacing**2 / (6 * m.D):.3g} s or refine the "
                            "surface mesh")
        for message in messages:
            if message:
                warnings.warn(message, UserWarning, stacklevel=2)
        return self
