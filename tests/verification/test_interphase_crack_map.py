"""The crack map of interphase as a study (issue 12 item 4): problems/interphase_crack_map.yaml's
sweep (electrolyte toughness × growth rate, the quantity the time to first cracking) shrunk to 2 × 2
runs on a 4 µm section (about 18 s), its map (crack_map.csv, crack_map.png) against single runs of the same
inputs."""

from pathlib import Path

import numpy as np
import pytest
import yaml

import battchem
from battchem.study import sweep

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "problems" / "interphase_crack_map.yaml"
# a 4 µm section under a 2 µm contact (ℓ = 0.5 µm resolved by h = ℓ/2 in the band): about 3 s a run
TINY = {"thickness": 4e-6, "width": 4e-6, "contact_width": 2e-6, "band_depth": 3e-6,
        "coarse_mesh_size": 0.5e-6}
K_IC = [0.6e6, 2.0e6]
D_INT, FRONT_RATE = [5e-13, 1.5e-12], [1e-7, 3e-7]  # growth ×1 and ×3 (LAGP_Lewis2019 placeholders)
DURATION = 2400.0


def tiny_input() -> dict:
    data = yaml.safe_load(MAP.read_text())
    data["geometry"].update(TINY)
    data["operation"]["segments"][0]["duration"] = DURATION
    data["output"]["progress_every"] = 0
    data["sweep"]["grid"] = {"electrolyte.K_IC": K_IC}
    data["sweep"]["zip"] = {"interphase.D_int": D_INT, "interphase.front_rate": FRONT_RATE}
    return data


def single_run(tmp: Path, k_ic: float, j: int):
    overrides = ["sweep=null", f"electrolyte.K_IC={k_ic}", f"interphase.D_int={D_INT[j]}",
                 f"interphase.front_rate={FRONT_RATE[j]}"]
    result = battchem.run(tiny_input(), tmp, overrides, quiet=True)
    assert result.status == "completed", result.message
    return result


def test_crack_map_sweep_matches_single_runs(tmp_path):
    """The sweep's map holds what single runs give: the same time to first cracking (the same inputs
    and solver path: equal to 1e-9 relative, the digits crack_map.csv prints) in a case that cracks,
    NaN ("no crack") in one that does not within the run; faster growth cracks earlier and a tougher
    electrolyte later (measured, s: K_IC 0.6 MPa√m 1423 at ×1, 473 at ×3; K_IC 2 MPa√m no crack in
    2400 s at either)."""
    study = sweep(tiny_input(), tmp_path / "study")
    assert study.status == "completed"
    table = np.genfromtxt(study.outdir / "crack_map.csv", delimiter=",", comments="#", skip_header=2,
                          usecols=(0, 1, 2, 3, 4))
    assert table.shape == (4, 5)
    t_map = table[:, 3].reshape(2, 2)  # rows K_IC, columns growth ×1, ×3
    print("time to first cracking [s]:\n", t_map, "\nthickness [µm]:\n", table[:, 4].reshape(2, 2) * 1e6)
    assert (study.outdir / "crack_map.png").stat().st_size > 10_000

    cracked = single_run(tmp_path / "single_cracked", K_IC[0], 1)
    t_single = cracked.manifest["results"]["first_crack_time [s]"]
    assert t_single is not None
    assert t_map[0, 1] == pytest.approx(t_single, rel=1e-5)  # 6 printed digits
    assert table[1, 4] == pytest.approx(cracked.series["thickness_mean"][-1], rel=1e-5)

    intact = single_run(tmp_path / "single_intact", K_IC[1], 0)
    assert intact.manifest["results"]["first_crack_time [s]"] is None
    assert np.isnan(t_map[1, 0])

    assert t_map[0, 1] < t_map[0, 0]  # faster growth cracks earlier
    assert np.isnan(t_map[1, 0]) or t_map[1, 0] > t_map[0, 0]  # a tougher electrolyte later (or not at all)


def test_no_crack_map_without_the_time_to_first_cracking(tmp_path):
    from battchem import problems
    from battchem.driver import load_config

    data = tiny_input()
    data["sweep"]["summary"] = ["thickness_mean"]
    assert problems.get("interphase").study_plots(load_config(data), [], [], tmp_path) == []
