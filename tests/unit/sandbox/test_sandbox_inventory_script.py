"""inventories/sandbox/from_env_file.py: the values every task reads come from the sandbox's env file
as plain values (defaults without one, no credential among them); the sandbox's ECS hosts exist only
when its env file says the ECS side runs, so a sandbox without it has one service; and rollback_app's
refusal of a host whose platform's service is not named."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "inventories" / "sandbox" / "from_env_file.py"
ECS_ENV = {"ECS_CLUSTER": "lacrei-sandbox", "ECS_SERVICE": "lacrei-saude-backend-ecs",
           "ECS_SERVICE_URL": "http://127.0.0.1:1001", "AWS_ENDPOINT_URL_ECS": "http://127.0.0.1:1000",
           "ECS_EXPRESS_SERVICE_ARN": "arn:aws:ecs:us-east-1:123456789012:service/lacrei-sandbox/lacrei-saude-backend-express",
           "ECS_EXPRESS_SERVICE_URL": "'http://127.0.0.1:1002'"}


def load():
    spec = importlib.util.spec_from_file_location("from_env_file", SCRIPT)
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
    for folder in (write_env(tmp_path / "plain", {}), tmp_path / "absent"):
        found = listing(monkeypatch, capsys, folder, "--list")
        assert found["_meta"] == {"hostvars": {}} and set(found) == {"_meta", "all"}


def test_the_values_tasks_use_are_plain_and_hold_no_credential(tmp_path, monkeypatch, capsys):
    env = {"AWS_REGION": "sa-east-1", "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:1000", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secretKEY123", "AWS_SESSION_TOKEN": "sessionTOKEN", "SERVICE_URL": "'http://127.0.0.1:1003'",
           "PGHOST": "127.0.0.1", "PGPORT": "5499", "PGUSER": "app", "PGDATABASE": "consultas", "APP_REPO": "/repo",
           "DATABASE_URL": "postgres://app:dbPASSWORD@127.0.0.1:5499/consultas"}
    folder = write_env(tmp_path / "sb", env)
    values = listing(monkeypatch, capsys, folder, "--list")["all"]["vars"]
    assert values["sandbox_dir"] == str(folder) and values["audit_log_path"] == f"{folder}/audit.jsonl"
    assert values["lacrei_aws_environment"] == {"AWS_REGION": "sa-east-1", "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:1000"}
    assert (values["aws_region"], values["service_url"], values["app_repo_path"], values["db_name"]) == (
        "sa-east-1", "http://127.0.0.1:1003", "/repo", "consultas")
    assert values["service_arn"] == "arn:aws:apprunner:us-east-1:123456789012:service/x/y"
    assert values["db_connection"] == {"login_host": "127.0.0.1", "login_port": "5499", "login_user": "app",
                                       "passfile": f"{folder}/pgpass"}
    listed = json.dumps(values)
    assert not any(secret in listed for secret in ("secretKEY123", "sessionTOKEN", "AKIAEXAMPLE", "dbPASSWORD"))
    assert "{{" not in listed  # nothing left to template
    # no env file: the defaults
    empty = listing(monkeypatch, capsys, tmp_path / "absent", "--list")["all"]["vars"]
    assert empty["lacrei_aws_environment"] == {} and empty["db_connection"]["login_port"] == 5432
    assert (empty["aws_region"], empty["service_arn"], empty["ecr_repository"]) == ("us-east-1", "", "lacrei-saude-backend")
    # SANDBOX_DIR not set: .sandbox at the checkout's root
    monkeypatch.delenv("SANDBOX_DIR")
    assert load().main(["--list"]) == 0
    assert json.loads(capsys.readouterr().out)["all"]["vars"]["sandbox_dir"] == str(REPO / ".sandbox")


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
