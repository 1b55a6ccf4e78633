"""Secrets never leak: known secrets are seeded into a private sandbox, every runbook runs at -vvvv
through ansible-playbook, some through ansible-runner (the Python API: the emergency in check mode,
list_configs and the app_rollback drill, playbooks/drill.yml, at verbosity 4; the suite's only API
drill and API emergency, so their results are checked here too) and one Molecule scenario;
none of the secrets appears in any output, the audit trail, the reports, the runner's artifact
folders, Molecule's files, or any process's argv while the runs go (``/proc/*/cmdline`` sampled).

Seeded: the database password (the sandbox's own, random), the webhook token (in the webhook URL's
path, as Slack's are), the AWS secret access key, an SSM SecureString the service references, and
the service's secret environment variables (a token, a secret key, a Sentry DSN with its key), and the
status page token (the sandbox's own, random; the emergency opens and resolves an incident with it).
The committed bench results are scanned for credentials too. See docs/reliability.md ("Secrets").
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import sealed_read
from lacrei_rollback import secrets as secret_names
from lacrei_rollback.execution import Control
from lacrei_rollback.runbooks import Client
from sandbox import cli as sandbox_cli, envfile
from tests.integration.sandbox_fixture import ANSIBLE_PLAYBOOK, REPO, Run, private_sandbox, process_env

# The scan tools/molecule.sh runs after each scenario: the same matcher here.
_scan_spec = importlib.util.spec_from_file_location("secret_scan", REPO / "tools" / "secret_scan.py")
secret_scan = importlib.util.module_from_spec(_scan_spec)
_scan_spec.loader.exec_module(secret_scan)
leaks = secret_scan.leaks

HOST = "lacrei-saude-backend"
VERBOSE = "-vvvv"
CREDENTIALS_IN_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:\"']+:[^/@\s\"']+@", re.IGNORECASE)
MASKS = {"", "********", "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", None}
# A deadline, not a duration: at load 24 on the 2-core machine the emergency at -vvvv outlasted 600 s.
RUN_TIMEOUT = 1200


class ArgvWatch:
    """Samples every process's command line in a background thread; keeps those holding a secret."""

    def __init__(self, secrets: dict[str, str]):
        self.secrets = secrets
        self.found: dict[str, str] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join(timeout=30)

    def _watch(self):
        # Bytes compared with bytes, /proc listed without a glob, each command line read with one
        # os.read: a sample costs 0.9 ms instead of 2.2 ms (200 processes). The thread runs for the
        # whole fixture (7-8 min in `make test`), 40-50 times a second: about a CPU-minute saved.
        needles = {kind: value.encode() for kind, value in self.secrets.items()}
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                argv = _cmdline(pid)
                for kind, needle in needles.items():
                    if needle in argv:
                        shown = argv.decode(errors="replace").replace("\0", " ")
                        self.found.setdefault(kind, shown[:300].replace(self.secrets[kind], "<" + kind + ">"))
            self.samples += 1
            self._stop.wait(0.02)


def _cmdline(pid: str) -> bytes:
    """/proc/<pid>/cmdline (b"" once the process is gone)."""
    try:
        fd = os.open(f"/proc/{pid}/cmdline", os.O_RDONLY)
    except OSError:
        return b""
    try:
        parts = [os.read(fd, 1 << 20)]
        while len(parts[-1]) == 1 << 20:  # a command line over 1 MiB: the rest
            parts.append(os.read(fd, 1 << 20))
        return b"".join(parts)
    except OSError:
        return b""
    finally:
        os.close(fd)


def text_of(folder: Path, skip: tuple[Path, ...] = ()) -> str:
    """Every file under ``folder`` (symlinked folders not followed, ``skip`` left out)."""
    parts = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if Path(root, d) not in skip and not Path(root, d).is_symlink()]
        parts += [Path(root, name).read_text(errors="replace") for name in files if Path(root, name).is_file()]
    return "\n".join(parts)


