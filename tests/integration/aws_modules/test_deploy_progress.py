"""While a deployment runs, ansible-playbook shows its status and the time elapsed (module_utils/progress):
the module runs in the task's worker (plugins/plugin_utils/in_process.py), which shows each line at once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults

REPO = Path(__file__).resolve().parents[3]


def test_a_slow_deployment_shows_its_progress_while_it_runs(tmp_path, aws_env, apprunner_endpoint):
    repository = create_repository()
    shas = [git_sha(), git_sha()]
    for sha in shas:
        push_image(repository["repositoryName"], sha)
    arn = create_service(f"{repository['repositoryUri']}:{shas[0]}")["ServiceArn"]
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Deploy", "lacrei.rollback.apprunner_deploy": {
            "service_arn": arn, "image": f"{repository['repositoryUri']}:{shas[1]}", "region": "us-east-1"},
         "environment": {**aws_env, "LACREI_PROGRESS_SECONDS": "1"}}]}]))
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    before = set_faults(apprunner_endpoint)["deploy_seconds"]
    set_faults(apprunner_endpoint, deploy_seconds=4)
    try:
        run = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "svc,", "-c", "local",
                              "-e", f"ansible_python_interpreter={sys.executable}", str(tmp_path / "play.yml")],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    finally:
        set_faults(apprunner_endpoint, deploy_seconds=before)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    lines = [line for line in run.stdout.splitlines() if "waiting for App Runner operation" in line]
    assert lines and all(line.strip().startswith("[svc]") for line in lines), run.stdout
    assert any("IN_PROGRESS" in line and "s elapsed" in line for line in lines), lines
    # shown before the task's own result line, i.e. while it ran
    assert run.stdout.index(lines[0]) < run.stdout.index("changed: [svc]")
