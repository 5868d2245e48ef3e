"""Material values are UFL Constants, not literals (issue 8, defect 1): a run with another E, ν, Ω,
D, G_c or ℓ finds every form in the JIT cache, so a sweep compiles once (before: 3.1 s of
compilation against 0.1 s per 2-D disk case).

Checked across processes, as sweeps run cases: the second process, with other material values,
must not add a single compiled module to a fresh FFCx cache."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import sys
from mpi4py import MPI
from battchem import problems
from battchem.driver import load_config

E, D, Gc, ell = (float(v) for v in sys.argv[1:5])
base = {"problem": "particle_fracture", "geometry": {"kind": "disk", "mesh_size": 0.5, "degree": 1,
        "symmetry": "full"}, "material": {"E": E, "D": D, "Omega": 2e-6 * E / 1e10, "nu": 0.25 + E / 1e12},
        "fracture": {"Gc": Gc, "length_scale": ell}, "output": {"plots": False}}
config = load_config(base)
problem = problems.get("particle_fracture")(config, MPI.COMM_WORLD)
problem.setup(problem.build_mesh())
problem.quantities(0.0)
"""


def compiled_modules(cache) -> set:
    return {p for p in cache.rglob("*.so")} if cache.exists() else set()


def test_other_material_values_compile_nothing_new(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": ROOT}
    script = tmp_path / "setup_case.py"
    script.write_text(SCRIPT)
    first = subprocess.run([sys.executable, str(script), "1e10", "7e-15", "2.0", "2.5e-6"], env=env,
                           capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-2000:]
    modules = compiled_modules(tmp_path / "cache")
    assert len(modules) >= 5  # the problem's forms were compiled into the fresh cache
    second = subprocess.run([sys.executable, str(script), "3e10", "2e-14", "5.0", "4e-6"], env=env,
                            capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    assert compiled_modules(tmp_path / "cache") == modules
