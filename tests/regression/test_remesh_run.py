"""The driver follows a moving and remeshed body (issue 8, capability 3): a toy problem whose disk
grows by a uniform stretch every step and is remeshed from its boundary twice; a solute with
zero-flux diffusion keeps its amount while the area grows. The VTX output starts a new file for
each mesh generation, checkpoints hold the current mesh, and a restart after a remesh gives the
uninterrupted series."""

from typing import Literal

import numpy as np
import pytest
import ufl
from dolfinx import fem
from petsc4py import PETSc

import battchem
from battchem import mesh as bmesh
from battchem import moving, remesh
from battchem.config import BaseConfig, Q, SteppingConfig
from battchem.evaluation import MeasuredGeometry, integral
from battchem.problems import base
from battchem.problems.base import Problem, StepResult
from battchem.solvers import NonlinearSolver, default_options

STRETCH = 0.05  # each step maps x to (1 + STRETCH) x
REMESH_AT = (3, 5)  # steps after which the body is remeshed


class GrowingDiskConfig(BaseConfig):
    problem: Literal["growing_disk_test"] = Q("growing_disk_test", "-", "problem name")
    steps: int = Q(7, "-", "steps of dt = 1", ge=1)
    stepping: SteppingConfig = SteppingConfig(dt_initial=1.0, dt_max=1.0)


class GrowingDisk(Problem):
    """∂(c J)/∂t = ∇·(D ∇c) on a disk stretched by (1 + s) per step (a Lagrangian solute: after a
    stretch c ← c/(1 + s)²), zero flux: ∫ c dx stays the initial amount."""

    name = "growing_disk_test"
    summary = "test problem: a diffusing solute on a growing, remeshed disk"
    Config = GrowingDiskConfig
    moving_mesh = True

    def build_mesh(self):
        return bmesh.from_geo("disk", {"R": 1.0, "h": 0.25, "quarter": 0}, self.comm, 2)

    def setup(self, md):
        self.md = md
        self.V = fem.functionspace(md.mesh, ("Lagrange", 1))
        self.c = fem.Function(self.V, name="concentration")
        if not hasattr(self, "_started"):  # a fresh run (a restart reads c from the checkpoint)
            self.c.interpolate(lambda x: 1.0 + x[0] ** 2)
            self._started = True
        self.c_old = fem.Function(self.V)
        self.c_old.x.array[:] = self.c.x.array
        c, v = self.c, ufl.TestFunction(self.V)
        self.dt = fem.Constant(md.mesh, PETSc.ScalarType(1.0))
        F = ((c - self.c_old) / self.dt * v + 0.01 * ufl.inner(ufl.grad(c), ufl.grad(v))) * ufl.dx
        self.solver = NonlinearSolver(F, self.c, [], prefix="growing_", linear=True, jacobian_key=lambda: 0,
                                      options=default_options("diffusion", 0, self.config.solver))
        self.geometry = MeasuredGeometry(md)
        self.amount = fem.form(self.c * ufl.dx)

    def end_time(self):
        return float(self.config.steps)

    def advance(self, t, dt):
        self.dt.value = dt
        moving.move_mesh(self.md.mesh, lambda x: STRETCH * x[: self.md.mesh.geometry.dim])
        self.c.x.array[:] /= (1 + STRETCH) ** 2  # the same amount on a larger area
        self.c_old.x.array[:] = self.c.x.array
        return StepResult(self.solver.solve())

    def accept(self, t_new):
        step = int(round(t_new))
        if step in REMESH_AT:
            new = remesh.remesh(self.md, 0.25 * (1 + STRETCH) ** step, [self.c], conserve={"concentration": "scale"})
            self.setup_on(new.data, new.functions["concentration"])

    def setup_on(self, md, c):
        values = c.x.array.copy()
        self.setup(md)
        self.c.x.array[:] = values

    def reject(self):
        raise AssertionError("no step of this test problem may fail")

    def columns(self):
        return [("area", "m^2"), ("amount", "mol"), ("cells", "-")]

    def quantities(self, t):
        return {"area": self.geometry.volume(), "amount": integral(self.amount, self.comm),
                "cells": self.md.num_cells_global()}

    def output_functions(self):
        return [self.c]

    def state_functions(self):
        return {"c": self.c}

    def restore_scalars(self, scalars):
        self.c_old.x.array[:] = self.c.x.array


@pytest.fixture
def growing_disk():
    base.register(GrowingDisk)
    yield
    del base._REGISTRY[GrowingDisk.name]


@pytest.mark.mpi
def test_a_remeshed_body_is_followed_by_outputs_and_restarts(shared_tmp, growing_disk):
    data = {"problem": "growing_disk_test", "output": {"plots": False, "fields_every": 1}}
    full = battchem.run(data, shared_tmp / "full", quiet=True)
    assert full.status == "completed"
    s = full.series
    # a uniform stretch maps P1 triangles exactly: the area grows as (1 + s)^(2n) (round-off); the
    # remeshed boundary is the old one, so remeshing keeps it too
    area0 = s["area"][0]
    assert np.allclose(s["area"], area0 * (1 + STRETCH) ** (2 * s["step"]), rtol=1e-12)
    # zero-flux diffusion and the conservative transfer keep the amount to round-off
    assert np.abs(s["amount"] / s["amount"][0] - 1).max() < 1e-12
    assert s["cells"][REMESH_AT[0]] != s["cells"][REMESH_AT[0] - 1]  # a new mesh
    assert [r["generation"] for r in full.manifest["remeshes"]] == [1, 2]
    fields = sorted(p.name for p in (shared_tmp / "full" / "fields").iterdir())
    assert fields == ["fields.bp", "fields_g1.bp", "fields_g2.bp"]

    part = battchem.run(data, shared_tmp / "part", ["stepping.max_steps=4"], quiet=True)
    assert part.status == "interrupted"  # stopped after the first remesh: its checkpoint holds the new mesh
    rest = battchem.run(data, shared_tmp / "part", quiet=True, restart=True)
    assert rest.status == "completed"
    for name in ("area", "amount", "cells"):
        assert np.allclose(rest.series[name], s[name], rtol=1e-12), name
