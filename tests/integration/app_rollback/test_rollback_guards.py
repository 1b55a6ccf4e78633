"""What stops a rollback before it changes anything, what a failed one says, what survives
throttling and 500s, the production gate, --check, and a fleet of two services in one run."""
from __future__ import annotations

import pytest

from sandbox import images
from tests.integration.reliability.fault_proxy import FaultProxy
from tests.integration.sandbox_fixture import PLAYBOOK_TIMEOUT

HOST = "lacrei-saude-backend"


@pytest.fixture(scope="module")
def box(sandbox):
    """The sandbox plus an image whose SHA tag shares its first 8 characters with v1.1.0's."""
    twin = sandbox.sha("v1.1.0")[:8] + "0" * 32
    images.push_release_images(sandbox.ecr, sandbox.env["ECR_REPOSITORY"], {"twin": twin})
    return sandbox


@pytest.mark.parametrize("sha, message", [
    ("0123456789abcdef", "No image in ECR repository lacrei-saude-backend is tagged with a git SHA starting with"),
    ("not-a-sha!", "sha must be a git SHA of 7 to 40 hex digits"),
    ("AMBIGUOUS", "is ambiguous in ECR repository lacrei-saude-backend"),
])
def test_bad_sha_fails_before_any_change(box, sha, message):
    sha = box.sha("v1.1.0")[:7] if sha == "AMBIGUOUS" else sha
    before = box.operations()
    run = box.playbook("rollback_app.yml", "-e", f"sha={sha}")
    assert run.rc != 0 and message in run.out
    if "No image" in message:
        assert "newest tags: " in run.out and box.sha("v1.5.0") in run.out
    assert box.operations() == before
    assert box.audit()[-1]["result"] == "refused"


def test_update_while_a_deployment_runs_is_refused(box):
    # The pipeline's deployment stays in progress until the playbook has run (however long a busy
    # machine makes that): deploy_seconds is read while the operation waits, and lowered after.
    box.faults(deploy_seconds=PLAYBOOK_TIMEOUT + 60)
    try:
        source = box.service()["SourceConfiguration"]["ImageRepository"]
        box.apprunner.update_service(ServiceArn=box.arn, SourceConfiguration={
            "ImageRepository": dict(source, ImageIdentifier=box.image("v1.1.0"))})
        started = box.operations()[0]
        run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.0.0')}")
    finally:
        box.faults(deploy_seconds=1)
    assert run.rc != 0
    assert "is OPERATION_IN_PROGRESS, busy with UPDATE_SERVICE operation " + started["Id"] in run.out
    assert "started at " + started["StartedAt"].isoformat()[:19] in run.out
    box.settle()
    assert [op["Id"] for op in box.operations()][:1] == [started["Id"]]
    assert box.running() == box.image("v1.1.0")


def test_a_release_app_runner_rolls_back_fails_the_play(box):
    if box.running() != box.image("v1.1.0"):  # what this test starts from, whatever ran before it
        assert box.pipeline_deploy("v1.1.0") == "SUCCEEDED"
    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.4.0')}")
    assert run.rc != 0
    assert "ended ROLLBACK_SUCCEEDED" in run.out
    assert f"{box.image('v1.1.0')} is serving now" in run.out
    assert box.running() == box.image("v1.1.0")
    assert box.operations()[0]["Status"] == "ROLLBACK_SUCCEEDED"
    line = box.audit()[-1]
    assert line["result"] == "failed" and line["deploy_status"] == "ROLLBACK_SUCCEEDED"
    assert line["operation_id"] == box.operations()[0]["Id"]


def test_throttling_and_500s_are_retried_with_confirmation(box):
    box.faults(throttle=2, internal_error=2)
    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}",
                       "-e", "lacrei_require_confirmation=true", "-e", f"confirm={HOST}")
    assert run.rc == 0, run.out
    faults = box.emulator_state()["faults"]
    assert (faults["throttle"], faults["internal_error"]) == (0, 0)
    assert box.running() == box.image("v1.2.0")
    assert box.get("/api/appointments/")[0] == 200


