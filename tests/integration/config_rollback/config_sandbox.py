"""The sandbox as the configuration rollback tests see it: playbook runs, the service's real
configuration (boto3), its snapshots in SSM, and the service URL."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

from sandbox import envfile

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
TIMEOUT = 180


def process_env(state: Path) -> dict:
    """This process's environment without AWS settings: playbooks take them from the inventory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(SANDBOX_DIR=str(state), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PYTHONPATH=str(REPO))
    return env


class ConfigSandbox:
    def __init__(self, state: Path):
        self.state = state
        self.env = envfile.read(state / "env")
        self.arn = self.env["APPRUNNER_SERVICE_ARN"]
        session = boto3.session.Session(aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                                        aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
                                        region_name=self.env["AWS_REGION"])
        self.apprunner = session.client("apprunner", endpoint_url=self.env["AWS_ENDPOINT_URL_APPRUNNER"])
        self.ssm = session.client("ssm", endpoint_url=self.env["AWS_ENDPOINT_URL_SSM"])
        self.secrets = session.client("secretsmanager", endpoint_url=self.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"])

    @classmethod
    def up(cls, state: Path) -> "ConfigSandbox":
        subprocess.run([sys.executable, "-m", "sandbox", "up", "--deploy-seconds", "1", "--rows", "20"],
                       cwd=REPO, env=process_env(state), check=True, capture_output=True, timeout=TIMEOUT)
        return cls(state)

    @staticmethod
    def down(state: Path) -> None:
        subprocess.run([sys.executable, "-m", "sandbox", "down"], cwd=REPO, env=process_env(state),
                       check=False, capture_output=True, timeout=120)

    def playbook(self, name: str, *args: str) -> tuple[int, str]:
        argv = [ANSIBLE_PLAYBOOK, f"playbooks/{name}", *args]
        done = subprocess.run(argv, cwd=REPO, env=process_env(self.state), capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        return done.returncode, done.stdout + done.stderr

    # -- the service ---------------------------------------------------------------------------
    def image_configuration(self) -> dict:
        service = self.apprunner.describe_service(ServiceArn=self.arn)["Service"]
        return service["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]

    def variables(self) -> dict:
        return self.image_configuration().get("RuntimeEnvironmentVariables") or {}

    def update_outside(self, variables: dict | None = None, secrets: dict | None = None) -> None:
        """UpdateService straight through boto3, as someone outside the collection would."""
        source = self.apprunner.describe_service(ServiceArn=self.arn)["Service"]["SourceConfiguration"]
        config = source["ImageRepository"]["ImageConfiguration"]
        config.setdefault("RuntimeEnvironmentVariables", {}).update(variables or {})
        if secrets:
            config.setdefault("RuntimeEnvironmentSecrets", {}).update(secrets)
        operation = self.apprunner.update_service(ServiceArn=self.arn, SourceConfiguration=source)["OperationId"]
        self.wait(operation)

    def wait(self, operation_id: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ops = self.apprunner.list_operations(ServiceArn=self.arn)["OperationSummaryList"]
            status = next(op["Status"] for op in ops if op["Id"] == operation_id)
            service = self.apprunner.describe_service(ServiceArn=self.arn)["Service"]
            if status not in ("PENDING", "IN_PROGRESS") and service["Status"] != "OPERATION_IN_PROGRESS":
                assert status == "SUCCEEDED", status
                return status
            time.sleep(0.2)
        raise AssertionError(f"operation {operation_id} did not end")

    def snapshot_versions(self) -> list[int]:
        path = f"/lacrei-rollback/{self.env['APPRUNNER_SERVICE_NAME']}/config"
        names = self.ssm.get_parameters_by_path(Path=path, Recursive=False, MaxResults=10)["Parameters"]
        return sorted(int(p["Name"].rsplit("/", 1)[-1]) for p in names)

    def get(self, path: str) -> int:
        """Status of GET service_url + path (the live runtime's answer)."""
        try:
            with urllib.request.urlopen(self.env["SERVICE_URL"] + path, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as err:
            return err.code

    def audit_lines(self) -> list[dict]:
        path = self.state / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
