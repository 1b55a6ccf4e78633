"""Fixtures for the sample API: its git history, a database per module, gunicorn per release."""
from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox import postgres, procs, release_history


@pytest.fixture(scope="session")
def release_repo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(repo path, {version: sha}) of a freshly generated release history."""
    repo = tmp_path_factory.mktemp("history") / "app-repo"
    return repo, release_history.build_history(repo)


@pytest.fixture(scope="module")
def app_db(request, pg_server) -> str:
    """A fresh database for this test module, owned by the app role; its app-role DSN."""
    name = "consultas_" + request.module.__name__.rsplit(".", 1)[-1]
    postgres.drop_database(pg_server, name)
    postgres.create_database(pg_server, name, owner=pg_server.for_app().user)
    yield pg_server.for_app().dsn(name)
    postgres.drop_database(pg_server, name)


@pytest.fixture(scope="module")
def proc_state(tmp_path_factory):
    state = tmp_path_factory.mktemp("procs")
    yield state
    procs.stop_all(state)


@dataclass
class Release:
    version: str
    sha: str
    tree: Path
    dsn: str

    def env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PG") and k not in {"DATABASE_URL", "GIT_SHA"}}
        return {**env, "DATABASE_URL": self.dsn, "PYTHONDONTWRITEBYTECODE": "1", **extra}

    def manage(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(release_history.manage_argv(*args), cwd=self.tree, env=self.env(**extra_env),
                              capture_output=True, text=True, check=False, timeout=120)

    def serve(self, state: Path, name: str, workers: int = 1, **extra_env: str) -> str:
        """Start gunicorn for this release; its base URL."""
        with procs.listening_socket() as sock:
            port = sock.getsockname()[1]
            pid = procs.spawn(name, release_history.gunicorn_argv(sock.fileno(), workers), cwd=self.tree,
                              env=self.env(**extra_env), state=state, pass_fds=(sock.fileno(),))
        procs.wait_for_port(port, pid=pid, timeout=30)
        return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def release(release_repo, app_db, tmp_path_factory):
    """release(version) -> Release exported from the history, wired to this module's database."""
    repo, shas = release_repo

    def export(version: str) -> Release:
        tree = release_history.export_release(repo, version, tmp_path_factory.mktemp(version))
        return Release(version, shas[version], tree, app_db)
    return export


@pytest.fixture(scope="session")
def call():
    """call(method, url, body=None) -> (status, JSON body); error statuses are returned."""
    return _call


def _call(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback only
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        payload = err.read()
        try:
            return err.code, json.loads(payload or b"{}")
        except ValueError:
            return err.code, {"raw": payload.decode(errors="replace")}
