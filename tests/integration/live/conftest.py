"""Fixtures of the live sandbox tests: a release history, its images in moto's ECR, a migrated and
seeded database, and an App Runner emulator of our own running ``sandbox.live.runtime:LiveRuntime``.

Everything runs in a private state folder and is stopped by PID at the end of the module.
"""
from __future__ import annotations

import os
import subprocess

import boto3
import pytest
from live_helpers import CREDENTIALS, REGION, REPO, LiveEmulator, repository_uri

from sandbox import images, postgres, procs, release_history, seed_data

VERSIONS = ("v1.2.0", "v1.3.0", "v1.4.0")
DATABASE = "consultas_live"


@pytest.fixture(scope="module")
def live_state(tmp_path_factory):
    state = tmp_path_factory.mktemp("live-state")
    yield state
    procs.stop_all(state)


@pytest.fixture(scope="module")
def release_shas(live_state) -> dict[str, str]:
    return release_history.build_history(live_state / "app-repo")


@pytest.fixture(scope="module")
def aws(moto_endpoint) -> dict:
    """boto3 clients on the session's moto."""
    return {name: boto3.client(name, endpoint_url=moto_endpoint, **CREDENTIALS)
            for name in ("ecr", "ssm", "secretsmanager", "cloudwatch", "logs")}


@pytest.fixture(scope="module")
def image_uris(aws, release_shas) -> dict[str, str]:
    """{version: ImageIdentifier tagged with the commit SHA} for v1.2.0..v1.4.0."""
    shas = {version: release_shas[version] for version in VERSIONS}
    images.push_release_images(aws["ecr"], repository_uri().split("/", 1)[1], shas)
    return {version: f"{repository_uri()}:{sha}" for version, sha in shas.items()}


@pytest.fixture(scope="module")
def database_url(pg_server, live_state, release_shas) -> str:
    """A database migrated to v1.2.0 and seeded; the app role's DSN."""
    postgres.drop_database(pg_server, DATABASE)
    postgres.create_database(pg_server, DATABASE, owner=pg_server.for_app().user)
    dsn = pg_server.for_app().dsn(DATABASE)
    tree = release_history.export_release(live_state / "app-repo", "v1.2.0", live_state / "migrate-v1.2.0")
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": dsn}
    done = subprocess.run(release_history.manage_argv("migrate", "--no-input"), cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    seed_data.seed(dsn, rows=400)
    yield dsn
    postgres.drop_database(pg_server, DATABASE)


@pytest.fixture(scope="module")
def live_env(live_state, moto_endpoint, database_url) -> dict:
    """The environment of the emulators with the live runtime."""
    return {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
           **{f"AWS_ENDPOINT_URL_{name}": moto_endpoint
              for name in ("ECR", "SSM", "SECRETS_MANAGER", "CLOUDWATCH", "CLOUDWATCH_LOGS", "STS")},
           "APP_REPO": str(live_state / "app-repo"), "SANDBOX_DATABASE_URL": database_url,
           "SANDBOX_LIVE_FLUSH_SECONDS": "0.3", "SANDBOX_LIVE_WORKERS": "1", "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def emulator(live_state, live_env, release_shas) -> LiveEmulator:
    emulator = LiveEmulator(live_state, live_env).start()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def ecs_emulator(live_state, live_env, release_shas) -> LiveEmulator:
    """The ECS emulator with the live runtime, beside App Runner's (same state folder, database, images)."""
    emulator = LiveEmulator(live_state, live_env, kind="ecs").start()
    yield emulator
    emulator.stop()
