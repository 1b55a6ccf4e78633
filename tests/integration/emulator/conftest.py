"""Fixtures of the App Runner emulator tests: emulator processes of their own (so they can be
reset, faulted, killed and restarted) backed by the session's moto server for ECR."""
from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from sandbox import procs
from tests.apprunner_operations import wait_operation
from tests.integration.emulator.emulator_helpers import ACCOUNT, REGION, image_uri, source

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
_names = itertools.count()


class EmulatorProcess:
    """One emulator process: start, stop, crash (SIGKILL) and restart on the same port/state."""

    def __init__(self, state: Path, moto_url: str, deploy_seconds: float = 0.3, runtime: str | None = None):
        self.state = state
        self.moto_url = moto_url
        self.name = f"apprunner-emulator-test-{next(_names)}"
        self.state_file = state / f"{self.name}.json"
        self.runtime_calls = state / f"{self.name}.runtime-calls.jsonl"  # see recording_runtime.py
        self.deploy_seconds = deploy_seconds
        self.runtime = runtime
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.pid: int | None = None

    def start(self) -> EmulatorProcess:
        argv = [sys.executable, "-m", "sandbox.apprunner", "--host", "127.0.0.1", "--port", str(self.port),
                "--state-file", str(self.state_file), "--deploy-seconds", str(self.deploy_seconds),
                "--account-id", ACCOUNT, "--region", REGION]
        if self.runtime:
            argv += ["--runtime", self.runtime]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL_ECR": self.moto_url,
               "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)]), "RUNTIME_RECORD_FILE": str(self.runtime_calls)}
        self.pid = procs.spawn(self.name, argv, env=env, cwd=REPO, state=self.state)
        procs.wait_for_port(self.port, pid=self.pid)
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
        return boto3.client("apprunner", endpoint_url=self.url, config=config, **CREDENTIALS)

    def raw(self, target: str, body) -> tuple[int, dict]:
        """POST / with any target and body, bypassing boto3's client-side validation."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self._http("POST", "/", data, {"X-Amz-Target": target,
                                               "Content-Type": "application/x-amz-json-1.0"})

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


@pytest.fixture(scope="session")
def emulator_factory(test_state, moto_endpoint):
    """Build and start extra emulators; all are stopped at the end of the session."""
    started: list[EmulatorProcess] = []

    def build(**options) -> EmulatorProcess:
        emulator = EmulatorProcess(test_state, moto_endpoint, **options).start()
        started.append(emulator)
        return emulator

    yield build
    for emulator in started:
        emulator.stop()


@pytest.fixture(scope="session")
def shared_emulator(emulator_factory) -> EmulatorProcess:
    return emulator_factory()


@pytest.fixture
def emulator(shared_emulator) -> EmulatorProcess:
    """The shared emulator, reset to an empty state with no faults."""
    status, _ = shared_emulator.control("reset", {})
    assert status == 200
    return shared_emulator


@pytest.fixture
def apprunner(emulator):
    """A boto3 App Runner client on the shared emulator, retries off."""
    return emulator.client()


@pytest.fixture(scope="session")
def ecr(moto_endpoint):
    return boto3.client("ecr", endpoint_url=moto_endpoint, **CREDENTIALS)


@pytest.fixture
def push_image(ecr):
    """Put an image into moto's ECR; returns its App Runner ImageIdentifier."""

    def push(repository: str | None = None, tag: str | None = None) -> str:
        repository = repository or f"consultas/api-{uuid.uuid4().hex[:8]}"
        tag = tag or uuid.uuid4().hex[:12]
        try:
            ecr.create_repository(repositoryName=repository)
        except ecr.exceptions.RepositoryAlreadyExistsException:
            pass
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                               "digest": f"sha256:{uuid.uuid4().hex * 2}"}, "layers": []}
        ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
        return image_uri(repository, tag)

    return push


@pytest.fixture
def running_service(apprunner, push_image):
    """Create a service on a pushed image and wait until it runs; returns (arn, image)."""

    def create(name: str | None = None, **kwargs) -> tuple[str, str]:
        image = push_image()
        answer = apprunner.create_service(ServiceName=name or f"svc-{uuid.uuid4().hex[:8]}",
                                          SourceConfiguration=source(image), **kwargs)
        arn = answer["Service"]["ServiceArn"]
        assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
        return arn, image

    return create