def seed(box, tmp_path) -> dict[str, str]:
    """Known secrets in the sandbox; {kind: value}."""
    mark = os.urandom(5).hex()
    secrets = {
        "database password": urlsplit(box.env["DATABASE_URL"]).password,
        "status page token": box.env["LACREI_STATUS_PAGE_TOKEN"],
        "AWS secret access key": f"wJalrXUtnFEMI/K7MDENG/bPxRfiCY{mark}KEY",
        "webhook token": f"whTok{mark}xoxb",
        "SSM SecureString": f"ssmSecure{mark}Value",
        "service API_TOKEN": f"apiTok{mark}en",
        "service DJANGO_SECRET_KEY": f"djSecret{mark}Key",
        "service SENTRY_DSN key": f"sentry{mark}public",
    }
    assert secrets["database password"] and len(secrets["database password"]) >= 16
    assert len(secrets["status page token"]) >= 32
    ssm = box.client("ssm", "AWS_ENDPOINT_URL_SSM")
    parameter = ssm.put_parameter(Name=f"/consultas/{mark}/STRIPE_SECRET", Value=secrets["SSM SecureString"],
                                  Type="SecureString")
    arn = f"arn:aws:ssm:{box.env['AWS_REGION']}:123456789012:parameter/consultas/{mark}/STRIPE_SECRET"
    assert parameter["Version"] == 1

    def with_secrets(image_repository):
        config = image_repository.setdefault("ImageConfiguration", {})
        config.setdefault("RuntimeEnvironmentVariables", {}).update(
            API_TOKEN=secrets["service API_TOKEN"], DJANGO_SECRET_KEY=secrets["service DJANGO_SECRET_KEY"],
            SENTRY_DSN=f"https://{secrets['service SENTRY_DSN key']}@o1.ingest.sentry.example/42")
        config["RuntimeEnvironmentSecrets"] = {"STRIPE_SECRET": arn}

    assert box.update_outside(with_secrets) == "SUCCEEDED"
    # The credentials every playbook reads from the sandbox's env file (the inventory's source).
    values = envfile.read(box.state / "env")
    webhook = urlsplit(values["WEBHOOK_URL"])
    values.update(AWS_SECRET_ACCESS_KEY=secrets["AWS secret access key"],
                  WEBHOOK_URL=f"{webhook.scheme}://{webhook.netloc}/hooks/T0001/B0001/{secrets['webhook token']}")
    envfile.write(box.state / "env", values)
    assert values["AWS_SHARED_CREDENTIALS_FILE"] == sandbox_cli._write_aws_credentials(box.state, values)
    return secrets


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    # On a loaded machine the sandbox's first deployment can fail its health check (CREATE_FAILED):
    # that sandbox is stopped and a fresh one started.
    for _attempt in range(3):
        with private_sandbox(tmp_path_factory, "secrets-sandbox", rows=20) as box:
            if box.service()["Status"] == "RUNNING":
                yield box, seed(box, tmp_path_factory.mktemp("secrets-seed"))
                return
    pytest.fail("the sandbox's service did not come up RUNNING in 3 attempts")


