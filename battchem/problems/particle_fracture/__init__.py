"""particle_fracture: Li diffusion, diffusion-induced stress and phase-field fracture of particles."""

from battchem.problems.particle_fracture.inputs import ParticleConfig
from battchem.problems.particle_fracture.problem import ParticleFracture

__all__ = ["ParticleConfig", "ParticleFracture"]
