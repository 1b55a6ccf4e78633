"""Alarms as code against the live sandbox (used by test_monitor_live.py, on its sandbox): the
playbooks, and the sandbox's alarm evaluator judging real traffic through the service URL."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime

from sandbox import envfile
from tests.integration.sandbox_fixture import REPO, Sandbox

SERVICE = "lacrei-saude-backend"
PREFIX = f"lacrei-rollback-{SERVICE}"
ALARMS = [f"{PREFIX}-error-rate", f"{PREFIX}-p95-latency", f"{PREFIX}-error-logs"]
PERIOD = 10  # the sandbox inventory's alarms_period
TRAFFIC_MAX_SECONDS = 900


class AlarmSandbox(Sandbox):
    def __init__(self, state):
        super().__init__(state)
        self.cloudwatch = self.client("cloudwatch", "AWS_ENDPOINT_URL_CLOUDWATCH")
        self.sns = self.client("sns", "AWS_ENDPOINT_URL_SNS")
        self.logs = self.client("logs", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")

    def alarms(self) -> dict:
        return {a["AlarmName"]: a for a in self.cloudwatch.describe_alarms(AlarmNamePrefix=PREFIX)["MetricAlarms"]}

    def topics(self) -> list:
        return [t["TopicArn"] for t in self.sns.list_topics()["Topics"] if t["TopicArn"].endswith(f":{PREFIX}-alarms")]

    def dashboards(self) -> list:
        return [d["DashboardName"] for d in self.cloudwatch.list_dashboards(DashboardNamePrefix=PREFIX)["DashboardEntries"]]

    def notifications(self) -> list[dict]:
        """The SNS notifications the webhook receiver got on /hooks/alarms, oldest first."""
        records = [json.loads(path.read_text()) for path in sorted((self.state / "notifications").glob("*.json"))]
        return [r for r in records if r["path"] == "/hooks/alarms"]

    def wait_state(self, name: str, wanted: str, timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while (alarm := self.alarms()[name])["StateValue"] != wanted:
            assert time.monotonic() < deadline, f"{name} still {alarm['StateValue']}: {alarm['StateReason']}"
            time.sleep(0.5)
        return alarm

    def command(self, *argv: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(SANDBOX_DIR=str(self.state), PYTHONPATH=str(REPO))
        return subprocess.run([sys.executable, "-m", "sandbox", *argv], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=300, check=False)

    def traffic(self) -> subprocess.Popen:
        """10 requests/s over the critical endpoints until stopped (TRAFFIC_MAX_SECONDS bounds a forgotten one)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(SANDBOX_DIR=str(self.state), PYTHONPATH=str(REPO))
        return subprocess.Popen([sys.executable, "-m", "sandbox", "traffic", "--rate", "10", "--seconds",
                                 str(TRAFFIC_MAX_SECONDS)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)


def subscribe_webhook(box: AlarmSandbox) -> tuple[str, ...]:
    endpoint = box.env["WEBHOOK_URL"].rsplit("/hooks/", 1)[0] + "/hooks/alarms"
    return ("-e", json.dumps({"alarm_subscriptions": [{"protocol": "http", "endpoint": endpoint}]}))


def evaluated_period_starts(alarm: dict) -> list[float]:
    data = json.loads(alarm["StateReasonData"])
    return [datetime.strptime(p["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() for p in data["evaluatedDatapoints"]]


def token_digest(box: AlarmSandbox) -> str:
    token = envfile.read(box.state / "env")["SANDBOX_RESPONDER_TOKEN"]
    return hashlib.sha256(f"Bearer {token}".encode()).hexdigest()
