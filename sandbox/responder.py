"""The event-driven responder against the sandbox: ansible-rulebook with rulebooks/auto_rollback.yml.

``python -m sandbox responder`` (``make responder``) starts it and follows its log until Ctrl-C;
``--background`` returns once it listens; ``--stop`` stops it and every process it started
(ansible-runner puts each playbook run in a session of its own, so the whole process tree is
stopped, not only the responder's group). ``sandbox down`` stops it the same way.

Its ``TMPDIR`` is a folder of its own, made at start (``lacrei-responder-*`` in the temporary
folder; short, as Ansible's local RPC server keeps its Unix socket in it) and removed at stop:
ansible-rulebook makes each playbook run's private data folder (``eda*``) there and removes it when
the run ends, which a run the stop interrupts never does.

It listens on ``SANDBOX_RESPONDER_URL`` (written into ``.sandbox/env`` on first start, reused
after) and expects ``Authorization: Bearer <SANDBOX_RESPONDER_TOKEN>``, the token the sandbox's
alarm evaluator sends (created here when the env file has none).
"""
from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from sandbox import envfile, procs

NAME = "responder"
RULEBOOK = "rulebooks/auto_rollback.yml"
INVENTORY = "inventories/sandbox"
PATH_SUFFIX = "/alarms"
LISTEN_TIMEOUT = 180.0  # the JVM (Drools) and the webhook source start on a busy machine
DEFAULT_COOLDOWN = 900
RULEBOOK_VARIABLES = ("LACREI_RESPONDER_HOST", "LACREI_RESPONDER_PORT", "LACREI_RESPONDER_TOKEN")
SCRATCH_RECORD = "responder-tmpdir"  # in the state folder: the path of the running responder's TMPDIR


def java_home() -> str | None:
    """$JAVA_HOME, else an installed Java 17 (drools-jpy needs 17), else None (java on PATH)."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for candidate in sorted(glob.glob("/usr/lib/jvm/*17*")):
        if os.access(os.path.join(candidate, "bin", "java"), os.X_OK):
            return candidate
    return None


def rulebook_command() -> str:
    found = Path(sys.executable).parent / "ansible-rulebook"
    if found.exists():
        return str(found)
    return shutil.which("ansible-rulebook") or "ansible-rulebook"


def configure(state: Path) -> dict:
    """The responder's URL and token in the env file (kept across restarts); returns the env values."""
    env_path = state / "env"
    values = envfile.read(env_path)
    if not values:
        raise RuntimeError("the sandbox is not running; run `make sandbox` first")
    changed = False
    if not values.get("SANDBOX_RESPONDER_TOKEN"):
        values["SANDBOX_RESPONDER_TOKEN"] = secrets.token_urlsafe(24)
        changed = True
    if not values.get("SANDBOX_RESPONDER_URL"):
        values["SANDBOX_RESPONDER_URL"] = f"http://127.0.0.1:{procs.free_port()}{PATH_SUFFIX}"
        changed = True
    if changed:
        envfile.write(env_path, values)
    return values


def process_env(state: Path, values: dict, cooldown: int) -> dict:
    url = urlsplit(values["SANDBOX_RESPONDER_URL"])
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(SANDBOX_DIR=str(state), ANSIBLE_CONFIG=str(procs.REPO_ROOT / "ansible.cfg"),
               PATH=bin_dir + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1",
               LACREI_RESPONDER_HOST=url.hostname or "127.0.0.1", LACREI_RESPONDER_PORT=str(url.port),
               LACREI_RESPONDER_TOKEN=values["SANDBOX_RESPONDER_TOKEN"],
               # the guard's cooldown (auto_rollback_cooldown reads it), through ansible-runner's environment
               LACREI_AUTO_ROLLBACK_COOLDOWN=str(cooldown))
    home = java_home()
    if home:
        env["JAVA_HOME"] = home
    return env


def argv(inventory: str = INVENTORY) -> list[str]:
    return [rulebook_command(), "--rulebook", RULEBOOK, "--inventory", inventory,
            "--env-vars", ",".join(RULEBOOK_VARIABLES)]


def running(state: Path) -> int | None:
    return procs.read_pid(NAME, state)


