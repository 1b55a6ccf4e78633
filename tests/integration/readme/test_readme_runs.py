"""Every README.md code block not marked as skipped runs, in order, against a private sandbox:
shell blocks with bash from the repository root (.venv/bin first on PATH), Python blocks with
this interpreter from a folder outside the checkout. The README cannot drift from what works."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.sandbox_fixture import REPO, process_env, private_sandbox
from tests.readme_blocks import blocks

TIMEOUT = 300


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "readme-sandbox") as box:
        yield box


def test_readme_blocks_run(sandbox, tmp_path):
    env = process_env(sandbox.state)
    env.pop("ANSIBLE_CONFIG")  # found in the working folder, as a person running them has it
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    ran = []
    for block in blocks():
        if block.skip_reason:
            continue
        if block.language == "bash":
            argv, cwd = ["bash", "-euo", "pipefail", "-c", block.code], REPO
        else:
            argv, cwd = [sys.executable, "-c", block.code], tmp_path
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, f"README.md:{block.line} ({block.language}) failed:\n{done.stdout}\n{done.stderr}"
        ran.append((block, done.stdout))
    assert len(ran) >= 2
    # the story the README tells: v1.3.0 shipped, then rolled back to the previous good release
    assert sandbox.running() == sandbox.image("v1.2.0")
    assert any("successful" in out and sandbox.sha("v1.2.0") in out for _, out in ran)
