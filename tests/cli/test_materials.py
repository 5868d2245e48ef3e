"""Parameter sets a user can inspect (issue 14 §1): `battchem materials` lists every named set of
every kind, `battchem show material NAME` prints every value with its unit, status and source, the
set's cautions and the legend of the status tags; `battchem --version`."""

import re

import pytest
from _cli import battchem

from battchem.cli import main
from battchem.materials import MATERIAL_KINDS, STATUS_TAGS

SETS = [(kind, name) for kind, sets in MATERIAL_KINDS.items() for name in sets]


def test_materials_lists_every_set_of_every_kind_once(capsys):
    assert main(["materials"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for _, name in SETS:
        assert sum(line.startswith(name + " ") for line in lines) == 1, name
    headings = [line for line in lines if line.startswith("# ")]
    assert "# intercalation material (input: particle_fracture material.name)" in headings
    assert "# electrolyte (input: plating electrolyte.name)" in headings
    # sets chosen by a key whose allowed values are the set names, not by a NamedSet section
    assert "# deposit and partner elasticity (input: plating mechanics.metal, plating mechanics.partner)" in headings
    assert not [h for h in headings if "no problem yet" in h]
    assert len(lines) == len(SETS) + len(MATERIAL_KINDS) + 1  # one line per set, a heading per kind, a hint


@pytest.mark.parametrize("kind, name", SETS, ids=[s[1] for s in SETS])
def test_show_material_prints_every_value_with_unit_status_and_source(capsys, kind, name):
    assert main(["show", "material", name]) == 0
    text = capsys.readouterr().out
    mset = MATERIAL_KINDS[kind][name]
    assert text.startswith(f"{name}: {kind}\n  {mset.description}\n")
    for key, v in mset.values.items():
        # units may contain spaces ("m^3/(J s)"): the row is matched with the expected unit, status and source
        row = re.search(rf"^  {re.escape(key)} +(\S+) +{re.escape(v.unit)} +{re.escape(v.status)} +"
                        rf"{re.escape(v.source)}$", text, flags=re.M)
        assert row, key
        assert float(row[1]) == pytest.approx(v.value, rel=1e-5)  # printed with 6 significant digits
    for key, fit in mset.fits.items():
        assert f"{key}(c) = {fit.expression}" in text
    for caution in mset.cautions:
        assert f"Caution: {caution}" in text
    for tag, meaning in STATUS_TAGS.items():  # the legend
        assert re.search(rf"^    {tag} +{re.escape(meaning)}$", text, flags=re.M), tag


def test_the_nmc811_set_says_its_modulus_is_a_licoo2_value(capsys):
    assert main(["show", "material", "NMC811_OKane2022"]) == 0
    cautions = [line for line in capsys.readouterr().out.splitlines() if "Caution" in line]
    assert any("E is the LiCoO2 value" in line for line in cautions)


def test_an_unknown_set_is_one_line_with_the_closest_name(tmp_path):
    res = battchem("show", "material", "NMC811", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "battchem: input error: unknown material set 'NMC811' (did you mean 'NMC811_OKane2022'? allowed: "
        + ", ".join(name for _, name in SETS) + ")"]
    assert main(["show", "material"]) == 2  # no name: an input error, not a traceback


def test_version(tmp_path):
    import battchem as package

    res = battchem("--version", cwd=tmp_path)
    assert res.returncode == 0
    assert re.fullmatch(rf"battchem {re.escape(package.__version__)} \(dolfinx 0\.9\.\d+, PETSc 3\.\d+\.\d+, "
                        r"Python 3\.\d+\.\d+; .+\)\n", res.stdout), res.stdout