def playbook(box, name: str, *args: str) -> Run:
    env = dict(process_env(box.state), ANSIBLE_VERBOSITY="4")
    done = subprocess.run([ANSIBLE_PLAYBOOK, f"playbooks/{name}", VERBOSE, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    return Run(done.returncode, done.stdout + done.stderr)


# Changing runbooks one after the other (each needs the service to itself): (runbook, arguments, must
# it succeed?). snapshot_config and rollback_config run in the Molecule scenario (config_rollback);
# the drill (playbooks/drill.yml) runs after these through ansible-runner. tools/molecule.sh scans
# every Molecule scenario for seeded secrets too (tools/secret_scan.py).
CHANGING = [
    # Behind v1.2.0's migrations. On a loaded machine the deployment can fail its health check (the
    # emulator then rolls back); the run still shows everything a rollback prints, which is what counts here.
    ("rollback_app.yml", ["-e", "sha={v1.1.0}", "-e", "schema_check=skip"], False),
    ("backup_db.yml", [], True),
    ("restore_db.yml", ["--check"], True),  # the backup just taken: verified, the restore planned
    ("rollback_migration.yml", ["-e", "app=appointments", "-e", "migration=zero", "--check"], True),
    # Its outcome may be "no data" (no traffic in the monitor window); every phase runs all the same.
    ("emergency.yml", ["-e", "sha={v1.2.0}", "-e", "emergency_monitor_window=5s", "-e", "emergency_monitor_interval=5s",
                       "-e", "emergency_monitor_breach_intervals=1"], False),
    ("rollback_git.yml", ["-e", "commit=HEAD", "--check"], False),  # the sandbox's repository has no remote
]
# Then side by side: the read-only runbooks, the Python API and the Molecule scenario.
READ_ONLY = [
    ("list_images.yml", []), ("list_configs.yml", []), ("list_backups.yml", ["-e", "db_backup_list_verify=true"]),
    ("show_migrations.yml", []),
    ("monitor.yml", ["-e", "window=5s", "-e", "interval=5s", "-e", "breach_intervals=1", "-e", "monitor_metrics_delay=1s",
                     "-e", "monitor_fail_on_no_data=false"]),
]
ALONE = {"monitor.yml"}
PARALLEL = 4


def molecule(box, tmp_path) -> tuple[int, str, Path]:
    """The config_rollback scenario's prepare and converge at -vvvv, on this sandbox (its create step
    finds the sandbox up and reuses it; no destroy: the fixture stops the sandbox)."""
    ephemeral = tmp_path / "molecule-ephemeral"
    ephemeral.mkdir()
    (ephemeral / "sandbox").symlink_to(box.state)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ANSIBLE_", "MOLECULE_"))}
    env.update(MOLECULE_EPHEMERAL_DIRECTORY=str(ephemeral), HOME=str(tmp_path / "home"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([str(Path(sys.executable).parent / "molecule"), "-c", "molecule/base.yml", "converge",
                           "-s", "config_rollback", "--", VERBOSE], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900, check=False)
    return done.returncode, done.stdout + done.stderr, ephemeral


@pytest.fixture(scope="module")
def runs(seeded, tmp_path_factory):
    box, secrets = seeded
    work = tmp_path_factory.mktemp("secrets-runs")
    outputs: dict[str, Run] = {}
    client = Client("sandbox", sandbox_dir=box.state, runs_dir=work / "runner", environment={"ANSIBLE_VERBOSITY": "4"},
                    control=Control(raise_on_failure=False))
    webhook = envfile.read(box.state / "env")["WEBHOOK_URL"]
    # monitor.yml probes the critical endpoints, which the Molecule scenario's prepare turns off
    # (FEATURE_APPOINTMENTS=off -> 503): it runs before the others, not beside them.
    side_by_side = {name: (lambda name=name, args=args: playbook(box, name, *args))
                    for name, args in READ_ONLY if name not in ALONE}
    side_by_side.update({"api list_configs": client.list_configs, "molecule": lambda: molecule(box, work)})
    with ArgvWatch(secrets) as watch:
        for name, args, _must in CHANGING:
            args = [arg.replace("{v1.1.0}", box.sha("v1.1.0")).replace("{v1.2.0}", box.sha("v1.2.0")) for arg in args]
            if name == "restore_db.yml":
                backup = next(line["backup_path"] for line in reversed(box.audit()) if line["runbook"] == "db-backup")
                args = ["-e", f"backup_file={backup}", *args]
            outputs[name] = playbook(box, name, *args)
        drill = client.drill(name="app_rollback")  # the service to itself: after the changing runbooks
        check = emergency_check(box, client, webhook)  # the service to itself too: it must change nothing
        alone = {name: playbook(box, name, *args) for name, args in READ_ONLY if name in ALONE}
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            done = dict(zip(side_by_side, pool.map(lambda run: run(), side_by_side.values())))
    outputs.update(alone, **{name: done[name] for name, _args in READ_ONLY if name not in ALONE})
    api = {name: done[name] for name in done if name.startswith("api ")}
    return {"playbooks": outputs, "api": dict(api, **{"api drill": drill, "api emergency": check["result"]}),
            "emergency check": check, "runner_dir": work / "runner", "molecule": done["molecule"], "argv": watch,
            "box": box, "secrets": secrets}


def emergency_check(box, client, webhook: str) -> dict:
    """The emergency through the Python API in check mode, the webhook URL (with its token) a secret
    argument; what runs and what was sent or written, before and after."""
    def seen() -> dict:
        return {"running": box.running(), **{folder: sorted(path.name for path in (box.state / folder).glob("*"))
                                             for folder in ("notifications", "reports")}}

    running = box.running()
    # A release with v1.2.0's schema that does not run now: the schema check says app_only.
    target = next(box.sha(version) for version in ("v1.3.0", "v1.2.0") if not running.endswith(box.sha(version)))
    before = seen()
    result = client.emergency(sha=target, webhook_url=webhook, check=True)
    return {"result": result, "target": target, "running": running, "before": before, "after": seen()}


def test_every_runbook_ran(runs):
    for name, args, must in CHANGING:
        assert (runs["playbooks"][name].rc == 0) or not must, runs["playbooks"][name].out[-3000:]
    for name, _args in READ_ONLY:
        assert runs["playbooks"][name].rc == 0, runs["playbooks"][name].out[-3000:]
    assert runs["molecule"][0] == 0, runs["molecule"][1][-3000:]
    drill = runs["api"]["api drill"]
    assert drill.ok and drill.audit["drill_result"] in ("pass", "passed"), (drill.status, drill.failed_task)


def test_the_api_emergency_in_check_mode_identifies_plans_and_changes_nothing(runs):
    """The emergency through the Python API, check mode (identify, and what execute would do): the
    suspect follows the emergency's rule (below), the plan names the target, no operation starts, nothing is sent or written;
    the webhook URL went in as a lookup of a secret environment variable (the suite's one API
    emergency: it used to run again in tests/integration/python_api/).

    The suspect is the last image change before the error rise (roles/emergency/vars/main.yml). The
    drill just before sends requests to a release that answers 500, then rolls back: when its good
    answers fall in the same 60 s interval as the bad ones, no later interval ends the breach, so the
    rise stands and the suspect is the release that broke, not the one that runs (seen in a fresh
    clone). Either way the suspect follows the rule."""
    check, box = runs["emergency check"], runs["box"]
    result, audit = check["result"], check["result"].audit
    assert result.ok, (result.status, result.failed_task)
    assert audit["runbook"] == "emergency" and audit["requested"]["target"] == check["target"]
    suspect = audit["suspect"]
    if audit["error_rise_at"]:
        releases = {value for key, value in box.env.items() if key.startswith("RELEASE_") and key.endswith("_SHA")}
        assert suspect["tag"] in releases and suspect["deployed_at"], suspect
        rise_end = datetime.fromisoformat(audit["error_rise_at"][:19]) + timedelta(seconds=60)  # emergency_identify_period
        assert datetime.fromisoformat(suspect["deployed_at"][:19]) <= rise_end, (suspect, audit["error_rise_at"])
    else:
        assert suspect["tag"] == check["running"].rsplit(":", 1)[-1], suspect
    assert audit["to_image"].endswith(":" + check["target"]) and audit["operation_id"] is None
    assert check["after"] == check["before"]
    assert "LACREI_SECRET_NOTIFY_WEBHOOK_URL" in text_of(runs["runner_dir"])


def test_the_api_drill_returns_its_report(runs):
    """The drill through the Python API gives its report back as data (the one API drill of the
    suite: tests/integration/python_api/test_drill_runbook.py checks the drill's arguments only)."""
    drill = runs["api"]["api drill"]
    report = json.loads(Path(drill.audit["drill_report"]).read_text())
    assert report["result"] == drill.audit["drill_result"] and report["result"] in ("pass", "passed")


def test_the_webhook_with_its_token_was_really_used(runs):
    """The emergency posted to the webhook URL holding the token (the receiver, standing in for the
    chat service, keeps the path it was called on)."""
    received = [json.loads(path.read_text()) for path in (runs["box"].state / "notifications").glob("*.json")]
    assert any(runs["secrets"]["webhook token"] in message["path"] for message in received)


def test_the_status_page_token_was_really_used(runs):
    """The emergency opened an incident on the sandbox's status page, which takes only that token."""
    calls = (runs["box"].state / "status-page" / "requests.jsonl").read_text().splitlines()
    assert {(json.loads(line)["method"], json.loads(line)["status"]) for line in calls} >= {("POST", 201), ("PATCH", 200)}


def test_no_secret_in_the_output_of_any_run(runs):
    secrets = runs["secrets"]
    found = {name: leaks(run.out, secrets) for name, run in runs["playbooks"].items()}
    found["molecule"] = leaks(runs["molecule"][1], secrets)
    assert {name: kinds for name, kinds in found.items() if kinds} == {}
    # -vvvv really was on: module invocations are shown
    assert "Loading collection lacrei.rollback" in runs["playbooks"]["list_images.yml"].out or \
        "ESTABLISH LOCAL CONNECTION" in runs["playbooks"]["list_images.yml"].out


def test_no_secret_in_the_audit_trail_reports_and_backup_manifests(runs):
    box, secrets = runs["box"], runs["secrets"]
    written = text_of(box.state / "reports") + (box.state / "audit.jsonl").read_text()
    written += "\n".join(path.read_text() for path in (box.state / "backups").glob("*.manifest.json"))
    assert leaks(written, secrets) == []
    assert any((box.state / "reports").glob("*.md"))  # the incident report was written


def test_no_secret_in_runner_artifacts_or_api_results(runs):
    secrets = runs["secrets"]
    assert leaks(text_of(runs["runner_dir"]), secrets) == []
    for name, result in runs["api"].items():
        assert leaks(repr(result), secrets) == [], name
        if hasattr(result, "events"):
            assert leaks(json.dumps(result.events, default=str), secrets) == [], name


def test_no_secret_in_molecule_files(runs):
    _rc, _out, ephemeral = runs["molecule"]
    box = runs["box"]
    assert leaks(text_of(ephemeral, skip=(ephemeral / "sandbox",)), runs["secrets"]) == []
    assert (ephemeral / "sandbox").resolve() == box.state.resolve()


SEALED_READ = re.compile(r"lacrei-sealed-read-v1:[0-9.]+:[A-Za-z0-9_=-]+")
KEY_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{43}(?![A-Za-z0-9])")


def test_the_sealed_service_read_opens_with_nothing_the_runs_left(runs):
    """The app rollback hands the preflight's DescribeService read (plain environment values) to the
    deploy sealed with a per-run key: the seals are in the -vvvv output, the key (43 letters and
    digits) is nowhere, so no string the runs left opens any seal."""
    box = runs["box"]
    texts = [run.out for run in runs["playbooks"].values()] + [text_of(runs["runner_dir"]),
                                                               (box.state / "audit.jsonl").read_text()]
    seals = {seal for text in texts for seal in SEALED_READ.findall(text)}
    assert seals, "no sealed read in the rollback's -vvvv output: the sealed path did not run"
    candidates = {word for text in texts for word in KEY_SHAPED.findall(text)}
    opened = [(seal[:40], key[:4]) for seal in seals for key in candidates
              if sealed_read.unseal(key, seal, box.arn, now=float(seal.split(":")[1]))[0] is not None]
    assert opened == []


def test_no_secret_in_any_process_argv(runs):
    watch = runs["argv"]
    assert watch.samples > 50
    assert watch.found == {}


def _secret_shaped(value, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _secret_shaped(v, str(k))]
    if isinstance(value, list):
        return [hit for item in value for hit in _secret_shaped(item, key)]
    if isinstance(value, str):
        hits = [value] if CREDENTIALS_IN_URL.search(value) else []
        return hits + ([f"{key}={value}"] if secret_names.is_secret_name(key) and value not in MASKS else [])
    return []


def test_committed_bench_results_hold_no_credentials():
    results = sorted((REPO / "bench" / "results").glob("*.json"))
    assert results
    found = {path.name: _secret_shaped(json.loads(path.read_text())) for path in results}
    assert {name: hits for name, hits in found.items() if hits} == {}
