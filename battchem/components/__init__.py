"""Components: reusable sub-solvers that several problems share, built from the forms of
``battchem.physics`` and the solvers of the machinery (the phase-field fracture core). A problem
uses them; they never import a problem."""
