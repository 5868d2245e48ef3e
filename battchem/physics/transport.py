"""Species transport: stress-coupled diffusion of a dilute solute.

Chemical potential μ = μ0 + RT ln c − Ω σ_h, flux J = −(D c/RT) ∇μ = −D ∇c + (D Ω c/RT) ∇σ_h:
the solute flows down its concentration gradient and toward tension.
"""

from __future__ import annotations

import ufl


def stress_coupled_flux(c, D, sigma_h=None, Omega=0.0, RT=1.0):
    """J = −D ∇c + (D Ω c / RT) ∇σ_h; plain Fickian flux −D ∇c when ``sigma_h`` is None."""
    flux = -D * ufl.grad(c)
    if sigma_h is not None:
        flux = flux + (D * Omega / RT) * c * ufl.grad(sigma_h)
    return flux


def mass_balance_residual(c, c_old, q, dt, flux, weight, dx, outflow=None, ds=None):
    """Backward-Euler weak form of ∂c/∂t + ∇·J = 0 with J·n = j_out on the boundary:

        ∫ (c − c_old)/Δt q w dx − ∫ J · ∇q w dx + ∫ j_out q w ds.

    ``outflow`` is the outward molar flux density j_out [mol/(m² s)] (None: no flux).
    """
    F = (c - c_old) / dt * q * weight * dx - ufl.inner(flux, ufl.grad(q)) * weight * dx
    if outflow is not None:
        F += outflow * q * weight * ds
    return F



def interface_flux_residual(j, q_plus, q_minus, dS):
    """Interface term of the mass balances of two sides for a flux density j [mol/(m² s)] that
    leaves the '+' side and enters the '−' side:

        ∫_Γ j (q⁺ − q⁻) dS,

    with q_plus the test function of the '+' side field and q_minus that of the '−' side field
    (they may belong to different submeshes). ``dS`` must have a consistent side
    (``battchem.interface.interface_measure``).
    """
    return j * (q_plus("+") - q_minus("-")) * dS