def test_check_mode_reports_and_changes_nothing_even_unconfirmed(box):
    before = box.operations()
    # (v1.0.0 is behind v1.2.0's irreversible migration: the schema check is not what this is about.)
    run = box.playbook("rollback_app.yml", "--check", "--diff", "-e", f"sha={box.sha('v1.0.0')}",
                       "-e", "lacrei_require_confirmation=true", "-e", "schema_check=skip")
    assert run.rc == 0, run.out
    assert "would deploy" in run.out and box.image("v1.0.0") in run.out
    assert run.recap(HOST)["changed"] == 1
    assert box.operations() == before and box.running() == box.image("v1.2.0")
    assert box.audit()[-1]["check_mode"] is True


def test_production_gate_refuses_before_any_aws_call(box):
    box.faults(throttle=1)  # consumed by the first App Runner call, if any were made
    try:
        run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.0.0')}",
                           "-e", "lacrei_require_confirmation=true", "-e", "confirm=some-other-service")
        untouched = box.emulator_state()["faults"]["throttle"]
    finally:
        box.faults(throttle=0)
    assert run.rc != 0 and f"Run again with -e confirm={HOST}" in run.out
    assert untouched == 1
    line = box.audit()[-1]
    assert line["result"] == "refused" and "aws_caller_arn" not in line["who"] and "from_image" not in line
    assert box.running() == box.image("v1.2.0")


def test_inventory_placeholders_are_refused(box):
    inventory = box.write_inventory(box.state / "inventory-placeholder",
                                    {HOST: {"service_url": "https://REPLACE_ME.us-east-1.awsapprunner.com"}})
    run = box.playbook("rollback_app.yml", "-e", "target=previous", inventory=inventory)
    assert run.rc != 0 and "REPLACE_ME placeholders in service_url" in run.out


def test_a_fleet_rolls_back_in_one_run_each_on_its_own(box):
    second = create_second_service(box, "lacrei-saude-backend-2", "v1.1.0")
    assert box.pipeline_deploy("v1.3.0", second["ServiceArn"]) == "SUCCEEDED"
    assert box.pipeline_deploy("v1.3.0") == "SUCCEEDED"
    url = box.service(second["ServiceArn"])["ServiceUrl"]
    second_url = url if "://" in url else "http://" + url
    inventory = box.write_inventory(box.state / "inventory-fleet", {
        "lacrei-saude-backend-2": {"service_arn": second["ServiceArn"], "service_url": second_url}})

    # The second service goes back to v1.1.0, behind v1.2.0's irreversible migration in the database both
    # share: the schema check (tests/integration/app_rollback/test_schema_rollback.py) is not what this is about.
    run = box.playbook("rollback_app.yml", "-e", "target=previous", "--forks", "2", "-e", "schema_check=skip",
                       inventory=inventory)

    assert run.rc == 0, run.out
    assert box.running() == box.image("v1.2.0")
    assert box.running(second["ServiceArn"]) == box.image("v1.1.0")  # v1.2.0 never ran there
    assert box.get("/api/appointments/", base=second_url)[0] == 200
    lines = {line["service"]: line for line in box.audit()[-2:]}
    assert set(lines) == {HOST, "lacrei-saude-backend-2"}
    assert all(line["result"] == "ok" for line in lines.values())


