"""The team's pipeline in the sandbox: a push to the app repository's ``staging`` remote deploys.

``install`` (run by ``python -m sandbox up``) creates the bare repository
``$SANDBOX_DIR/staging.git`` (branch ``main`` at the release the service runs), adds it to the app
repository as the remote ``staging`` (with the release tags) and puts a ``post-receive`` hook in it. Each push that moves
``main`` starts one pipeline run for the pushed commit, detached (the push returns at once, as
with a real CI), one run at a time (a lock), in push order:

1. **fetch** the commit into the app repository (the runtime exports a commit's code from there);
2. **build**: export the commit's tree (a revert is a new SHA with an old tree: its code is the
   reverted code), byte-compile it (a syntax error fails the build), push the image to ECR
   tagged with the full SHA (the manifest's revision is that SHA);
3. **release and deploy** exactly as ``python -m sandbox deploy <sha>`` does (its release phase,
   ``manage.py migrate`` with the new code, then UpdateService and the wait).

A failed step stops the run before anything later: a failed build pushes no image and changes
nothing; a failed migration never reaches UpdateService (Django runs each migration in a
transaction, so the failing one leaves no trace); a failed deployment is rolled back by App
Runner. Every line goes to ``$SANDBOX_DIR/pipeline/pipeline.log`` and to CloudWatch Logs, group
``/lacrei/pipeline/<service name>``, stream ``<sha>``; the last line is ``PIPELINE SUCCEEDED ...``
or ``PIPELINE FAILED in <step>: ...`` (a contract: ``lacrei.rollback.pipeline_wait`` reads it).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sandbox import envfile, images, procs, release_history

REMOTE = "staging"
BRANCH = "main"
ZERO = "0" * 40
ROOT = Path(__file__).resolve().parents[1]


class StepFailed(Exception):
    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


def log_group(service_name: str) -> str:
    return f"/lacrei/pipeline/{service_name}"


def folder(state: Path) -> Path:
    path = Path(state) / "pipeline"
    path.mkdir(parents=True, exist_ok=True)
    return path


def install(state: Path, repo: Path, initial_sha: str, service_name: str) -> dict[str, str]:
    """The ``staging`` remote with its hook; the env file entries that name it."""
    bare = Path(state) / "staging.git"
    if not (bare / "HEAD").exists():
        bare.mkdir(parents=True, exist_ok=True)
        release_history._git(bare, "init", "--quiet", "--bare", f"--initial-branch={BRANCH}")
        # Before the hook exists: staging starts on what the service runs, without a pipeline run.
        release_history._git(repo, "push", "--quiet", str(bare), f"{initial_sha}:refs/heads/{BRANCH}")
    release_history._git(repo, "push", "--quiet", str(bare), "refs/tags/*:refs/tags/*")  # pushes no branch
    hook = bare / "hooks" / "post-receive"
    hook.write_text("#!/bin/sh\n"
                    "# The team's pipeline (sandbox/pipeline.py): a push to main builds, migrates, deploys.\n"
                    f"SANDBOX_DIR='{state}' PYTHONPATH='{ROOT}' exec '{sys.executable}' -m sandbox.pipeline hook\n")
    hook.chmod(0o755)
    remotes = release_history._git(repo, "remote").split()
    release_history._git(repo, "remote", "set-url" if REMOTE in remotes else "add", REMOTE, str(bare))
    return {"STAGING_REMOTE_URL": str(bare), "PIPELINE_LOG": str(folder(state) / "pipeline.log"),
            "PIPELINE_LOG_GROUP": log_group(service_name)}


def hook(state: Path, lines: list[str]) -> int:
    """post-receive: one detached run per push that moves ``main`` (deleting it starts nothing)."""
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or parts[2] != f"refs/heads/{BRANCH}" or parts[1] == ZERO:
            continue
        sha = parts[1]
        env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
        env.update(SANDBOX_DIR=str(state), PYTHONPATH=str(ROOT))
        procs.spawn(f"pipeline-{sha[:12]}", [sys.executable, "-m", "sandbox.pipeline", "run", sha],
                    env=env, cwd=ROOT, state=state)
        print(f"pipeline: run started for {sha[:12]} (main); log: {folder(state) / 'pipeline.log'} "
              f"and CloudWatch Logs stream {sha}")
    return 0


class RunLog:
    """Lines to the pipeline's log file and its CloudWatch Logs stream (one stream per commit)."""

    def __init__(self, state: Path, values: dict, sha: str):
        from sandbox.live.telemetry import LogWriter

        self.path = folder(state) / "pipeline.log"
        self.sha = sha
        self.writer = LogWriter(log_group(values["APPRUNNER_SERVICE_NAME"]))

    def __call__(self, message: str) -> None:
        lines = [line for line in message.splitlines() if line.strip()] or [message]
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with open(self.path, "a", encoding="utf-8") as log:
            log.writelines(f"{stamp} {self.sha[:12]} {line}\n" for line in lines)
        try:
            self.writer.put(self.sha, lines)
        except Exception as err:  # noqa: BLE001 - the log file still has the line
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(f"{stamp} {self.sha[:12]} (CloudWatch Logs unavailable: {err})\n")


