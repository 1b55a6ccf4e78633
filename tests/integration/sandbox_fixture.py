"""A private sandbox for the integration tests that run playbooks end to end.

``private_sandbox`` runs `python -m sandbox up --deploy-seconds 1` in a temporary SANDBOX_DIR and
`python -m sandbox down` at the end; ``Sandbox`` is how the tests look at it: ansible-playbook
runs, boto3 for the real state, HTTP for the service URL, the audit trail.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import boto3
import yaml

from sandbox import envfile

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
PLAYBOOK_TIMEOUT = 300  # a with_database rollback runs two Django releases, a backup and a deploy
UP_TIMEOUT = 300


class Run(NamedTuple):
    rc: int
    out: str

    def recap(self, host: str) -> dict:
        """PLAY RECAP counters of ``host`` ({"ok": 5, "changed": 1, ...})."""
        line = next(line for line in self.out.splitlines() if line.startswith(host + " ") and "ok=" in line)
        return {key: int(value) for key, value in (pair.split("=") for pair in line.split(":", 1)[1].split())}


def process_env(state: Path) -> dict:
    """This process's environment without AWS settings: playbooks get them from the inventory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(SANDBOX_DIR=str(state), SANDBOX_DEPLOY_SECONDS="1", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONPATH=str(REPO))
    return env


def sandbox_command(state: Path, *argv: str, check: bool = True) -> None:
    """`python -m sandbox <argv>` on the sandbox whose state is in ``state``."""
    subprocess.run([sys.executable, "-m", "sandbox", *argv], cwd=REPO, env=process_env(state), check=check,
                   capture_output=True, timeout=UP_TIMEOUT)


@contextmanager
def private_sandbox(tmp_path_factory, name: str, cls=None, rows: int | None = None, ecs: bool = False):
    """A sandbox of its own (``cls``, default Sandbox) while the block runs, stopped after it
    (``ecs``: with the ECS emulator, its ECS and Express Mode services, `up --ecs`)."""
    cls = cls or Sandbox
    state = tmp_path_factory.mktemp(name)
    try:
        sandbox_command(state, "up", "--deploy-seconds", "1", *(("--rows", str(rows)) if rows else ()),
                        *(("--ecs",) if ecs else ()))
        yield cls(state)
    finally:
        sandbox_command(state, "down", check=False)


class Sandbox:
    def __init__(self, state: Path):
        self.state = state
        self.env = envfile.read(state / "env")
        self.arn = self.env["APPRUNNER_SERVICE_ARN"]
        self.session = boto3.session.Session(aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                                             aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
                                             region_name=self.env["AWS_REGION"])
        self.apprunner = self.client("apprunner", "AWS_ENDPOINT_URL_APPRUNNER")
        self.ecr = self.client("ecr", "AWS_ENDPOINT_URL_ECR")

    def client(self, service: str, endpoint_variable: str):
        return self.session.client(service, endpoint_url=self.env[endpoint_variable])

    # -- commands ---------------------------------------------------------------------------
    def playbook(self, name: str, *args: str, inventory: Path | None = None) -> Run:
        """ansible-playbook from the repo root; ansible.cfg's inventory (the sandbox) unless given."""
        argv = [ANSIBLE_PLAYBOOK, f"playbooks/{name}", *args]
        if inventory:
            argv[1:1] = ["-i", str(inventory)]
        done = subprocess.run(argv, cwd=REPO, env=process_env(self.state), capture_output=True, text=True,
                              timeout=PLAYBOOK_TIMEOUT, check=False)
        return Run(done.returncode, done.stdout + done.stderr)

    def write_inventory(self, folder: Path, hosts: dict) -> Path:
        """The sandbox inventory (its group_vars and script as they are), with ``hosts`` as extra services
        or overrides (hosts.yml is read after the script: its values win)."""
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(REPO / "inventories" / "sandbox" / "group_vars", folder / "group_vars")
        shutil.copy2(REPO / "inventories" / "sandbox" / "from_env_file.py", folder / "from_env_file.py")
        common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        all_hosts = {self.env["APPRUNNER_SERVICE_NAME"]: {}, **hosts}
        inventory = {"app_services": {"hosts": {name: dict(common, **extra) for name, extra in all_hosts.items()}}}
        (folder / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
        return folder

    # -- the real state ---------------------------------------------------------------------
    def sha(self, version: str) -> str:
        return self.env["RELEASE_" + version.upper().replace(".", "_") + "_SHA"]

    def image(self, version: str) -> str:
        return f"{self.env['ECR_REPOSITORY_URI']}:{self.sha(version)}"

    def service(self, arn: str | None = None) -> dict:
        return self.apprunner.describe_service(ServiceArn=arn or self.arn)["Service"]

    def running(self, arn: str | None = None) -> str:
        return self.service(arn)["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]

    def operations(self, arn: str | None = None) -> list:
        return self.apprunner.list_operations(ServiceArn=arn or self.arn, MaxResults=20)["OperationSummaryList"]

    def settle(self, arn: str | None = None, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while (service := self.service(arn))["Status"] == "OPERATION_IN_PROGRESS":
            assert time.monotonic() < deadline, "service still OPERATION_IN_PROGRESS"
            time.sleep(0.2)
        return service

    def update_outside(self, change, arn: str | None = None) -> str:
        """UpdateService straight through boto3, as the team's pipeline or someone outside the
        collection does: ``change(image_repository)`` edits the source in place; the operation's
        final status."""
        arn = arn or self.arn
        source = self.service(arn)["SourceConfiguration"]
        change(source["ImageRepository"])
        operation = self.apprunner.update_service(ServiceArn=arn, SourceConfiguration=source)["OperationId"]
        self.settle(arn)
        return next(op["Status"] for op in self.operations(arn) if op["Id"] == operation)

    def pipeline_deploy(self, version: str, arn: str | None = None) -> str:
        """UpdateService to a release as the team's pipeline does; the final operation status."""
        return self.update_outside(lambda image_repository: image_repository.update(ImageIdentifier=self.image(version)),
                                   arn)

    def faults(self, **body) -> dict:
        return self._post(f"{self.env['AWS_ENDPOINT_URL_APPRUNNER']}/_emulator/faults", body)

    def emulator_state(self) -> dict:
        with urllib.request.urlopen(f"{self.env['AWS_ENDPOINT_URL_APPRUNNER']}/_emulator/state", timeout=10) as answer:
            return json.loads(answer.read())

    def emulator_requests(self, reset: bool = False) -> dict:
        """The App Runner requests the emulator received: ``{"counts": {...}, "sequence": [...]}``
        (``reset``: forget them first and return the empty log)."""
        url = f"{self.env['AWS_ENDPOINT_URL_APPRUNNER']}/_emulator/requests"
        if reset:
            return self._post(url + "/reset", {})
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.loads(answer.read())

    def audit(self) -> list:
        path = self.state / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def get(self, path: str, base: str | None = None) -> tuple[int, str]:
        """Status and body of GET ``base`` (default the service URL) + ``path``."""
        try:
            with urllib.request.urlopen((base or self.env["SERVICE_URL"]) + path, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    @staticmethod
    def _post(url: str, body: dict) -> dict:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"{}")
