"""A service in the emulator with the live runtime really runs the commit of its image.

The tests of this module are one story, in order: create on v1.2.0, update to v1.3.0 (broken
appointment list), to v1.4.0 (unhealthy: rolled back), back to v1.2.0, a feature flag, the
telemetry, an emulator restart, and the deletion that stops everything.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from sandbox import images, procs
from sandbox.live import traffic
from sandbox.live.files import read_json, service_dir

from live_helpers import eventually, get, processes_under, repository_uri, wait_operation

HEALTH_CHECK = {"Protocol": "HTTP", "Path": "/health/", "Interval": 1, "Timeout": 2,
                "HealthyThreshold": 1, "UnhealthyThreshold": 3}
SSM_NAME = "/live/consultas/django-secret-key"
SECRET_NAME = "live/consultas/partner-token"


@pytest.fixture(scope="module")
def secret_refs(aws) -> dict:
    """{ENV: (reference, sha256 of the value)}: one SSM parameter, one Secrets Manager secret."""
    key, token = secrets.token_hex(16), secrets.token_hex(16)
    aws["ssm"].put_parameter(Name=SSM_NAME, Value=key, Type="SecureString", Overwrite=True)
    try:
        arn = aws["secretsmanager"].create_secret(Name=SECRET_NAME, SecretString=token)["ARN"]
    except aws["secretsmanager"].exceptions.ResourceExistsException:
        arn = aws["secretsmanager"].put_secret_value(SecretId=SECRET_NAME, SecretString=token)["ARN"]
    ssm_arn = f"arn:aws:ssm:us-east-1:123456789012:parameter{SSM_NAME}"
    return {"DJANGO_SECRET_KEY": (ssm_arn, _digest(key)), "PARTNER_API_TOKEN": (arn, _digest(token))}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def source(image: str, **variables: str) -> dict:
    return {"ImageRepository": {
        "ImageIdentifier": image, "ImageRepositoryType": "ECR",
        "ImageConfiguration": {"Port": "8000",
                               "RuntimeEnvironmentVariables": {"FEATURE_APPOINTMENTS": "on", **variables},
                               "RuntimeEnvironmentSecrets": STORY["secrets"]}},
        "AuthenticationConfiguration": {"AccessRoleArn": "arn:aws:iam::123456789012:role/apprunner-ecr"},
        "AutoDeploymentsEnabled": False}


STORY: dict = {"operations": {}}  # what the steps of the story hand on to the next ones


@pytest.fixture(scope="module")
def apprunner(emulator, secret_refs):
    STORY["secrets"] = {name: ref for name, (ref, _) in secret_refs.items()}
    return emulator.client()


def deploy(apprunner, label: str, image: str, **variables: str) -> dict:
    answer = apprunner.update_service(ServiceArn=STORY["arn"], SourceConfiguration=source(image, **variables))
    summary = wait_operation(apprunner, STORY["arn"], answer["OperationId"])
    STORY["operations"][label] = summary
    return summary


def backend() -> dict:
    return read_json(service_dir(STORY["state"], STORY["id"]) / "backend.json")


def env_value_digest(pid: int, name: str) -> str | None:
    """sha256 of variable ``name`` in /proc/<pid>/environ (the value itself is never shown)."""
    with open(f"/proc/{pid}/environ", "rb") as handle:
        for item in handle.read().split(b"\0"):
            key, _, value = item.partition(b"=")
            if key.decode() == name:
                return hashlib.sha256(value).hexdigest()
    return None


def test_create_serves_v120(apprunner, image_uris, release_shas, live_state):
    answer = apprunner.create_service(ServiceName="consultas-live", SourceConfiguration=source(image_uris["v1.2.0"]),
                                      HealthCheckConfiguration=HEALTH_CHECK)
    STORY.update(arn=answer["Service"]["ServiceArn"], id=answer["Service"]["ServiceId"], state=live_state)
    summary = wait_operation(apprunner, STORY["arn"], answer["OperationId"])
    STORY["operations"]["create"] = summary
    assert summary["Status"] == "SUCCEEDED"
    url = apprunner.describe_service(ServiceArn=STORY["arn"])["Service"]["ServiceUrl"]
    assert url.startswith("http://127.0.0.1:")
    STORY["url"] = url
    status, body = get(url + "/health/")
    assert (status, body["sha"]) == (200, release_shas["v1.2.0"])
    status, body = get(url + "/api/appointments/")
    assert status == 200 and body["count"] == 400


def test_secrets_reach_the_app_environment(secret_refs):
    pid = backend()["pid"]
    for name, (_, digest) in secret_refs.items():
        assert env_value_digest(pid, name) == digest, f"{name} is not the secret's value"
    assert env_value_digest(pid, "AWS_SECRET_ACCESS_KEY") is None


def test_update_to_v130_breaks_the_appointment_list(apprunner, image_uris, release_shas):
    digest = images.manifest_digest(release_shas["v1.3.0"])
    assert deploy(apprunner, "v1.3.0", f"{repository_uri()}@{digest}")["Status"] == "SUCCEEDED"
    status, body = get(STORY["url"] + "/health/")
    assert (status, body["sha"]) == (200, release_shas["v1.3.0"])
    assert [get(STORY["url"] + "/api/appointments/")[0] for _ in range(5)] == [500] * 5


def test_5xx_responses_reach_cloudwatch(aws):
    def total_5xx() -> float:
        now = datetime.now(timezone.utc)
        points = aws["cloudwatch"].get_metric_statistics(
            Namespace="AWS/AppRunner", MetricName="5xxStatusResponses",
            Dimensions=[{"Name": "ServiceName", "Value": "consultas-live"}, {"Name": "ServiceID", "Value": STORY["id"]}],
            StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=5), Period=3600, Statistics=["Sum"],
        )["Datapoints"]
        return sum(point["Sum"] for point in points)

    assert eventually(total_5xx, lambda total: total >= 5) >= 5

    def names() -> set:
        listed = aws["cloudwatch"].list_metrics(Namespace="AWS/AppRunner",
                                                Dimensions=[{"Name": "ServiceID", "Value": STORY["id"]}])["Metrics"]
        return {metric["MetricName"] for metric in listed}

    # CPU needs two samples of the same process group, so it can come one flush after the rest.
    wanted = {"Requests", "2xxStatusResponses", "5xxStatusResponses", "RequestLatency",
              "CPUUtilization", "MemoryUtilization"}
    assert wanted <= eventually(names, lambda found: wanted <= found)


def test_unhealthy_v140_rolls_back_and_v130_keeps_serving(apprunner, image_uris, release_shas):
    assert deploy(apprunner, "v1.4.0", image_uris["v1.4.0"])["Status"] == "ROLLBACK_SUCCEEDED"
    service = apprunner.describe_service(ServiceArn=STORY["arn"])["Service"]
    assert service["ServiceUrl"] == STORY["url"]
    assert "@sha256:" in service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]
    status, body = get(STORY["url"] + "/health/")
    assert (status, body["sha"]) == (200, release_shas["v1.3.0"])
    assert len(list(procs.pid_dir(STORY["state"]).glob(f"app-{STORY['id']}-*.pid"))) == 1


def test_back_to_v120_fixes_the_appointment_list(apprunner, image_uris, release_shas):
    assert deploy(apprunner, "back", image_uris["v1.2.0"])["Status"] == "SUCCEEDED"
    assert get(STORY["url"] + "/api/appointments/")[0] == 200
    assert get(STORY["url"] + "/health/")[1]["sha"] == release_shas["v1.2.0"]


def test_feature_flag_off_answers_503(apprunner, image_uris):
    assert deploy(apprunner, "flag-off", image_uris["v1.2.0"], FEATURE_APPOINTMENTS="off")["Status"] == "SUCCEEDED"
    assert get(STORY["url"] + "/api/appointments/")[0] == 503
    assert get(STORY["url"] + "/health/")[0] == 200


def test_missing_image_rolls_back(apprunner, release_shas):
    summary = deploy(apprunner, "missing", f"{repository_uri()}:no-such-tag")
    assert summary["Status"] == "ROLLBACK_SUCCEEDED"
    assert get(STORY["url"] + "/health/")[1]["sha"] == release_shas["v1.2.0"]


def test_pause_and_resume_keep_the_url(apprunner):
    for call, status in ((apprunner.pause_service, "PAUSED"), (apprunner.resume_service, "RUNNING")):
        answer = call(ServiceArn=STORY["arn"])
        assert wait_operation(apprunner, STORY["arn"], answer["OperationId"])["Status"] == "SUCCEEDED"
        assert apprunner.describe_service(ServiceArn=STORY["arn"])["Service"]["Status"] == status
        if status == "PAUSED":
            assert not procs.port_open(int(STORY["url"].rsplit(":", 1)[1]))
    assert apprunner.describe_service(ServiceArn=STORY["arn"])["Service"]["ServiceUrl"] == STORY["url"]
    assert get(STORY["url"] + "/api/appointments/")[0] == 503  # the flag survived the pause


def test_traffic_is_counted_per_status():
    summary = traffic.run(STORY["url"], rate=40, seconds=0.5, paths=["/health/", "/api/appointments/"])
    assert summary["requests"] == 20
    assert summary["by_path"] == {"/health/": {"200": 10}, "/api/appointments/": {"503": 10}}


def test_service_log_tells_each_operation(aws, release_shas):
    group = f"/aws/apprunner/consultas-live/{STORY['id']}/service"
    text = "\n".join(event["message"] for event in
                     aws["logs"].filter_log_events(logGroupName=group)["events"])
    ops = STORY["operations"]
    for label in ("create", "v1.3.0", "back", "flag-off"):
        assert f"[AppRunner] Deployment with ID : {ops[label]['Id']} completed successfully." in text
    failed = ops["v1.4.0"]["Id"]
    assert f"[AppRunner] Deployment with ID : {failed} started. Triggering event : SERVICE_UPDATE" in text
    assert f"[AppRunner] Deployment with ID : {failed} failed. Failure reason : Health check failed." in text
    assert "[AppRunner] Health check on path [/health/] failed: HTTP 500." in text
    assert f"[AppRunner] Deployment Artifact: [Repo Type: ECR], [Image URL: {repository_uri()}], " \
           f"[Image Tag: {images.manifest_digest(release_shas['v1.3.0'])}]" in text
    assert "[AppRunner] Rolling back to the previous version:" in text
    assert f"[AppRunner] Deployment with ID : {ops['missing']['Id']} failed. Failure reason : Image pull failed." in text
    assert "Triggering event : SERVICE_RESUME" in text


def test_application_log_holds_the_app_output(aws):
    group = f"/aws/apprunner/consultas-live/{STORY['id']}/application"

    def messages() -> str:
        return "\n".join(event["message"] for event in aws["logs"].filter_log_events(logGroupName=group)["events"])

    text = eventually(messages, lambda found: "AttributeError" in found and "Booting worker" in found)
    assert "AttributeError" in text  # v1.3.0's traceback
    assert "Booting worker" in text


def test_emulator_restart_keeps_the_url_and_the_instance(emulator, apprunner):
    before = backend()
    emulator.stop()
    assert get(STORY["url"] + "/health/")[0] == 200  # the URL does not depend on the emulator
    emulator.start()
    assert emulator.client().describe_service(ServiceArn=STORY["arn"])["Service"]["ServiceUrl"] == STORY["url"]
    assert backend()["pid"] == before["pid"]


def test_emulator_restart_starts_a_dead_instance_again(emulator, release_shas):
    before = backend()
    emulator.stop()
    procs.stop(before["name"], STORY["state"])
    procs.stop(f"proxy-{STORY['id']}", STORY["state"])
    emulator.start()
    assert backend()["pid"] != before["pid"]
    status, body = get(STORY["url"] + "/health/")
    assert (status, body["sha"]) == (200, release_shas["v1.2.0"])
    assert get(STORY["url"] + "/api/appointments/")[0] == 503  # same configuration: flag still off


def test_delete_stops_every_process(emulator, live_state):
    client = emulator.client()
    answer = client.delete_service(ServiceArn=STORY["arn"])
    assert wait_operation(client, STORY["arn"], answer["OperationId"])["Status"] == "SUCCEEDED"
    assert not [p for p in procs.pid_dir(live_state).glob("*.pid")
                if p.stem.startswith(("app-", "proxy-")) and procs.read_pid(p.stem, live_state)]
    assert not procs.port_open(int(STORY["url"].rsplit(":", 1)[1]))
    emulator.stop()
    assert processes_under(live_state) == []
