"""Start (or reuse) the sandbox's AWS stand-ins: moto in server mode, the App Runner and ECS emulators."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sandbox import procs

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
}
# Every endpoint variable boto3 and the AWS CLI read, pointed at moto, except App Runner.
MOTO_SERVICES = ("ECR", "CLOUDWATCH", "CLOUDWATCH_LOGS", "SSM", "SECRETS_MANAGER", "STS", "IAM", "SNS")


def running(name: str, port: int | None, state: Path) -> bool:
    """Whether the sandbox's ``name`` process runs and answers on ``port`` itself."""
    pid = procs.read_pid(name, state)
    return pid is not None and bool(port) and procs.port_open(port) and procs.serves(port, pid) is not False


def forget_apprunner(state: Path) -> None:
    """Stop the App Runner and ECS emulators and their services' processes and drop their saved services.

    For when moto starts afresh: its AWS data (images, the service event logs, metrics) lives in
    memory only, so services saved by the emulator would refer to a history nobody has any more
    (and "the previous good release" could not be found for them).
    """
    for path in sorted(procs.pid_dir(state).glob("*.pid")):
        if path.stem in ("apprunner", "ecs") or path.stem.startswith(("app-", "proxy-")):
            procs.stop(path.stem, state)
    (state / "apprunner-state.json").unlink(missing_ok=True)
    (state / "ecs-state.json").unlink(missing_ok=True)
    shutil.rmtree(state / "live" / "services", ignore_errors=True)


def _reuse_or_spawn(name: str, port: int | None, argv_for_port, env: dict, state: Path) -> int:
    pid = procs.read_pid(name, state)
    if running(name, port, state):
        return port
    if pid is not None:
        procs.stop(name, state)
    port, _ = procs.spawn_server(name, argv_for_port, env=env, cwd=procs.REPO_ROOT, state=state, timeout=60)
    return port


def start_moto(state: Path, port: int | None) -> int:
    moto = str(Path(sys.executable).parent / "moto_server")
    env = {**os.environ, **CREDENTIALS}
    return _reuse_or_spawn("moto", port, lambda p: [moto, "-H", "127.0.0.1", "-p", str(p)], env, state)


def start_apprunner(state: Path, port: int | None, moto_url: str, extra_env: dict, deploy_seconds: float,
                    runtime: str | None = None) -> int:
    env = {**os.environ, **CREDENTIALS, **moto_endpoints(moto_url), **extra_env,
           "PYTHONPATH": str(procs.REPO_ROOT), "SANDBOX_DIR": str(state)}

    def argv(p: int) -> list[str]:
        args = [sys.executable, "-m", "sandbox.apprunner", "--host", "127.0.0.1", "--port", str(p),
                "--state-file", str(state / "apprunner-state.json"), "--deploy-seconds", str(deploy_seconds),
                "--account-id", ACCOUNT_ID, "--region", REGION]
        return args + (["--runtime", runtime] if runtime else [])

    return _reuse_or_spawn("apprunner", port, argv, env, state)


def start_ecs(state: Path, port: int | None, moto_url: str, extra_env: dict, deploy_seconds: float,
              runtime: str | None = None) -> int:
    """The ECS emulator (``sandbox.ecs``), state in ``ecs-state.json``."""
    env = {**os.environ, **CREDENTIALS, **moto_endpoints(moto_url), **extra_env,
           "PYTHONPATH": str(procs.REPO_ROOT), "SANDBOX_DIR": str(state)}

    def argv(p: int) -> list[str]:
        args = [sys.executable, "-m", "sandbox.ecs", "--host", "127.0.0.1", "--port", str(p),
                "--state-file", str(state / "ecs-state.json"), "--deploy-seconds", str(deploy_seconds),
                "--account-id", ACCOUNT_ID, "--region", REGION]
        return args + (["--runtime", runtime] if runtime else [])

    return _reuse_or_spawn("ecs", port, argv, env, state)


STATUS_PAGE_ID = "lacrei-sandbox"
STATUS_PAGE_COMPONENT_ID = "consultas-api"


def start_webhook(state: Path, port: int | None, status_page_token: str) -> int:
    """The webhook receiver that stands in for the team's chat (messages under notifications/) and
    for the status page (incidents under status-page/; the token reaches it in its environment)."""
    env = {**os.environ, "PYTHONPATH": str(procs.REPO_ROOT), "SANDBOX_STATUS_PAGE_TOKEN": status_page_token}
    return _reuse_or_spawn("webhook", port, lambda p: [
        sys.executable, "-m", "sandbox.webhook", "--port", str(p), "--dir", str(state / "notifications"),
        "--status-page-dir", str(state / "status-page"), "--page-id", STATUS_PAGE_ID], env, state)


def start_alarms(state: Path, moto_url: str, token: str, restart: bool) -> int:
    """The alarm evaluator (``sandbox.alarms``) over moto; restarted when moto was (or when asked),
    so it never keeps judging against a moto that is gone. Its token reaches it by the environment."""
    pid = procs.read_pid("alarms", state)
    if pid is not None and not restart:
        return pid
    procs.stop("alarms", state)
    env = {**os.environ, **CREDENTIALS, **moto_endpoints(moto_url), "PYTHONPATH": str(procs.REPO_ROOT),
           "SANDBOX_RESPONDER_TOKEN": token}
    return procs.spawn("alarms", [sys.executable, "-m", "sandbox.alarms"], env=env, cwd=procs.REPO_ROOT, state=state)


def moto_endpoints(moto_url: str) -> dict[str, str]:
    return {f"AWS_ENDPOINT_URL_{service}": moto_url for service in MOTO_SERVICES}
