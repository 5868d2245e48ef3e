"""void_growth, model creep_contact, against the model of Roy, Fleck & Deshpande 2021 (Extreme Mech.
Lett. 46, 101307; reference/plating-voids.md §5a): an axisymmetric Li | LLZO cell with a debonded,
traction-free, current-free patch of radius a on the stripped interface, linearised Butler–Volmer
with κZ = 20 µm, Li creeping with m = 5, no stack pressure. Everything is instantaneous (t = 0),
so it is the problem's set-up that is compared.

Roy's results (quoted there): the flux concentration at the patch edge k_J = j(a)/j∞ exceeds 2 only
for patches wider than 2a ≈ 60 µm, and with m = 5 the patch tends to close (the Li over it moves
toward the electrolyte, v0 = v_z(r = 0) of the same sign as the remote v∞ = j∞ V_m/F) for every
patch narrower than 2a ≈ 1200 µm. Both are checked as stated ("only for", "below"); the numbers
measured here are in the docstrings (Roy's region sizes R, L, H are not given and v0 depends on them:
power-law fields decay slowly, see test_creep_flow's hole).
"""

import numpy as np
import pytest
from mpi4py import MPI

from battchem.driver import load_config
from battchem.evaluation import probe
from battchem.materials import FARADAY
from battchem.problems.void_growth.creep import CreepContact

KAPPA_Z = 20e-6  # κZ of the Li_LLZO_Sharafi2017 set: 0.04 S/m × 5e-4 Ω m²


def roy_cell(a_bar: float, region: float = 5.0, per_length: float = 8.0):
    """The problem set up for a patch of radius a = ā κZ in a cylinder of radius and heights
    ``region`` × a, elements of min(a, κZ)/``per_length`` along the interface."""
    a = a_bar * KAPPA_Z
    R = region * a
    overrides = ["geometry.coordinates=axisymmetric", f"geometry.spacing={2 * R}",
                 f"geometry.li_thickness={R}",
                 f"geometry.electrolyte_thickness={R}", f"geometry.mesh_size={min(a, KAPPA_Z) / per_length}",
                 f"geometry.mesh_size_far={R / 8}", "voids.shape=patch", "voids.height=0",
                 f"voids.size={2 * a}",
                 "interface.kinetics=linear", "creep.name=Li_Roy2021", "creep.regularization_rate=1e-11",
                 "operation.stack_pressure=0", "operation.segments.0.current_density=10"]
    config = load_config({"problem": "void_growth", "model": "creep_contact"}, overrides)
    problem = CreepContact(config, MPI.COMM_WORLD)
    problem.setup(problem.build_mesh())
    j = problem.interface_current()
    j_far = j[-1]  # at r = R, far from the patch
    k_J = float(np.interp(a, problem.interface_x, j)) / j_far
    v_far = j_far * problem.itf.molar_volume / FARADAY
    v0 = float(np.ravel(probe(problem.velocity, np.array([[0.0, 0.0, 0.0]])))[1])
    return k_J, -v0 / v_far  # Roy's sign: positive toward the electrolyte (closing)


def test_roy_flux_concentration_and_patch_closure():
    # ā = 1.5 is Roy's 2a = 60 µm; measured here k_J = 1.49 (2.17 at ā = 5, 2.84 at ā = 10: k_J = 2
    # near 2a = 160 µm in this axisymmetric cell, 2a = 65 µm in plane strain)
    k_small, v_small = roy_cell(1.5)
    k_large, v_large = roy_cell(5.0)
    assert k_small < 2.0 < k_large, (k_small, k_large)
    # far below 2a = 1200 µm the patch closes: v0/v∞ = 1.00 (ā = 1.5) and 0.97 (ā = 5) measured,
    # near the rigid value 1, and falling with ā (Roy's trend toward growth at large patches)
    assert v_small > 0.5 and v_large > 0.5, (v_small, v_large)
    assert v_large < v_small


@pytest.mark.slow
def test_roy_patch_still_closes_at_large_patches():
    """ā = 10 (2a = 400 µm) and 30 (1200 µm) in a region of 20 a: v0/v∞ = 0.72 and 0.72 measured;
    Roy find v0 < 0 from about 1200 µm on. This model does not reproduce the sign change up to
    ā = 100 in regions of 5 a to 80 a (v0/v∞ falls slowly with the region size: 0.93, 0.72, 0.63 at
    ā = 10 for 5 a, 20 a, 80 a): the patch closes below 1200 µm as Roy state, and also above."""
    k_400, v_400 = roy_cell(10.0, region=20.0, per_length=2.0)
    k_1200, v_1200 = roy_cell(30.0, region=20.0, per_length=2.0)
    assert k_400 < k_1200
    assert v_400 > 0 and v_1200 > 0
