"""The bench's own sandbox (a temporary SANDBOX_DIR) and how commands are run and timed in it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3

from sandbox import envfile

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CALLBACKS = Path(__file__).resolve().parent / "callbacks"


class Session:
    """Starts the sandbox in a temporary folder, runs commands against it, stops it."""

    def __init__(self, deploy_seconds: float, rows: int):
        self.deploy_seconds = deploy_seconds
        self.rows = rows
        self.dir = Path(tempfile.mkdtemp(prefix="lacrei-bench-"))
        self.env: dict[str, str] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def up(self) -> None:
        self.sandbox("up", "--deploy-seconds", str(self.deploy_seconds), "--rows", str(self.rows))
        self.env = envfile.read(self.dir / "env")

    def down(self) -> None:
        try:
            self.sandbox("down")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def sandbox(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=ROOT, env=self.base_env(), check=True,
                       stdout=subprocess.DEVNULL)

    # -- environments ----------------------------------------------------------------------
    def base_env(self) -> dict[str, str]:
        env = dict(os.environ, SANDBOX_DIR=str(self.dir), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
                   PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        for key in [k for k in env if k.startswith(("AWS_", "PG")) or k == "DATABASE_URL"]:
            env.pop(key)  # only the sandbox's own values, set explicitly where needed
        return env

    def aws_env(self) -> dict[str, str]:
        return dict(self.base_env(), **{k: v for k, v in self.env.items() if k.startswith("AWS_")})

    def pg_env(self) -> dict[str, str]:
        keys = ("PGHOST", "PGPORT", "PGUSER", "PGPASSFILE")
        return dict(self.base_env(), **{k: self.env[k] for k in keys})

    def client(self, service: str):
        return boto3.client(service, region_name=self.env["AWS_REGION"],
                            endpoint_url=self.env[f"AWS_ENDPOINT_URL_{service.upper()}"],
                            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"])

    def set_deploy_seconds(self, seconds: float) -> None:
        request = urllib.request.Request(self.env["AWS_ENDPOINT_URL_APPRUNNER"] + "/_emulator/faults",
                                         data=json.dumps({"deploy_seconds": seconds}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    # -- running ---------------------------------------------------------------------------
    def playbook(self, playbook: str, *args: str, timing_file: Path | None = None,
                 inventory: Path | None = None, env: dict[str, str] | None = None) -> "Timed":
        env = dict(self.base_env(), **(env or {}))
        if timing_file is not None:
            env.update(ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS), BENCH_TIMING_FILE=str(timing_file),
                       ANSIBLE_CALLBACKS_ENABLED="lacrei.rollback.audit,bench_timing")
        command = [str(VENV_BIN / "ansible-playbook"), str(ROOT / "playbooks" / playbook), *args]
        if inventory is not None:
            command[1:1] = ["-i", str(inventory)]
        return timed(command, env)

    def audit_lines(self) -> list[dict]:
        path = self.dir / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


class Timed:
    def __init__(self, seconds: float, returncode: int, stdout: str, stderr: str, started: float, ended: float):
        self.seconds, self.returncode, self.stdout, self.stderr = seconds, returncode, stdout, stderr
        self.started, self.ended = started, ended

    def check(self, what: str) -> "Timed":
        if self.returncode != 0:
            tail = "\n".join((self.stdout + self.stderr).splitlines()[-25:])
            raise RuntimeError(f"{what} failed (rc={self.returncode}):\n{tail}")
        return self


def timed(command: list[str], env: dict[str, str], stdin_path: Path | None = None,
          stdout_path: Path | None = None) -> Timed:
    """Run ``command``; its wall time (process start to exit) and output."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
    try:
        started_wall, started = time.time(), time.monotonic()
        proc = subprocess.run(command, cwd=ROOT, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        seconds = time.monotonic() - started
    finally:
        for handle in (stdin, stdout):
            if hasattr(handle, "close"):
                handle.close()
    out = proc.stdout.decode(errors="replace") if proc.stdout is not None else ""
    return Timed(round(seconds, 3), proc.returncode, out, proc.stderr.decode(errors="replace"),
                 started_wall, started_wall + seconds)
