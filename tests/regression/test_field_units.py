"""Every field a run writes has its unit in the manifest (``field_units``, shown by battchem.load and
in the pictures of fields), and the unit is SI: the problems that solve scaled unknowns (plating's
phase field, creep_contact's velocity and pressure, the interphase concentration) write physical
fields, and a field that is a fraction says so ("-"). One step of each model's regression input
with fields written at every step."""

from pathlib import Path

import pytest

import battchem

INPUTS = Path(__file__).resolve().parent / "inputs"
# the SI units the fields may carry ("-": a fraction or an order parameter)
SI = {"-", "m", "m/s", "Pa", "1/s", "V", "mol/m^3"}
CASES = ["void_vacancy_stripping", "void_creep_short", "interphase_growth_1d", "interphase_crack_2d",
         "plating_cell_sand", "plating_phase_field_bump"]


@pytest.mark.parametrize("name", CASES)
def test_every_written_field_has_an_si_unit(tmp_path, name):
    result = battchem.run(INPUTS / f"{name}.yaml", tmp_path / name,
                          ["stepping.max_steps=1", "output.fields_every=1", "output.plots=false"], quiet=True)
    assert result.status == "interrupted", result.message
    loaded = battchem.load(result.outdir)
    units = loaded.manifest["field_units"]
    assert loaded.fields, "no field written"
    missing = [f for f in loaded.fields if f not in units]
    assert not missing, f"{name}: no unit for {missing} (declared: {units})"
    assert {units[f] for f in loaded.fields} <= SI, units
    assert loaded.field(loaded.fields[0]).unit == units[loaded.fields[0]]
