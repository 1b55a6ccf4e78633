"""`make sandbox` / `make sandbox-down`: idempotent start, a complete env file, nothing left behind."""
from __future__ import annotations

import json
import os
import urllib.request
import subprocess
from pathlib import Path

import boto3
import pytest

from sandbox import envfile, procs
from sandbox.live.telemetry import log_group

REPO = Path(__file__).resolve().parents[3]
REQUIRED_KEYS = {
    "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL_APPRUNNER", "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "ECR_REPOSITORY",
    "APPRUNNER_SERVICE_ARN", "SERVICE_URL", "APP_REPO", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE",
    "DATABASE_URL", "WEBHOOK_URL", "STATUS_PAGE_URL", "STATUS_PAGE_ID", "STATUS_PAGE_COMPONENT_ID",
    "LACREI_STATUS_PAGE_TOKEN",
}


def make(target: str, state: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_DIR": str(state)}
    return subprocess.run(["make", "--no-print-directory", target], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if (text in cmdline or text in environ) and int(proc.name) != os.getpid():
            found.append(f"{proc.name}: {cmdline}")
    return found


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("lifecycle") / "state"
    first = make("sandbox", state)
    assert first.returncode == 0, first.stdout + first.stderr
    yield state
    make("sandbox-down", state)


def test_env_file_has_every_endpoint_and_name(sandbox):
    values = envfile.read(sandbox / "env")
    assert REQUIRED_KEYS <= values.keys(), REQUIRED_KEYS - values.keys()
    for key, value in values.items():
        if key.startswith("AWS_ENDPOINT_URL_"):
            assert value.startswith("http://127.0.0.1:"), (key, value)
    assert values["ECR_REPOSITORY"] == "lacrei-saude-backend"


def test_seeded_service_runs_v1_2_0_and_ecr_has_every_release(sandbox):
    values = envfile.read(sandbox / "env")
    session = boto3.session.Session(aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
                                    region_name=values["AWS_REGION"])
    ecr = session.client("ecr", endpoint_url=values["AWS_ENDPOINT_URL_ECR"])
    images = ecr.describe_images(repositoryName=values["ECR_REPOSITORY"])["imageDetails"]
    sha_tags = {t for image in images for t in image["imageTags"] if len(t) == 40}
    release_shas = {v for k, v in values.items() if k.startswith("RELEASE_") and k.endswith("_SHA")}
    assert len(release_shas) >= 5 and release_shas <= sha_tags
    apprunner = session.client("apprunner", endpoint_url=values["AWS_ENDPOINT_URL_APPRUNNER"])
    service = apprunner.describe_service(ServiceArn=values["APPRUNNER_SERVICE_ARN"])["Service"]
    assert service["Status"] == "RUNNING"
    running_tag = service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"].rsplit(":", 1)[1]
    assert running_tag == values["RELEASE_V1_2_0_SHA"]


def test_service_url_serves_v1_2_0_against_the_seeded_database(sandbox):
    values = envfile.read(sandbox / "env")
    with urllib.request.urlopen(values["SERVICE_URL"] + "/health/", timeout=10) as answer:
        health = json.load(answer)
    assert health["sha"] == values["RELEASE_V1_2_0_SHA"] and health["database"] == "ok"
    with urllib.request.urlopen(values["SERVICE_URL"] + "/api/appointments/", timeout=10) as answer:
        assert json.load(answer)["count"] > 0
    names = {p.stem for p in (sandbox / "pids").glob("*.pid")}
    assert {"moto", "apprunner", "postgres", "alarms"} <= names
    assert any(n.startswith("proxy-") for n in names) and any(n.startswith("app-") for n in names)


def test_second_start_reuses_running_processes(sandbox):
    before = {p.stem: procs.read_pid(p.stem, sandbox) for p in (sandbox / "pids").glob("*.pid")}
    token = envfile.read(sandbox / "env")["LACREI_STATUS_PAGE_TOKEN"]
    again = make("sandbox", sandbox)
    assert again.returncode == 0, again.stderr
    after = {p.stem: procs.read_pid(p.stem, sandbox) for p in (sandbox / "pids").glob("*.pid")}
    assert before == after and all(before.values())
    # the reused receiver keeps the status page token it was started with, and so does the env file
    assert envfile.read(sandbox / "env")["LACREI_STATUS_PAGE_TOKEN"] == token


def test_down_leaves_no_process_and_up_comes_back(sandbox):
    pids = [procs.read_pid(p.stem, sandbox) for p in (sandbox / "pids").glob("*.pid")]
    assert pids and all(pids)
    down = make("sandbox-down", sandbox)
    assert down.returncode == 0, down.stderr
    assert not [pid for pid in pids if procs.pid_alive(pid)]
    assert processes_mentioning(str(sandbox)) == []
    before = envfile.read(sandbox / "env")["APPRUNNER_SERVICE_ARN"]
    back = make("sandbox", sandbox)
    assert back.returncode == 0, back.stderr
    values = envfile.read(sandbox / "env")
    session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                    region_name=values["AWS_REGION"])
    apprunner = session.client("apprunner", endpoint_url=values["AWS_ENDPOINT_URL_APPRUNNER"])
    service = apprunner.describe_service(ServiceArn=values["APPRUNNER_SERVICE_ARN"])["Service"]
    assert service["Status"] == "RUNNING"
    # moto started afresh, so did the App Runner side: a new service whose successful deployment
    # is in the (new) service event log, as "the previous good release" needs it.
    assert values["APPRUNNER_SERVICE_ARN"] != before
    assert [s["ServiceArn"] for s in apprunner.list_services()["ServiceSummaryList"]] == [service["ServiceArn"]]
    logs = session.client("logs", endpoint_url=values["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"])
    group = log_group(service["ServiceName"], service["ServiceId"], "service")
    lines = [event["message"] for event in logs.get_log_events(logGroupName=group, logStreamName="events")["events"]]
    assert any("completed successfully" in line for line in lines), lines