def start(state: Path | None = None, cooldown: int = DEFAULT_COOLDOWN, timeout: float = LISTEN_TIMEOUT,
          inventory: str = INVENTORY) -> dict:
    """Start the responder in the background (or reuse the running one); returns its URL and pid."""
    state = state or procs.state_dir()
    values = configure(state)
    url = values["SANDBOX_RESPONDER_URL"]
    port = urlsplit(url).port
    pid = running(state)
    if pid is None:
        _remove_scratch(state)
        scratch = tempfile.mkdtemp(prefix="lacrei-responder-")
        (state / SCRATCH_RECORD).write_text(scratch + "\n", encoding="utf-8")
        env = {**process_env(state, values, cooldown), "TMPDIR": scratch}
        pid = procs.spawn(NAME, argv(inventory), env=env, cwd=procs.REPO_ROOT, state=state)
    procs.wait_for_port(port, timeout=timeout, pid=pid)
    return {"url": url, "pid": pid, "log": str(procs.log_dir(state) / f"{NAME}.log")}


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), children first found first."""
    children: dict[int, list[int]] = {}
    for stat_path in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat_path, encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat_path.split("/")[2]))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def stop(state: Path | None = None, timeout: float = 20.0) -> bool:
    """Stop the responder and every process it started; True when one was running."""
    state = state or procs.state_dir()
    pid = running(state)
    if pid is None:
        procs.stop(NAME, state)
        _remove_scratch(state)
        return False
    tree = descendants(pid)
    procs.stop(NAME, state, timeout)
    for child in tree:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(procs.pid_alive(child) for child in tree):
        time.sleep(0.1)
    for child in tree:
        if procs.pid_alive(child):
            _signal_group(child, signal.SIGKILL)
    _remove_scratch(state)
    return True


def scratch_dir(state: Path) -> Path | None:
    """The TMPDIR of the responder started on ``state`` (None when none was recorded)."""
    try:
        return Path((state / SCRATCH_RECORD).read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return None


def _remove_scratch(state: Path) -> None:
    scratch = scratch_dir(state)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
        (state / SCRATCH_RECORD).unlink(missing_ok=True)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def follow(log: str, pid: int) -> None:
    """Print the responder's log as it grows while it runs."""
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(0, os.SEEK_END)
        while procs.pid_alive(pid):
            line = handle.readline()
            if line:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                time.sleep(0.2)


def notification(alarm_name: str, service: str, service_arn: str, state: str = "ALARM",
                 region: str = "us-east-1", account: str = "123456789012") -> dict:
    """An SNS HTTP Notification of a CloudWatch alarm state change, as SNS delivers it (unsigned: the
    sandbox authenticates with its bearer token)."""
    now = datetime.now(timezone.utc)
    message = {"AlarmName": alarm_name, "AWSAccountId": account, "NewStateValue": state,
               "OldStateValue": "OK" if state == "ALARM" else "ALARM",
               "AlarmDescription": json.dumps({"service": service, "service_arn": service_arn,
                                               "managed_by": "lacrei.rollback"}),
               "NewStateReason": "sandbox: delivered by `python -m sandbox responder --notify`",
               "StateChangeTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000",
               "Region": region}
    topic = f"arn:aws:sns:{region}:{account}:lacrei-rollback-{service}-alarms"
    return {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic,
            "Subject": f'{state}: "{alarm_name}" in {region}'[:100], "Message": json.dumps(message),
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "SignatureVersion": "1", "Signature": "", "SigningCertURL": "", "UnsubscribeURL": ""}


def deliver(alarm_name: str, state: str = "ALARM", state_dir: Path | None = None) -> int:
    """POST an alarm notification to the sandbox's responder with its token; the HTTP status."""
    values = envfile.read((state_dir or procs.state_dir()) / "env")
    arn = values["APPRUNNER_SERVICE_ARN"]
    body = notification(alarm_name, arn.split("service/")[1].split("/")[0], arn, state, values.get("AWS_REGION", "us-east-1"))
    request = urllib.request.Request(
        values["SANDBOX_RESPONDER_URL"], data=json.dumps(body).encode(), method="POST",
        headers={"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": body["MessageId"],
                 "x-amz-sns-topic-arn": body["TopicArn"], "Content-Type": "text/plain; charset=UTF-8",
                 "Authorization": f"Bearer {values['SANDBOX_RESPONDER_TOKEN']}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def main(args) -> int:
    state = procs.state_dir()
    if args.notify:
        status = deliver(args.notify, args.state)
        print(f"sandbox responder: {args.state} notification of {args.notify} -> HTTP {status}")
        return 0 if status == 200 else 1
    if args.stop:
        print("sandbox responder: " + ("stopped" if stop(state) else "was not running"))
        return 0
    try:
        started = start(state, args.cooldown, inventory=args.inventory)
    except (RuntimeError, TimeoutError) as exc:
        print(f"sandbox responder: {exc}; its log: {procs.log_dir(state) / (NAME + '.log')}", file=sys.stderr)
        stop(state)
        return 1
    print(f"sandbox responder: listening on {started['url']} (pid {started['pid']}, log {started['log']}); "
          f"alarms of the sandbox's services are rolled back by rulebooks/auto_rollback.yml")
    if args.background:
        print("sandbox responder: `python -m sandbox responder --stop` stops it")
        return 0
    print("sandbox responder: Ctrl-C stops it")
    try:
        follow(started["log"], started["pid"])
    except KeyboardInterrupt:
        pass
    finally:
        stop(state)
        print("sandbox responder: stopped")
    return 0
