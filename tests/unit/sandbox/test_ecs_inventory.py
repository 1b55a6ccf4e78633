"""inventories/sandbox/ecs_services.py: the sandbox's ECS hosts exist only when its env file says
the ECS side runs, so a sandbox without it has the inventory it always had; and rollback_app's
refusal of a host whose platform's service is not named."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "inventories" / "sandbox" / "ecs_services.py"
ECS_ENV = {"ECS_CLUSTER": "lacrei-sandbox", "ECS_SERVICE": "lacrei-saude-backend-ecs",
           "ECS_SERVICE_URL": "http://127.0.0.1:1001", "AWS_ENDPOINT_URL_ECS": "http://127.0.0.1:1000",
           "ECS_EXPRESS_SERVICE_ARN": "arn:aws:ecs:us-east-1:123456789012:service/lacrei-sandbox/lacrei-saude-backend-express",
           "ECS_EXPRESS_SERVICE_URL": "'http://127.0.0.1:1002'"}


def load():
    spec = importlib.util.spec_from_file_location("ecs_services", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_env(folder: Path, values: dict) -> Path:
    folder.mkdir(exist_ok=True)
    lines = ["# a comment", "APPRUNNER_SERVICE_ARN=arn:aws:apprunner:us-east-1:123456789012:service/x/y", "junk"]
    (folder / "env").write_text("\n".join(lines + [f"{k}={v}" for k, v in values.items()]) + "\n")
    return folder


def listing(monkeypatch, capsys, folder: Path, *argv: str) -> dict:
    monkeypatch.setenv("SANDBOX_DIR", str(folder))
    assert load().main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_no_ecs_no_hosts(tmp_path, monkeypatch, capsys):
    assert listing(monkeypatch, capsys, write_env(tmp_path / "plain", {}), "--list") == {"_meta": {"hostvars": {}}}
    assert listing(monkeypatch, capsys, tmp_path / "absent", "--list") == {"_meta": {"hostvars": {}}}


def test_the_ecs_side_adds_one_host_per_platform(tmp_path, monkeypatch, capsys):
    found = listing(monkeypatch, capsys, write_env(tmp_path / "ecs", ECS_ENV), "--list")
    assert found["app_services"] == {"hosts": ["lacrei-saude-backend-ecs", "lacrei-saude-backend-express"]}
    ecs, express = (found["_meta"]["hostvars"][name] for name in found["app_services"]["hosts"])
    assert (ecs["platform"], ecs["ecs_cluster"], ecs["ecs_service"], ecs["service_url"]) == (
        "ecs", "lacrei-sandbox", "lacrei-saude-backend-ecs", "http://127.0.0.1:1001")
    assert (express["platform"], express["ecs_express_service_arn"], express["service_url"]) == (
        "ecs_express", ECS_ENV["ECS_EXPRESS_SERVICE_ARN"], "http://127.0.0.1:1002")
    # the App Runner service's ARN (group_vars) is not theirs
    assert ecs["service_arn"] == express["service_arn"] == ""
    assert listing(monkeypatch, capsys, tmp_path / "ecs", "--host", "lacrei-saude-backend-ecs") == ecs
    assert listing(monkeypatch, capsys, tmp_path / "ecs", "--host", "nobody") == {}


def test_ansible_reads_the_inventory_with_and_without_ecs(tmp_path):
    def hosts(folder: Path) -> dict:
        done = subprocess.run([str(Path(sys.executable).parent / "ansible-inventory"), "--list"], cwd=REPO,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SANDBOX_DIR": str(folder),
                                   "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
                              capture_output=True, text=True, timeout=120, check=True)
        listed = json.loads(done.stdout)
        return {name: listed["_meta"]["hostvars"][name].get("platform", "apprunner")
                for name in listed["app_services"]["hosts"]}

    assert hosts(write_env(tmp_path / "plain", {})) == {"lacrei-saude-backend": "apprunner"}
    assert hosts(write_env(tmp_path / "ecs", ECS_ENV)) == {
        "lacrei-saude-backend": "apprunner", "lacrei-saude-backend-ecs": "ecs",
        "lacrei-saude-backend-express": "ecs_express"}


def test_a_host_without_the_service_its_platform_needs_is_refused_before_any_aws_call(tmp_path):
    """(No sandbox runs here: the refusal comes before the lease and the preflight's first AWS call.)"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SANDBOX_DIR": str(write_env(tmp_path / "sb", {})),
           "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    done = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/rollback_app.yml",
                           "-e", "target=previous", "-e", "platform=ecs"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0
    assert "lacrei-saude-backend: platform ecs needs ecs_cluster and ecs_service in the inventory." in done.stdout
    line = json.loads((tmp_path / "sb" / "audit.jsonl").read_text().splitlines()[-1])
    assert line["result"] == "refused" and line["runbook"] == "app-rollback"
