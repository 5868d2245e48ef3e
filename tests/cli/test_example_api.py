"""The example script problems/example_api.py runs as a user runs it (issue 14 §6) and answers its
question: the surface hoop stress of a 10 µm NMC811 particle at 2C, with the plausibility warnings
that such a number deserves."""

import re
import subprocess
import sys

from _cli import ROOT, env


def test_the_api_example_runs_and_answers(tmp_path):
    out = tmp_path / "example"
    res = subprocess.run([sys.executable, str(ROOT / "problems" / "example_api.py"), "-o", str(out)],
                         cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert text.startswith("Result(particle_fracture, completed: ")
    peak = re.search(r"largest surface hoop stress: (\S+) GPa at t = (\S+) s", text)
    # the radial model's surface hoop stress at the surface cut-off: about -27.6 GPa (the issue's
    # -27.5 GPa); 5 % allows for a change of mesh or steps, not for a change of sign or scale
    assert peak and abs(float(peak[1]) / -27.6 - 1) < 0.05, text
    assert "segment 1 ended at t = " in text and "surface concentration limit reached" in text
    # the line profile (an export) and the field read back agree at t = 300 s: both end at the surface value
    profile = [float(v) for v in re.search(r"at t = 300 s \[GPa\]: (.*)", text)[1].split()]
    field = re.search(r"FieldState\(hoop_stress \[Pa\] at t = 300\): "
                      r"at r = R/2 (\S+) GPa, at r = R (\S+) GPa", text)
    assert len(profile) == 11 and float(field[1]) == profile[5] and float(field[2]) == profile[-1]
    for name in ("hoop_stress.png", "series.png", "concentration_t300.png"):
        assert (out / "plots" / name).is_file() and f"picture: {out / 'plots' / name}" in text
    warnings = [line for line in res.stderr.splitlines() if line.startswith("battchem: warning:")]
    assert len(warnings) == 2 and "chemical strain" in warnings[0] and "beyond E/50" in warnings[1]
