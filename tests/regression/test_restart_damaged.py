"""A restart of a damaged run equals the uninterrupted one: the small notched plate is stopped once
its crack has started (stepping.max_steps), restarted from its checkpoint, and the whole series must
match the gold series of the uninterrupted run (tests/regression/gold/notched_plate_small.csv, which
test_gold.py checks against a fresh run) to the gold tolerance."""

from pathlib import Path

import numpy as np
import pytest

import battchem
from battchem.output import read_series

HERE = Path(__file__).resolve().parent
INPUT = HERE / "inputs" / "notched_plate_small.yaml"
GOLD = HERE / "gold" / "notched_plate_small.csv"
RTOL = 1e-6  # as test_gold.py: round-off only, 1 or 2 ranks


@pytest.mark.mpi
def test_restart_of_a_damaged_plate_equals_the_uninterrupted_run(shared_tmp):
    gold = read_series(GOLD)
    # stop at the first step with d_max > 0.3: damage is growing and the history field matters
    stop = int(gold["step"][np.argmax(gold["damage_max"] > 0.3)])
    assert 0 < stop < gold["step"][-1] - 2
    part = battchem.run(INPUT, shared_tmp / "run", [f"stepping.max_steps={stop}"], quiet=True)
    assert part.status == "interrupted" and int(part.series["step"][-1]) == stop
    rest = battchem.run(INPUT, shared_tmp / "run", quiet=True, restart=True)
    assert rest.status == "completed"
    series = rest.series
    assert len(series["step"]) == len(gold["step"])
    for name, ref in gold.items():
        if name == "krylov_its":
            continue
        defined = ~np.isnan(ref)
        np.testing.assert_array_equal(np.isnan(series[name]), ~defined, err_msg=name)
        scale = max(np.abs(ref[defined]).max(initial=0.0), 1e-300)
        err = np.abs(series[name][defined] - ref[defined]).max(initial=0.0) / scale
        assert err <= RTOL, f"{name}: max relative deviation {err:.2e} after the restart at step {stop}"
