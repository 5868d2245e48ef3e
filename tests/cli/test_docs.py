"""Docs that match the code (issue 14 §7): the README lists every picture and file a run writes and
the ParaView reader; it and `battchem show` state what a C-rate means; no user-facing document
refers to a document that is not in the repository; the fracture map's run time is the same
wherever it is stated."""

import re

import pytest
from _cli import ROOT

from battchem.cli import main
from battchem.output import OWN_ENTRIES

README = (ROOT / "README.md").read_text()
OUTPUTS = README[README.index("## Outputs"):README.index("## Python")]
USER_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted(p for p in (ROOT / "problems").iterdir() if p.is_file())]


def test_the_readme_lists_every_picture_of_every_problem():
    pictures = set()
    for plots in (ROOT / "battchem" / "problems").glob("*/plots.py"):
        pictures |= set(re.findall(r'"(\w+\.png)"', plots.read_text()))
    assert {"hoop_stress.png", "damage.png", "force_displacement.png", "voltage.png"} <= pictures
    # every picture a problem draws is named in the README's Outputs
    assert not [p for p in pictures if p not in OUTPUTS]
    assert "FIELD_tT.png" in OUTPUTS and "--field FIELD --time T" in OUTPUTS  # battchem plot's own


def test_the_readme_lists_every_file_a_run_writes_and_the_paraview_reader():
    written = [e for e in OWN_ENTRIES if not e.endswith((".tmp", ".new", ".old"))]
    assert not [e for e in written if e not in OUTPUTS]
    assert "ADIOS2VTXReader" in OUTPUTS


def test_the_c_rate_is_defined_in_show_and_the_readme(capsys):
    assert main(["show", "particle_fracture"]) == 0
    shown = capsys.readouterr().out
    assert "C-rate of the theoretical capacity: 1C fills the particle from 0 to c_max in 1 h" in shown
    assert "PyBaMM's C-rate refers to the cell's practical capacity" in shown
    assert "**C-rate.** `c_rate` is relative to the particle's theoretical capacity" in README


@pytest.mark.parametrize("path", USER_DOCS, ids=lambda p: p.name)
def test_documents_refer_only_to_documents_in_the_repository(path):
    text = path.read_text(errors="replace")
    for name in re.findall(r"[\w./-]+\.md\b", text):  # a path, or a link's text naming a file in docs/
        found = [folder / name for folder in (path.parent, ROOT, ROOT / "docs") if (folder / name).exists()]
        assert found, f"{path.name} refers to {name}"
    # neither the design notes outside the repository nor the issue tracker
    assert not re.search(r"\breference/|\bissue \d", text), path.name


def test_the_fracture_map_run_time_is_the_same_wherever_it_is_stated():
    statements = {"README.md": re.findall(r"make fracture-map`, (\d+) min", README),
                  "phasefield.md": re.findall(r"5 per\s+radius, (\d+) min on 2 cores",
                                              (ROOT / "docs" / "phasefield.md").read_text())}
    makefile = (ROOT / "Makefile").read_text()
    statements["Makefile"] = re.findall(r"fracture map.*?(\d+) min", makefile)
    script = ROOT / "problems" / "fracture_map.py"
    if script.exists():
        statements["fracture_map.py"] = re.findall(r"about (\d+) min", script.read_text())
    assert len(statements["README.md"]) == 1 and len(statements["phasefield.md"]) == 1, statements
    assert len({m for found in statements.values() for m in found}) == 1, statements
