"""The collection as a team installs it: the built tarball installed in a temporary folder, run
from outside the checkout with no ansible.cfg, no region variable, credentials from a profile,
and only AWS_ENDPOINT_URL_* pointing at a private sandbox."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
PROFILE = "lacrei-sandbox"
TIMEOUT = 240


class Done(NamedTuple):
    rc: int
    out: str


def build_and_install(tmp: Path) -> Path:
    """`ansible-galaxy collection build` then `install -p`: the collections path that holds it."""
    tmp.mkdir(parents=True, exist_ok=True)
    galaxy = str(VENV_BIN / "ansible-galaxy")
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(tmp), "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp")}
    subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(tmp / "dist"), str(REPO)],
                   cwd=tmp, env=env, check=True, capture_output=True, timeout=TIMEOUT)
    tarball = next((tmp / "dist").glob("lacrei-rollback-*.tar.gz"))
    collections = tmp / "collections"
    subprocess.run([galaxy, "collection", "install", "--force", "-p", str(collections), str(tarball)],
                   cwd=tmp, env=env, check=True, capture_output=True, timeout=TIMEOUT)
    return collections


class Team:
    """A user's machine: a HOME with an AWS profile (credentials only, no region), an inventory,
    the installed collection, and a working folder outside the checkout."""

    def __init__(self, sandbox, root: Path, collections: Path):
        self.sandbox, self.root, self.collections = sandbox, root, collections
        self.home, self.work, self.tmp = root / "home", root / "work", root / "tmp"
        (self.home / ".aws").mkdir(parents=True)
        self.tmp.mkdir()
        self.work.mkdir()
        (self.home / ".aws" / "credentials").write_text(
            f"[{PROFILE}]\naws_access_key_id = {sandbox.env['AWS_ACCESS_KEY_ID']}\n"
            f"aws_secret_access_key = {sandbox.env['AWS_SECRET_ACCESS_KEY']}\n")
        self.audit_log = root / "state" / "audit.jsonl"
        self.inventory = self.work / "inventory.yml"
        service = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                   "service_arn": sandbox.arn, "service_url": sandbox.env["SERVICE_URL"],
                   "ecr_repository": sandbox.env["ECR_REPOSITORY"]}
        group_vars = {"aws_region": sandbox.env["AWS_REGION"], "aws_profile": PROFILE, "lacrei_environment": "sandbox",
                      "audit_log_path": str(self.audit_log),
                      "critical_endpoints": [{"path": "/health/", "status": 200, "json_field": "status",
                                              "json_value": "ok"}],
                      # the schema check reads the database with the code of the releases involved
                      "db_admin_host": "localhost", "app_repo_path": sandbox.env["APP_REPO"],
                      "db_name": sandbox.env["PGDATABASE"],
                      "db_connection": {"login_host": sandbox.env["PGHOST"], "login_port": sandbox.env["PGPORT"],
                                        "login_user": sandbox.env["PGUSER"],
                                        "passfile": sandbox.env.get("PGPASSFILE", str(sandbox.state / "pgpass"))},
                      "backup_dir": str(root / "state" / "backups"),
                      "django_checkouts_dir": str(root / "state" / "checkouts"),
                      "django_settings": "consultas.settings", "django_python": "{{ ansible_playbook_python }}",
                      "django_environment": {"DATABASE_URL": sandbox.env["DATABASE_URL"]}}
        self.inventory.write_text(yaml.safe_dump({"app_services": {
            "hosts": {sandbox.env["APPRUNNER_SERVICE_NAME"]: service}, "vars": group_vars}}))

    def env(self, **extra) -> dict:
        endpoints = {key: value for key, value in self.sandbox.env.items() if key.startswith("AWS_ENDPOINT_URL_")}
        # No ansible.cfg here: Ansible's default remote_tmp (~/.ansible/tmp) would mean the account's
        # real home (~root), whatever HOME says; the user's temporary folder is given instead.
        return {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
                "ANSIBLE_COLLECTIONS_PATH": str(self.collections), "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_REMOTE_TMP": str(self.home / ".ansible" / "tmp"),
                # The user's own temporary folder (the Python API's default runs folder is made there).
                "TMPDIR": str(self.tmp), **endpoints, **extra}

    def run(self, argv: list[str], **extra_env) -> Done:
        done = subprocess.run(argv, cwd=self.work, env=self.env(**extra_env), capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        return Done(done.returncode, done.stdout + done.stderr)

    def playbook(self, name: str, *args: str) -> Done:
        return self.run([str(VENV_BIN / "ansible-playbook"), "-i", str(self.inventory), name, *args])