def test_a_fleet_reads_the_caller_and_the_ecr_listing_once_per_account(box):
    """Three services, the third with other AWS settings (its play environment differs): the caller
    identity and the ECR listing are read once for the first two, and by the third on its own."""
    arns = [box.arn] + [create_second_service(box, f"{HOST}-{n}", "v1.2.0")["ServiceArn"] for n in (3, 4)]
    before = [box.running(arn) for arn in arns]
    sha = box.sha("v1.1.0")
    proxy = FaultProxy(box.env["AWS_ENDPOINT_URL_ECR"])  # moto, counting what reaches it
    try:
        secrets = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
        environment = {key: value for key, value in box.env.items() if key.startswith("AWS_") and key not in secrets}
        environment.update(AWS_ENDPOINT_URL_STS=proxy.url, AWS_ENDPOINT_URL_ECR=proxy.url)
        hosts = {HOST: {"lacrei_aws_environment": environment}}
        for n, arn in ((3, arns[1]), (4, arns[2])):
            hosts[f"{HOST}-{n}"] = {"service_arn": arn, "lacrei_aws_environment": environment}
        hosts[f"{HOST}-4"]["lacrei_aws_environment"] = dict(environment, AWS_EC2_METADATA_DISABLED="true")
        inventory = box.write_inventory(box.state / "inventory-fleet-once", hosts)
        run = box.playbook("rollback_app.yml", "--check", "-e", f"sha={sha}", "-e", "schema_check=skip",
                           inventory=inventory)
    finally:
        proxy.stop()
    assert run.rc == 0, run.out
    assert proxy.sent["GetCallerIdentity"] == 2, proxy.sent
    assert proxy.sent["AmazonEC2ContainerRegistry_V20150921.DescribeImages"] == 2, proxy.sent
    assert proxy.sent["AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"] == 2, proxy.sent
    lines = {line["service"]: line for line in box.audit()[-3:]}
    assert set(lines) == {HOST, f"{HOST}-3", f"{HOST}-4"}
    caller = box.client("sts", "AWS_ENDPOINT_URL_ECR").get_caller_identity()["Arn"]
    digest = box.ecr.describe_images(repositoryName=box.env["ECR_REPOSITORY"],
                                     imageIds=[{"imageTag": sha}])["imageDetails"][0]["imageDigest"]
    assert {line["who"].get("aws_caller_arn") for line in lines.values()} == {caller}
    assert {line["to_digest"] for line in lines.values()} == {digest}
    assert [box.running(arn) for arn in arns] == before  # --check


def create_second_service(box, name: str, version: str) -> dict:
    main = box.service()
    source = main["SourceConfiguration"]
    image = dict(source["ImageRepository"], ImageIdentifier=box.image(version))
    created = box.apprunner.create_service(
        ServiceName=name, HealthCheckConfiguration=main["HealthCheckConfiguration"],
        SourceConfiguration={"ImageRepository": image, "AutoDeploymentsEnabled": False,
                             "AuthenticationConfiguration": source["AuthenticationConfiguration"]})["Service"]
    return box.settle(created["ServiceArn"])


def test_failed_validation_fails_the_play_and_says_what_runs(box):
    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.3.0')}",
                       "-e", "endpoint_check_retries=1", "-e", "endpoint_check_delay=0")
    assert run.rc != 0
    assert "GET /api/appointments/ answered 500 (expected 200), body: <!doctype html> <html" in run.out
    assert f"now runs {box.image('v1.3.0')}" in run.out and f"running {box.image('v1.2.0')} before" in run.out
    line = box.audit()[-1]
    assert (line["result"], line["validation"], line["deploy_status"]) == ("failed", "failed", "SUCCEEDED")


def test_a_rollback_by_sha_reads_the_service_once_before_it_writes(box):
    """Before UpdateService, one DescribeService: the preflight's, which decides; the deploy's
    read-modify-write (and its configuration snapshot) is made from that read, handed over sealed
    (the environment values it holds travel encrypted with a key of the run, never shown)."""
    box.settle()
    box.emulator_requests(reset=True)
    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.1.0')}", "-e", "schema_check=skip",
                       "-e", "app_rollback_validate=false")
    assert run.rc == 0, run.out
    sequence = box.emulator_requests()["sequence"]
    before = sequence[:sequence.index("UpdateService")]
    assert before.count("DescribeService") == 1, sequence
    assert before.count("ListOperations") <= 2, sequence  # the lost-update baseline, plus the release history's never
    assert box.running() == box.image("v1.1.0")
