"""tools/setup.sh (`make setup`): the tools' venv and the releases' `.venv-app` install side by side, and
a pip that fails in either fails setup with a message naming the venv, the stamp unwritten (before,
pip's status was ignored and only a few imports were checked, so a requirement pip could not install
passed unnoticed when those imports worked).

The interpreter is a stand-in (a shell script): `-m venv DIR` makes DIR/bin/python a copy of itself,
`-m pip` fails in the venv that $FAKE_PIP_FAIL names, and `-c` answers the version question. What is
tested is the script's handling of pip's outcome, with no package installed."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
APP_REQUIREMENTS = Path("sandbox/consultas/releases/v1.0.0/requirements.txt")

FAKE_PYTHON = r"""#!/bin/bash
venv=$(basename "$(dirname "$(dirname "$0")")")
case "$1" in
  -m)
    if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0; fi
    if [ "$2" = pip ]; then
      echo "$venv $*" >> "$FAKE_PIP_LOG"
      if [ "$venv" = "$FAKE_PIP_FAIL" ]; then
        echo "ERROR: No matching distribution found for nonexistent-requirement==1.0"; exit 1
      fi
      echo "WARNING: Location 'file:///opt/pypi-more/simple/x/' is ignored"; exit 0
    fi ;;
  -c) case "$2" in *version_info*) echo 3.13 ;; esac; exit 0 ;;
esac
exit 0
"""


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "tools").mkdir(parents=True)
    shutil.copy2(REPO / "tools" / "setup.sh", root / "tools" / "setup.sh")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / APP_REQUIREMENTS).parent.mkdir(parents=True)
    shutil.copy2(REPO / APP_REQUIREMENTS, root / APP_REQUIREMENTS)
    python = tmp_path / "bin" / "python3"
    python.parent.mkdir()
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return root, python


def setup(project, fail: str = "") -> tuple[subprocess.CompletedProcess, Path]:
    root, python = project
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, PYTHON=str(python), FAKE_PIP_FAIL=fail, FAKE_PIP_LOG=str(root.parent / "pip.log"),
               TMPDIR=str(tmp))
    done = subprocess.run(["bash", "tools/setup.sh"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    return done, tmp


def test_both_venvs_install_and_the_stamp_is_written(project):
    done, tmp = setup(project)
    root = project[0]
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / ".venv" / "bin" / "python").exists() and (root / ".venv-app" / "bin" / "python").exists()
    assert (root / ".venv" / ".setup-stamp").exists()
    pips = (root.parent / "pip.log").read_text().splitlines()
    assert any(line.startswith(".venv -m pip install") and "-e .[test]" in line for line in pips), pips
    assert any(line.startswith(".venv-app -m pip install") and str(APP_REQUIREMENTS) in line for line in pips), pips
    assert "WARNING: Location" not in done.stdout + done.stderr
    assert list(tmp.iterdir()) == []  # the releases' install log is gone


@pytest.mark.parametrize("venv, message", [
    (".venv", "setup: pip could not install into .venv"),
    (".venv-app", "setup: the install into .venv-app did not complete"),
])
def test_a_pip_that_fails_fails_setup_naming_the_venv(project, venv, message):
    done, tmp = setup(project, fail=venv)
    root = project[0]
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert message in done.stderr, out
    assert "No matching distribution found for nonexistent-requirement" in out
    assert not (root / ".venv" / ".setup-stamp").exists()
    assert list(tmp.iterdir()) == []
    again, _tmp = setup(project)  # mended: setup runs again rather than trusting a stamp
    assert again.returncode == 0, again.stdout + again.stderr
    assert (root / ".venv" / ".setup-stamp").exists()
