"""Used as the team will use it (issue 16): the built collection installed outside the checkout,
the inventory's aws_region/aws_profile as the only region and credentials, the audit trail
without the repository's ansible.cfg, and the Python API pip-installed in a fresh virtualenv."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

from tests.integration.installed.team import REPO, TIMEOUT, VENV_BIN


def releases(sandbox) -> int:
    return sum(1 for key in sandbox.env if key.startswith("RELEASE_") and key.endswith("_SHA"))


def audit_lines(team) -> list[dict]:
    path = team.audit_log
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_list_images_and_rollback_app_from_the_installed_collection(team):
    sandbox = team.sandbox
    assert not any(name in team.env() for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"))
    assert not (team.work / "ansible.cfg").exists()

    listed = team.playbook("lacrei.rollback.list_images")
    assert listed.rc == 0, listed.out
    assert f"{sandbox.sha('v1.2.0')[:12]}  v1.2.0" in listed.out and "<- running" in listed.out

    assert sandbox.pipeline_deploy("v1.3.0") == "SUCCEEDED"  # the release with the bug (no new migration)
    done = team.playbook("lacrei.rollback.rollback_app", "-e", f"sha={sandbox.sha('v1.2.0')}")
    assert done.rc == 0, done.out
    assert sandbox.running() == sandbox.image("v1.2.0")
    [line] = audit_lines(team)
    assert (line["runbook"], line["result"], line["to_image"]) == ("app-rollback", "ok", sandbox.image("v1.2.0"))
    assert line["playbook"] == "rollback_app.yml" and line["check_mode"] is False


def test_module_defaults_with_the_action_group(team):
    """Without the group's region, a module that has no ARN to fall back on names the setting."""
    playbook = team.work / "group.yml"
    playbook.write_text(textwrap.dedent(f"""\
        - name: Without module_defaults
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Ask ECR with no region anywhere
              lacrei.rollback.ecr_image_info:
                repository: {team.sandbox.env["ECR_REPOSITORY"]}
                profile: lacrei-sandbox
              register: without
              ignore_errors: true
            - name: The failure names the setting
              ansible.builtin.assert:
                that: without is failed and without.msg is search('No AWS region. set the module option region')
        - name: With module_defaults
          hosts: localhost
          gather_facts: false
          module_defaults:
            group/lacrei.rollback.aws:
              region: {team.sandbox.env["AWS_REGION"]}
              profile: lacrei-sandbox
          tasks:
            - name: Ask ECR
              lacrei.rollback.ecr_image_info:
                repository: {team.sandbox.env["ECR_REPOSITORY"]}
              register: images
            - name: Ask STS
              lacrei.rollback.aws_caller_info:
              register: caller
            - name: Both found their region through the group
              ansible.builtin.assert:
                that:
                  - images.images | length == {releases(team.sandbox)}
                  - caller.arn is search(':user/')
        """))
    done = team.run([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)],
                    ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    assert done.rc == 0, done.out
    assert "ok=5 " in done.out and "failed=0 " in done.out and "ignored=1 " in done.out


def test_no_service_matched_fails(team):
    for argv in (["-i", "localhost,", "lacrei.rollback.rollback_app"],
                 ["-i", "localhost,", "lacrei.rollback.list_images", "--limit", "localhost"]):
        done = team.run([str(VENV_BIN / "ansible-playbook"), *argv, "-e", "sha=abc1234"])
        assert done.rc != 0, done.out
        assert "no service matched app_services" in done.out
    assert "with --limit localhost" in done.out


def fresh_venv(root: Path) -> Path:
    """A new virtualenv with the package pip-installed from a copy of the checkout.

    Offline and fast: the dependencies (ansible-core, ansible-runner, boto3) are lent from the
    project's venv by a .pth line instead of being downloaded; the package itself is a real
    `pip install` (no editable link, no checkout on sys.path)."""
    venv = root / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=TIMEOUT)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "runner", source / "runner", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    str(source)], cwd=root, check=True, capture_output=True, timeout=TIMEOUT,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(root)})
    return python


def test_python_api_from_a_fresh_virtualenv(team, tmp_path):
    python = fresh_venv(tmp_path)
    sandbox = team.sandbox
    script = textwrap.dedent(f"""\
        import json, lacrei_rollback
        from lacrei_rollback import Client
        client = Client({str(team.inventory)!r})
        images = client.list_images()
        result = client.rollback_app(sha={sandbox.sha('v1.2.0')!r})
        print(json.dumps({{"module": lacrei_rollback.__file__, "project": str(client.project_dir),
                          "images": [image.sha for image in images], "status": result.status,
                          "to_image": result.audit["to_image"]}}))
        """)
    assert sandbox.pipeline_deploy("v1.3.0") == "SUCCEEDED"
    done = team.run([str(python), "-c", script])
    assert done.rc == 0, done.out
    answer = json.loads(done.out.strip().splitlines()[-1])
    assert answer["module"].startswith(str(tmp_path / "venv")), answer["module"]
    assert answer["project"] == str((team.collections / "ansible_collections/lacrei/rollback").resolve())
    assert sandbox.sha("v1.1.0") in answer["images"] and len(answer["images"]) == releases(sandbox)
    assert (answer["status"], answer["to_image"]) == ("successful", sandbox.image("v1.2.0"))
    assert sandbox.running() == sandbox.image("v1.2.0")
    assert audit_lines(team)[-1]["to_image"] == sandbox.image("v1.2.0")
    # The API keeps its runs' folders in the user's temporary folder (TMPDIR), not in /tmp.
    assert list(team.tmp.glob("lacrei-rollback-runs-*/rollback_app-*")), sorted(team.tmp.rglob("*"))[:20]

    # Neither a checkout nor an installed collection: the command says what to set.
    lost = team.run([str(python.parent / "lacrei-rollback"), "-i", str(team.inventory), "list_images"],
                    ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "empty"))
    assert lost.rc == 2, lost.out
    assert "no installed lacrei.rollback collection" in lost.out and "ANSIBLE_COLLECTIONS_PATH=<path>" in lost.out
    assert "Traceback" not in lost.out