def run(state: Path, sha: str) -> int:
    values = envfile.read(Path(state) / "env")
    os.environ.update({key: value for key, value in values.items() if key.startswith("AWS_")})
    with open(folder(state) / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one run at a time, in push order
        log = RunLog(state, values, sha)
        log(f"PIPELINE STARTED for {sha} (refs/heads/{BRANCH})")
        try:
            fetch(state, values, sha)
            log(f"fetch: {sha} is in {values['APP_REPO']}")
            image = build(state, values, sha)
            log(f"build: pushed {image}")
            operation = deploy(sha, log)
        except StepFailed as failed:
            log(f"{failed.step}: {failed}")
            log(f"PIPELINE FAILED in {failed.step}: {str(failed).splitlines()[0] if str(failed) else ''}"
                " - the service keeps running what it ran")
            return 1
        log(f"PIPELINE SUCCEEDED: {image} deployed by operation {operation}")
        return 0


def fetch(state: Path, values: dict, sha: str) -> None:
    repo = Path(values["APP_REPO"])
    try:
        release_history._git(repo, "fetch", "--quiet", str(Path(state) / "staging.git"),
                             f"+{sha}:refs/pipeline/{sha}")
    except RuntimeError as err:
        raise StepFailed("fetch", str(err)) from None


def build(state: Path, values: dict, sha: str) -> str:
    """The image of ``sha``: its tree byte-compiles; pushed to ECR tagged ``<sha>``."""
    from sandbox import seed

    work = Path(tempfile.mkdtemp(prefix=f"build-{sha[:12]}.", dir=folder(state)))
    try:
        release_history.export_release(Path(values["APP_REPO"]), sha, work)
        done = subprocess.run([sys.executable, "-m", "compileall", "-q", "."], cwd=work, capture_output=True,
                              text=True, check=False, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
        if done.returncode:
            raise StepFailed("build", f"the code of {sha[:12]} does not compile:\n{done.stdout}{done.stderr}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ecr, _apprunner = seed.clients(values)
    images.push_image(ecr, values["ECR_REPOSITORY"], sha)
    return f"{values['ECR_REPOSITORY_URI']}:{sha}"


def deploy(sha: str, log) -> str:
    """``python -m sandbox deploy <sha>`` (release phase, then UpdateService); the operation id."""
    from sandbox import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["deploy", sha])
    for line in (out.getvalue() + err.getvalue()).splitlines():
        log(f"deploy: {line}")
    if code:
        if "release phase failed" in err.getvalue():
            raise StepFailed("release", err.getvalue().strip().removeprefix("sandbox deploy: "))
        last = (out.getvalue().strip().splitlines() or err.getvalue().strip().splitlines() or ["failed"])[-1]
        raise StepFailed("deploy", last.removeprefix("sandbox deploy: "))
    words = out.getvalue().split("-> operation ", 1)
    return words[1].split()[0] if len(words) == 2 else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.pipeline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("hook", help="post-receive: read '<old> <new> <ref>' lines on stdin")
    run_parser = commands.add_parser("run", help="build, migrate and deploy one commit")
    run_parser.add_argument("sha")
    args = parser.parse_args(argv)
    state = procs.state_dir()
    if args.command == "hook":
        return hook(state, sys.stdin.read().splitlines())
    return run(state, args.sha)


if __name__ == "__main__":
    sys.exit(main())
