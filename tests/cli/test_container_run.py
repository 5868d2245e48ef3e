"""containers/run mounts the folders a command names (issue 7 §2): an input outside the checkout
and the output folder of -o must reach the image at the same path, or the run reads nothing and
writes into a folder that disappears with the container. Checked through BATTCHEM_RUN_PRINT=1,
which prints the podman command instead of running it."""

import os
import subprocess

from _cli import ROOT

SCRIPT = ROOT / "containers" / "run"


def podman_command(*args, cwd, extra_env=None):
    env = {**os.environ, "BATTCHEM_RUN_PRINT": "1", **(extra_env or {})}
    res = subprocess.run(["bash", str(SCRIPT), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True)
    return res, res.stdout.splitlines()


def mounts(lines):
    return {lines[i + 1] for i, word in enumerate(lines) if word == "-v"}


def test_input_output_and_working_directory_are_mounted(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "cell.yaml").write_text("problem: particle_fracture\n")
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "scratch" / "run1"
    res, lines = podman_command("battchem", "run", inputs / "cell.yaml", "-o", out, "--set", "a.b=1", cwd=work)
    assert res.returncode == 0, res.stderr
    m = mounts(lines)
    assert f"{ROOT}:{ROOT}" in m
    assert f"{tmp_path}/work:{tmp_path}/work" in m  # the working directory (relative paths)
    assert f"{inputs}:{inputs}" in m
    assert f"{out}:{out}" in m and out.is_dir()  # created on the host first
    assert lines[lines.index("-w") + 1] == str(work)
    assert lines[-7:] == ["battchem", "run", str(inputs / "cell.yaml"), "-o", str(out), "--set", "a.b=1"]


def test_relative_output_and_extra_mounts(tmp_path):
    (tmp_path / "data").mkdir()
    res, lines = podman_command("battchem", "run", "x.yaml", "--outdir=out/r", cwd=tmp_path,
                                extra_env={"BATTCHEM_MOUNT": str(tmp_path / "data")})
    assert res.returncode == 0, res.stderr
    m = mounts(lines)
    assert f"{tmp_path}:{tmp_path}" in m
    assert f"{tmp_path}/data:{tmp_path}/data" not in m  # already inside a mounted folder
    assert (tmp_path / "out" / "r").is_dir()


def test_system_folders_are_refused_with_a_hint(tmp_path):
    res, _ = podman_command("battchem", "run", "/etc/hostname", cwd=tmp_path)
    assert res.returncode == 2
    assert "cannot mount /etc" in res.stderr and "BATTCHEM_MOUNT" in res.stderr
