"""Shared fixtures: the collection on sys.path, a module runner, and the real servers.

HOME, XDG_*_HOME and TMPDIR point at temporary folders for the whole run (tests/home_isolation.py),
and the run fails if anything wrote to the real audit trail or left its temporary files in /tmp. Servers are started once per test session as real processes (moto in server mode, the
project's App Runner emulator, a throwaway PostgreSQL cluster) in a temporary state folder,
and stopped by PID at the end.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / ".collections"
LINK = COLLECTIONS / "ansible_collections" / "lacrei" / "rollback"


def _ensure_collection_link() -> None:
    if not LINK.exists():
        LINK.parent.mkdir(parents=True, exist_ok=True)
        LINK.symlink_to(Path("..") / ".." / "..")


_ensure_collection_link()
for _path in (str(COLLECTIONS), str(REPO)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from tests import home_isolation  # noqa: E402

# Before any fixture, test or subprocess: HOME and XDG_*_HOME are the run's temporary folders.
home_isolation.isolate()

from sandbox import procs  # noqa: E402
from tests.scheduling import pytest_collection_modifyitems, pytest_xdist_make_scheduler  # noqa: E402,F401 - hooks

FAKE_AWS = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
REAL_AUDIT_KEY = pytest.StashKey[tuple]()
LEFTOVERS_KEY = pytest.StashKey[set]()
MOTO_SERVICES = ("ECR", "CLOUDWATCH", "CLOUDWATCH_LOGS", "SSM", "SECRETS_MANAGER", "STS", "IAM", "SNS")


def pytest_configure(config):
    config.stash[REAL_AUDIT_KEY] = home_isolation.fingerprint(home_isolation.real_audit_trail())
    config.stash[LEFTOVERS_KEY] = home_isolation.leftovers()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when anything wrote to the real audit trail while it ran, or left in the system's
    temporary folder what the run's processes make in theirs (controller only)."""
    if hasattr(session.config, "workerinput"):
        return
    path = home_isolation.real_audit_trail()
    if home_isolation.fingerprint(path) != session.config.stash.get(REAL_AUDIT_KEY, None):
        session.config.get_terminal_writer().line(
            f"\nERROR: the test run wrote to the real audit trail {path}: a test escaped its temporary HOME", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    _remove_stopped_clusters(session.config)
    left = home_isolation.leftovers() - session.config.stash.get(LEFTOVERS_KEY, set())
    if left:
        session.config.get_terminal_writer().line(
            f"\nERROR: the test run left {sorted(left)} in {home_isolation.system_tmp()}: a process escaped "
            f"the run's TMPDIR ({os.environ.get('TMPDIR')})", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _remove_stopped_clusters(config) -> None:
    """The stopped PostgreSQL clusters this session's sandboxes kept outside its temporary folder
    (sandbox/postgres.py's fallback folders, for a state folder postgres cannot traverse) go with it."""
    from sandbox import postgres

    try:
        postgres.remove_stopped_under(config._tmp_path_factory.getbasetemp())
    except Exception as exc:  # a clean-up must never fail the run  # pylint: disable=broad-except
        config.get_terminal_writer().line(f"\nnote: stopped PostgreSQL clusters not removed: {exc}")


@pytest.fixture(scope="session")
def test_state(tmp_path_factory) -> Path:
    """A private sandbox state folder for this test session's servers."""
    state = tmp_path_factory.mktemp("sandbox-state")
    yield state
    procs.stop_all(state)


@pytest.fixture(scope="session")
def moto_endpoint(test_state) -> str:
    env = {**os.environ, **FAKE_AWS}
    moto = str(Path(sys.executable).parent / "moto_server")
    port, _ = procs.spawn_server("moto", lambda p: [moto, "-H", "127.0.0.1", "-p", str(p)], env=env,
                                 state=test_state)
    yield f"http://127.0.0.1:{port}"
    procs.stop("moto", test_state)


@pytest.fixture(scope="session")
def apprunner_endpoint(test_state, moto_endpoint) -> str:
    env = {**os.environ, **FAKE_AWS, "AWS_ENDPOINT_URL_ECR": moto_endpoint, "PYTHONPATH": str(REPO)}
    port, _ = procs.spawn_server("apprunner", lambda p: [
        sys.executable, "-m", "sandbox.apprunner", "--host", "127.0.0.1", "--port", str(p),
        "--state-file", str(test_state / "apprunner.json"), "--deploy-seconds", "0.5"],
        env=env, cwd=REPO, state=test_state)
    yield f"http://127.0.0.1:{port}"
    procs.stop("apprunner", test_state)


@pytest.fixture(scope="session")
def aws_env(moto_endpoint, apprunner_endpoint) -> dict:
    """Point boto3 (and modules run in-process) at the sandbox for the whole session."""
    values = dict(FAKE_AWS)
    for service in MOTO_SERVICES:
        values[f"AWS_ENDPOINT_URL_{service}"] = moto_endpoint
    values["AWS_ENDPOINT_URL_APPRUNNER"] = apprunner_endpoint
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    yield values
    for key, old in saved.items():
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


@pytest.fixture(scope="session")
def pg_server(test_state):
    from sandbox import postgres

    server = postgres.start_cluster(test_state)
    yield server
    postgres.stop_cluster(test_state, remove=True)


@pytest.fixture
def run_module(monkeypatch):
    """Run a module's main() in-process with args; return its result dict.

    The result has ``failed: True`` when the module called fail_json.
    """
    from tests.module_run import module_runner

    return module_runner(monkeypatch)
