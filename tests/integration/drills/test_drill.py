"""playbooks/drill.yml end to end: refused in production, and failing (with a report that says
so) when the rollback leaves the service unhealthy.

The failing drill runs against a private sandbox (`python -m sandbox up` in a temp SANDBOX_DIR)
whose "known-good" release is v1.3.0, the one whose /api/appointments/ answers 500: the release
under test (v1.4.0) fails its health check, App Runner rolls back to v1.3.0, and validation finds
the service still broken.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PLAYBOOK = REPO / "playbooks" / "drill.yml"


def ansible_env(state: Path | None = None) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "SANDBOX_", "ANSIBLE_"))}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    if state is not None:
        env["SANDBOX_DIR"] = str(state)
    return env


def run_drill(env: dict, *args: str) -> subprocess.CompletedProcess:
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), str(PLAYBOOK), *args]
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("drill-sandbox")
    env = ansible_env(state)
    try:
        subprocess.run([sys.executable, "-m", "sandbox", "up", "--deploy-seconds", "1"], cwd=REPO, env=env,
                       check=True, capture_output=True, text=True, timeout=180)
        yield state
    finally:
        subprocess.run([sys.executable, "-m", "sandbox", "down"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)


def test_drill_is_refused_in_production_before_anything_else():
    run = run_drill(ansible_env(), "-i", str(REPO / "inventories" / "prod"))
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Refused, nothing was changed: a drill deploys a failing release on purpose" in out
    assert "Find the image of" not in out  # no AWS call: the preflight's first task refused
    assert "changed=0" in out


def test_drill_fails_and_reports_fail_when_the_rollback_leaves_the_service_unhealthy(sandbox):
    run = run_drill(ansible_env(sandbox), "-e", "drill_name=failed_deploy", "-e", "drill_good_release=v1.3.0",
                    "-e", "drill_validate_retries=1")
    assert run.returncode != 0, run.stdout[-3000:]
    assert "Drill failed_deploy FAILED in phase validate" in run.stdout

    reports = sorted((sandbox / "reports").glob("drill-failed_deploy-*.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text())
    assert report["result"] == "fail"
    assert report["failure"]["phase"] == "validate"
    assert "/api/appointments/ answered 500" in report["failure"]["message"]
    assert report["good_release"]["version"] == "v1.3.0"
    assert report["detected_by"] == ["deployment"]
    assert report["time_to_detect_seconds"] >= 0
    assert report["time_to_recover_seconds"] is None
    assert [phase["outcome"] for phase in report["phases"]] == ["ok", "ok", "ok", "ok", "failed"]
    markdown = reports[0].with_suffix(".md").read_text()
    assert markdown.startswith("# Drill `failed_deploy`: FAIL")
    assert "| Time to recover | n/a (not recovered) |" in markdown
