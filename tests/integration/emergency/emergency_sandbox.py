"""A private live sandbox for the emergency procedure, and running playbooks/emergency.yml in it as
a person does (ansible-playbook from the repository root, the sandbox inventory, SANDBOX_DIR)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3

from sandbox import envfile

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
# Short windows: identify looks 2 minutes back in 5 s intervals; the monitor watches one 5 s interval.
SHORT_WINDOWS = ("-e", "emergency_identify_window=2m", "-e", "emergency_identify_period=5s",
                 "-e", "emergency_monitor_window=5s", "-e", "emergency_monitor_interval=5s",
                 "-e", "emergency_monitor_metrics_delay=2s", "-e", "emergency_monitor_breach_intervals=1",
                 "-e", "emergency_validate_delay=1")


def clean_env(state: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "SANDBOX_", "ANSIBLE_"))}
    env.update(SANDBOX_DIR=str(state), SANDBOX_LIVE_FLUSH_SECONDS="1", PYTHONPATH=str(REPO),
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return env


def sandbox_command(state: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=REPO, env=clean_env(state),
                          capture_output=True, text=True, timeout=timeout, check=False)


# Traffic runs until the test stops it; this bound only ends it should the test never do so.
TRAFFIC_MAX_SECONDS = 1800


def start_traffic(state: Path) -> subprocess.Popen:
    """5 requests/s over the three critical endpoints (v1.3.0 answers 500 on one of them), until
    stopped with ``stop_traffic`` (at most TRAFFIC_MAX_SECONDS)."""
    return subprocess.Popen([sys.executable, "-m", "sandbox", "traffic", "--rate", "5",
                             "--seconds", str(TRAFFIC_MAX_SECONDS)],
                            cwd=REPO, env=clean_env(state), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_traffic(traffic: subprocess.Popen) -> None:
    traffic.kill()
    traffic.wait(timeout=30)


def deploy(state: Path, release: str) -> str:
    """Deploy as the pipeline does; returns the operation id."""
    done = sandbox_command(state, "deploy", release)
    assert done.returncode == 0, done.stdout + done.stderr
    return re.search(r"operation (\S+) SUCCEEDED", done.stdout).group(1)


def clients(state: Path):
    values = envfile.read(state / "env")
    session = boto3.session.Session(aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"], region_name=values["AWS_REGION"])
    return (values, session.client("apprunner", endpoint_url=values["AWS_ENDPOINT_URL_APPRUNNER"]),
            session.client("cloudwatch", endpoint_url=values["AWS_ENDPOINT_URL_CLOUDWATCH"]))


def wait_for_metric_since(state: Path, metric: str, since: float, intervals: int, budget: float = 180.0) -> None:
    """Wait until CloudWatch holds ``intervals`` 5 s intervals with ``metric`` > 0 published after ``since``."""
    values, _apprunner, cloudwatch = clients(state)
    arn = values["APPRUNNER_SERVICE_ARN"]
    dimensions = [{"Name": "ServiceName", "Value": values["APPRUNNER_SERVICE_NAME"]},
                  {"Name": "ServiceID", "Value": arn.rsplit("/", 1)[-1]}]
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/AppRunner", MetricName=metric, Dimensions=dimensions,
            StartTime=since - 5, EndTime=time.time() + 5, Period=5, Statistics=["Sum"])
        if len([point for point in answer["Datapoints"] if point["Sum"] > 0]) >= intervals:
            return
        time.sleep(1)
    raise AssertionError(f"no {metric} reached CloudWatch within {budget:g}s")


def wait_for_requests_since(state: Path, since: float) -> None:
    """The traffic reaches the service and CloudWatch (one 5 s interval with requests)."""
    wait_for_metric_since(state, "Requests", since, intervals=1)


def wait_for_5xx_since(state: Path, since: float) -> None:
    """The release really fails: two full 5 s intervals with 5xx answers make the rise visible to identify."""
    wait_for_metric_since(state, "5xxStatusResponses", since, intervals=2)


def serving_image(state: Path) -> str:
    values, apprunner, _cloudwatch = clients(state)
    service = apprunner.describe_service(ServiceArn=values["APPRUNNER_SERVICE_ARN"])["Service"]
    return service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]


@dataclass
class EmergencyRun:
    rc: int
    out: str
    state: Path

    def reports(self) -> list[Path]:
        return sorted((self.state / "reports").glob("incident-*.json"))

    def report(self) -> dict:
        return json.loads(self.reports()[-1].read_text())

    def markdown(self) -> str:
        return self.reports()[-1].with_suffix(".md").read_text()

    def audit(self) -> list[dict]:
        path = self.state / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def run_emergency(state: Path, *args: str, timeout: float = 600) -> EmergencyRun:
    done = subprocess.run([ANSIBLE_PLAYBOOK, "playbooks/emergency.yml", *SHORT_WINDOWS, *args], cwd=REPO,
                          env=clean_env(state), capture_output=True, text=True, timeout=timeout, check=False)
    return EmergencyRun(done.returncode, done.stdout + done.stderr, state)
