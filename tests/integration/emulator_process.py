"""An emulator process of the tests' own (App Runner's or ECS's), so it can be reset, faulted,
killed and restarted; backed by the session's moto server for ECR."""
from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.config import Config

from sandbox import procs

REGION = "us-east-1"
ACCOUNT = "123456789012"
REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "emulator"  # recording_runtime.py lives there
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
CONTENT_TYPES = {"apprunner": "application/x-amz-json-1.0", "ecs": "application/x-amz-json-1.1"}
_names = itertools.count()


class EmulatorProcess:
    """One emulator process: start, stop, crash (SIGKILL) and restart on the same port/state."""

    def __init__(self, state: Path, moto_url: str, deploy_seconds: float = 0.3, runtime: str | None = None,
                 kind: str = "apprunner"):
        self.kind = kind  # the emulator: "apprunner" (sandbox.apprunner) or "ecs" (sandbox.ecs)
        self.state = state
        self.moto_url = moto_url
        self.name = f"{kind}-emulator-test-{next(_names)}"
        self.state_file = state / f"{self.name}.json"
        self.runtime_calls = state / f"{self.name}.runtime-calls.jsonl"  # see recording_runtime.py
        self.deploy_seconds = deploy_seconds
        self.runtime = runtime
        self.port: int | None = None  # chosen at the first start, kept by restarts
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmulatorProcess:
        def argv(port: int) -> list[str]:
            args = [sys.executable, "-m", f"sandbox.{self.kind}", "--host", "127.0.0.1", "--port", str(port),
                    "--state-file", str(self.state_file), "--deploy-seconds", str(self.deploy_seconds),
                    "--account-id", ACCOUNT, "--region", REGION]
            return args + (["--runtime", self.runtime] if self.runtime else [])

        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL_ECR": self.moto_url,
               "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)]), "RUNTIME_RECORD_FILE": str(self.runtime_calls)}
        self.port, self.pid = procs.spawn_server(self.name, argv, env=env, cwd=REPO, state=self.state,
                                                 first_port=self.port, attempts=1 if self.port else 3)
        return self

    def stop(self) -> None:
        procs.stop(self.name, self.state)

    def crash(self) -> None:
        """SIGKILL, as a crash: nothing gets a chance to clean up."""
        os.kill(self.pid, signal.SIGKILL)
        procs.stop(self.name, self.state)
        # procs sees a killed multi-threaded process as gone once its main thread is a zombie,
        # while its other threads may still hold the listening socket for a moment.
        deadline = time.monotonic() + 10
        while procs.port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, retries: int | None = 0):
        config = Config(retries={"max_attempts": retries, "mode": "standard"}) if retries is not None else None
        return boto3.client(self.kind, endpoint_url=self.url, config=config, **CREDENTIALS)

    def raw(self, target: str, body) -> tuple[int, dict]:
        """POST / with any target and body, bypassing boto3's client-side validation."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self._http("POST", "/", data, {"X-Amz-Target": target, "Content-Type": CONTENT_TYPES[self.kind]})

    def control(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        method = "GET" if body is None else "POST"
        data = None if body is None else json.dumps(body).encode()
        return self._http(method, f"/_emulator/{path}", data, {"Content-Type": "application/json"})

    def _http(self, method: str, path: str, data: bytes | None, headers: dict) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


@contextmanager
def emulator_factory(state: Path, moto_url: str, **defaults):
    """Yield ``build(**options) -> EmulatorProcess`` (started, ``defaults`` under ``options``); every
    emulator it built is stopped on exit. The session fixtures of both emulators' tests use it."""
    started: list[EmulatorProcess] = []

    def build(**options) -> EmulatorProcess:
        emulator = EmulatorProcess(state, moto_url, **{**defaults, **options}).start()
        started.append(emulator)
        return emulator

    try:
        yield build
    finally:
        for emulator in started:
            emulator.stop()


def reset(emulator: EmulatorProcess) -> EmulatorProcess:
    """Back to an empty state with no faults (the emulator's own reset)."""
    status, answer = emulator.control("reset", {})
    assert status == 200, answer
    return emulator


def ecr_client(moto_url: str):
    return boto3.client("ecr", endpoint_url=moto_url, **CREDENTIALS)


def push_test_image(ecr, repository: str, tag: str) -> str:
    """Put an image (a manifest without layers) into moto's ECR; returns its URI with the tag."""
    try:
        ecr.create_repository(repositoryName=repository)
    except ecr.exceptions.RepositoryAlreadyExistsException:
        pass
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                           "digest": f"sha256:{os.urandom(32).hex()}"}, "layers": []}
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}"
