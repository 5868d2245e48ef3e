"""mesh.from_geo with ghost mode shared_facet: interior-facet integrals work on every partition."""

from __future__ import annotations

import pytest
import ufl
from dolfinx import fem
from mpi4py import MPI

from battchem.mesh import from_geo


@pytest.mark.mpi
def test_interior_facet_integral_with_shared_facet_ghosts(comm):
    md = from_geo("bilayer", {"L1": 1.0, "L2": 1.0, "H": 0.5, "h": 0.05}, comm, 2, ghost_mode="shared_facet")
    dS = ufl.Measure("dS", domain=md.mesh, subdomain_data=md.facet_tags)
    length = comm.allreduce(fem.assemble_scalar(fem.form(1.0 * dS(md.facet_names["interface"]))), op=MPI.SUM)
    assert length == pytest.approx(0.5, rel=1e-12)  # a sum of exact segment lengths: rounding only


def test_ghosts_and_refinement_refused(comm):
    with pytest.raises(ValueError, match="refine 0"):
        from_geo("bilayer", {}, comm, 2, ghost_mode="shared_facet", refine=1)
