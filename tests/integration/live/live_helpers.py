"""Helpers of the live sandbox tests (a module of its own name, so test files can import it)."""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

from sandbox import procs
from tests import apprunner_operations

REPO = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
ACCOUNT = "123456789012"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
REPOSITORY = "live/consultas-api"


RUNTIMES = {"apprunner": "sandbox.live.runtime:LiveRuntime", "ecs": "sandbox.live.ecs:EcsLiveRuntime"}


class LiveEmulator:
    """The emulator process (``kind``: App Runner's or ECS's) with the live runtime: start, stop,
    restart on the same port and state."""

    def __init__(self, state: Path, env: dict, kind: str = "apprunner"):
        self.state, self.env, self.kind = state, env, kind
        self.name = f"{kind}-live"
        self.port: int | None = None  # chosen at the first start, kept by restarts

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveEmulator:
        def argv(port: int) -> list[str]:
            return [sys.executable, "-m", f"sandbox.{self.kind}", "--host", "127.0.0.1", "--port", str(port),
                    "--state-file", str(self.state / f"{self.kind}-state.json"), "--deploy-seconds", "0.5",
                    "--account-id", ACCOUNT, "--region", REGION, "--runtime", RUNTIMES[self.kind]]

        self.port, _ = procs.spawn_server(self.name, argv, env=self.env, cwd=REPO, state=self.state, timeout=60,
                                          first_port=self.port, attempts=1 if self.port else 3)
        return self

    def stop(self) -> None:
        procs.stop(self.name, self.state)

    def client(self):
        return boto3.client(self.kind, endpoint_url=self.url, **CREDENTIALS)


def repository_uri() -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}"


def wait_operation(client, arn: str, operation_id: str, timeout: float = 60.0) -> dict:
    """A live deployment starts gunicorn: a longer budget than the emulator's."""
    return apprunner_operations.wait_operation(client, arn, operation_id, timeout, interval=0.1)


def get(url: str) -> tuple[int, dict]:
    """GET ``url``: (status, JSON body or {})."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, _json(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, _json(err.read())


def _json(data: bytes) -> dict:
    try:
        return json.loads(data)
    except ValueError:
        return {}


def eventually(produce, accept, timeout: float = 20.0, interval: float = 0.2):
    """Call ``produce`` until ``accept(value)``; returns the last value (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    value = produce()
    while not accept(value) and time.monotonic() < deadline:
        time.sleep(interval)
        value = produce()
    return value


def processes_under(path: Path) -> list[str]:
    """PIDs (with their command) whose command line or cwd mentions ``path``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(path) in cmdline or cwd.startswith(str(path)):
            found.append(f"{proc.name}: {cmdline}")
    return found
