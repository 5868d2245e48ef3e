"""Rate-dependent J2 flow (Perzyna overstress viscoplasticity; Newtonian creep when σ_y = 0),
integrated by backward Euler with the closed-form radial return, written in UFL.

Flow rule, with the Mises stress q = √(3/2 s:s) of the deviator s, flow stress σ_y and fluidity
φ = 1/(3η) (η a viscosity):

    ε̇_vp = γ̇ (3/2) s/q,   γ̇ = φ ⟨q − σ_y⟩       (σ_y = 0: ε̇_vp = s/(2η), Maxwell creep).

Backward Euler from the trial state (the step taken elastically, ε_vp frozen at its last value):
s_tr = 2μ dev(ε_tr) + dev(σ_0) (σ_0 a prestress added to the elastic stress), q_tr its Mises
stress, and since s and s_tr are parallel,

    Δγ = φ Δt ⟨q_tr − σ_y⟩ / (1 + 3μ φ Δt),   Δε_vp = (3/2) Δγ s_tr/q_tr,

so σ = C:(ε_tr − Δε_vp) is an explicit UFL function of the displacement (its consistent tangent is
UFL's derivative). For σ_y = 0 the increment is linear in the strain: (3/2) φΔt s_tr/(1 + 3μφΔt).
"""

from __future__ import annotations

import ufl

from battchem.physics.mechanics import lame_parameters


def mises(s):
    """q = √(3/2 s:s) (with a floor that keeps the derivative finite at s = 0)."""
    return ufl.sqrt(1.5 * ufl.inner(s, s) + 1e-300)


def trial_deviator(eps_trial, E, nu, prestress=None):
    """s_tr = 2μ dev(ε_tr) + dev(σ_0)."""
    _, mu = lame_parameters(E, nu)
    s = 2 * mu * ufl.dev(eps_trial)
    return s if prestress is None else s + ufl.dev(prestress)


def flow_increment(eps_trial, E, nu, fluidity, dt, flow_stress=None, prestress=None):
    """Δε_vp of one backward-Euler step (module docstring); ``flow_stress`` None: Newtonian creep."""
    _, mu = lame_parameters(E, nu)
    s = trial_deviator(eps_trial, E, nu, prestress)
    damping = 1 + 3 * mu * fluidity * dt
    if flow_stress is None:
        return 1.5 * fluidity * dt * s / damping
    q = mises(s)
    dgamma = fluidity * dt * ufl.max_value(q - flow_stress, 0.0) / damping
    return 1.5 * dgamma * s / q


def relaxation_time_clamped_film(E, nu, viscosity):
    """Decay time of the in-plane stress of a laterally clamped film with free faces relaxing by
    Newtonian creep: σ̇ (1 − ν)/E + σ/(6η) = 0, τ = 6 η (1 − ν)/E (plain arithmetic)."""
    return 6 * viscosity * (1 - nu) / E
