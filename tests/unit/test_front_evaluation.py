"""Moving-front quantities of battchem.evaluation: the front position of a level set and the
interface measure ∫|∇f|."""

import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.evaluation import front_position, integral, interface_measure_form

pytestmark = pytest.mark.mpi


def p1(msh, fn):
    f = fem.Function(fem.functionspace(msh, ("Lagrange", 1)))
    f.interpolate(fn)
    return f


def test_front_of_a_linear_field_is_exact():
    """f = 1 − (x + 0.5 y)/a is linear: its P1 interpolant is exact and {f ≥ ½} ends on the line
    x + 0.5 y = a/2; the largest x on it (y = 0) and the largest (x + 0.5y)/|(1, 0.5)| are exact
    whatever the mesh (tolerance: rounding)."""
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0, 0], [3, 1]], [17, 7])
    a = 2.9
    f = p1(msh, lambda x: 1 - (x[0] + 0.5 * x[1]) / a)
    assert front_position(f, (1, 0)) == pytest.approx(a / 2, abs=1e-12)
    assert front_position(f, (1, 0.5)) == pytest.approx(a / 2 / np.hypot(1, 0.5), abs=1e-12)
    assert front_position(f, (-1, 0)) == pytest.approx(0.0, abs=1e-12)  # the region touches x = 0
    assert front_position(f, (1, 0), level=2.0) == -np.inf


def test_tip_of_a_bump():
    """A round bump of radius R centred on x = 1 over a flat front at x = 1: the tip height 1 + R is
    recovered to O(h²) from the P1 interpolant of a smooth profile (h = 1/40: error ≤ 2e-3)."""
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0, -1], [3, 1]], [120, 80])
    R = 0.4
    f = p1(msh, lambda x: np.maximum(0.5 * (1 - np.tanh((x[0] - 1) / 0.1)),
                                     0.5 * (1 - np.tanh((np.hypot(x[0] - 1, x[1]) - R) / 0.1))))
    assert front_position(f, (1, 0)) == pytest.approx(1 + R, abs=2e-3)


def test_interface_measure():
    """∫|∇ξ| of a diffuse planar front across a strip of height H is H (coarea formula), and a
    circle's is its perimeter 2πR; P1 interpolants of tanh profiles resolved with 8 cells per width:
    errors below 0.5 % (measured 1e-4 and 2e-3)."""
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0, -1], [2, 1]], [160, 160])
    plane = p1(msh, lambda x: 0.5 * (1 - np.tanh((x[0] - 1) / 0.05)))
    assert integral(interface_measure_form(plane), msh.comm) == pytest.approx(2.0, rel=5e-3)
    R = 0.5
    disk = p1(msh, lambda x: 0.5 * (1 - np.tanh((np.hypot(x[0] - 1, x[1]) - R) / 0.05)))
    assert integral(interface_measure_form(disk), msh.comm) == pytest.approx(2 * np.pi * R, rel=5e-3)
