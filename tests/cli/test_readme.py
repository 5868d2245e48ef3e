"""The README's examples work (issue 7 §7: its own input example failed `battchem check`): every
YAML block that names a problem validates, every input file it names exists and validates, every
`battchem show/check/list/materials` command line it shows succeeds, and every Python block runs."""

import re
import shlex

import pytest
import yaml
from _cli import ROOT, battchem

from battchem.driver import load_config

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)
YAML_INPUTS = [text for lang, text in BLOCKS if lang == "yaml" and "problem:" in text]
FILES = sorted(set(re.findall(r"problems/[\w./-]+\.yaml", README)))
COMMANDS = sorted({line.split("#")[0].strip() for lang, text in BLOCKS if lang in ("", "bash")
                   for line in text.splitlines()
                   if re.match(r"^\s*battchem (show|check|list|materials)\b", line)
                   and not re.search(r"\b(INPUT|PROBLEM|NAME)\b", line)})


def test_the_readme_has_examples():
    assert YAML_INPUTS and FILES


@pytest.mark.parametrize("text", YAML_INPUTS, ids=[f"yaml{i}" for i in range(len(YAML_INPUTS))])
def test_yaml_examples_are_valid_inputs(text):
    load_config(yaml.safe_load(text))


@pytest.mark.parametrize("name", FILES)
def test_inputs_named_in_the_readme_exist_and_are_valid(name):
    path = ROOT / name
    assert path.is_file(), name
    load_config(path)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_lines_shown_in_the_readme_work(command, tmp_path):
    args = shlex.split(command)[1:]
    res = battchem(*[str(ROOT / a) if a.startswith("problems/") else a for a in args], cwd=tmp_path)
    assert res.returncode == 0, res.stderr


PYTHON = [text for lang, text in BLOCKS if lang == "python"]


@pytest.mark.parametrize("code", PYTHON, ids=[f"python{i}" for i in range(len(PYTHON))])
def test_python_examples_run(code, tmp_path):
    """Each Python block of the README runs as shown, from a folder that has the shipped inputs."""
    import subprocess
    import sys

    from _cli import env

    (tmp_path / "problems").symlink_to(ROOT / "problems")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env(), capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
