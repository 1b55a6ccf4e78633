"""rollback_app.yml and list_images.yml on the sandbox's ECS service and ECS Express Mode service
(`python -m sandbox up --ecs`, one sandbox for the module): a bad release (v1.3.0) goes out through
the pipeline (`python -m sandbox deploy --platform`); `target=previous` puts v1.2.0 back on both,
audited; the same SHA again changes nothing; --check touches nothing; a release whose health check
fails (v1.4.0) ends with ECS's own rollback (circuit breaker, failed canary) reported as a failure
that says what runs. Each playbook run works on both hosts at once (`-l`): the platforms are
checked side by side at the cost of one run. Without --ecs the inventory has no ECS host at all
(tests/unit/sandbox/test_ecs_inventory.py); the rest of this folder runs on such a sandbox."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.integration.sandbox_fixture import private_sandbox, sandbox_command

ECS, EXPRESS = "lacrei-saude-backend-ecs", "lacrei-saude-backend-express"
BOTH = f"{ECS},{EXPRESS}"


class EcsSandbox:
    """The sandbox seen through its ECS side."""

    def __init__(self, box):
        self.box = box
        self.env = box.env
        self.ecs = box.client("ecs", "AWS_ENDPOINT_URL_ECS")
        self.url = {ECS: self.env["ECS_SERVICE_URL"], EXPRESS: self.env["ECS_EXPRESS_SERVICE_URL"]}
        self.arn = {ECS: self.env["ECS_SERVICE_ARN"], EXPRESS: self.env["ECS_EXPRESS_SERVICE_ARN"]}

    def running(self, host: str) -> str:
        if host == EXPRESS:
            service = self.ecs.describe_express_gateway_service(serviceArn=self.arn[EXPRESS])["service"]
            return service["activeConfigurations"][0]["primaryContainer"]["image"]
        service = self.ecs.describe_services(cluster=self.env["ECS_CLUSTER"], services=[ECS])["services"][0]
        definition = self.ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        return definition["containerDefinitions"][0]["image"]

    def revision(self) -> str:
        service = self.ecs.describe_services(cluster=self.env["ECS_CLUSTER"], services=[ECS])["services"][0]
        return service["taskDefinition"].rsplit("/", 1)[1]

    def deployments(self, host: str) -> list[str]:
        return [d["serviceDeploymentArn"] for d in self.ecs.list_service_deployments(
            cluster=self.env["ECS_CLUSTER"], service=self.arn[host])["serviceDeployments"]]

    def state(self) -> dict:
        """What a run that changes nothing leaves as it was."""
        revisions = self.ecs.list_task_definitions(familyPrefix=ECS)["taskDefinitionArns"]
        return {host: (self.running(host), self.deployments(host)) for host in (ECS, EXPRESS)} | {"td": revisions}

    def faults(self, **settings) -> None:
        """The ECS emulator's faults (``deploy_seconds``: how long a deployment stays in flight)."""
        request = urllib.request.Request(self.env["AWS_ENDPOINT_URL_ECS"] + "/_emulator/faults",
                                         data=json.dumps(settings).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).read()

    def revision_running(self, image: str) -> str:
        """The ECS service's task definition revision (ARN) whose container runs ``image``."""
        for arn in self.ecs.list_task_definitions(familyPrefix=ECS)["taskDefinitionArns"]:
            definition = self.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            if definition["containerDefinitions"][0]["image"] == image:
                return arn
        raise AssertionError(f"no revision of {ECS} runs {image}")

    def audit(self, host: str) -> dict:
        """The host's newest audit line."""
        return next(line for line in reversed(self.box.audit()) if line.get("host") == host)


@pytest.fixture(scope="module")
def ecs_box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "app-rollback-ecs", rows=50, ecs=True) as box:
        sandbox_command(box.state, "deploy", "v1.3.0", "--platform", "ecs")
        sandbox_command(box.state, "deploy", "v1.3.0", "--platform", "ecs_express", "--skip-migrate")
        yield EcsSandbox(box)


def test_previous_puts_the_last_good_release_back_on_both_platforms(ecs_box):
    box = ecs_box.box
    for host in (ECS, EXPRESS):
        assert ecs_box.running(host) == box.image("v1.3.0")
        assert box.get("/api/appointments/", ecs_box.url[host])[0] == 500  # v1.3.0 is the bad release
    run = box.playbook("rollback_app.yml", "-l", BOTH, "-e", "target=previous")
    assert run.rc == 0, run.out
    for host in (ECS, EXPRESS):
        assert run.recap(host)["changed"] == 1
        assert ecs_box.running(host) == box.image("v1.2.0")
        assert box.get("/api/appointments/", ecs_box.url[host])[0] == 200
        line = ecs_box.audit(host)
        assert line["result"] == "ok" and line["validation"] == "passed" and line["requested"] == {"target": "previous"}
        assert (line["from_image"], line["to_image"]) == (box.image("v1.3.0"), box.image("v1.2.0"))
        assert line["deploy_status"] == "SUCCESSFUL" and line["operation_id"] == ecs_box.deployments(host)[0]
        assert line["service_arn"] == ecs_box.arn[host]
    assert "lacrei-saude-backend " not in run.out.split("PLAY RECAP")[1]  # -l: the App Runner host did not run
    # ECS reuses the revision that ran v1.2.0 (the service's first) rather than registering one
    assert ecs_box.audit(ECS)["task_definition_revision"] == ecs_box.revision() == f"{ECS}:1"
    assert ecs_box.audit(ECS)["platform"] == "ecs" and ecs_box.audit(EXPRESS)["platform"] == "ecs_express"
    assert f"task definition revision {ECS}:1, service deployment" in run.out


def test_list_images_shows_what_the_ecs_service_runs(ecs_box):
    box = ecs_box.box
    run = box.playbook("list_images.yml", "-l", ECS)
    assert run.rc == 0, run.out
    assert f"{ECS} (ECS service) runs {box.sha('v1.2.0')} / v1.2.0" in run.out
    row = next(line for line in run.out.splitlines() if f"{box.sha('v1.3.0')[:12]}  v1.3.0" in line)
    assert row.rstrip("\",").endswith(" ok")  # ran successfully, not running now
    assert EXPRESS not in run.out


def test_the_short_sha_of_what_runs_changes_nothing(ecs_box):
    box = ecs_box.box
    before = ecs_box.state()
    run = box.playbook("rollback_app.yml", "-l", BOTH, "-e", f"sha={box.sha('v1.2.0')[:7]}")
    assert run.rc == 0, run.out
    for host in (ECS, EXPRESS):
        assert run.recap(host)["changed"] == 0
        assert ecs_box.audit(host)["changed"] is False and ecs_box.audit(host)["requested"] == {
            "sha": box.sha("v1.2.0")[:7]}
    assert f"{ECS} already runs {box.sha('v1.2.0')} / v1.2.0" in run.out
    assert f"{EXPRESS} already runs {box.sha('v1.2.0')} / v1.2.0" in run.out
    assert ecs_box.state() == before


def test_check_mode_predicts_and_touches_nothing(ecs_box):
    box = ecs_box.box
    before = ecs_box.state()
    run = box.playbook("rollback_app.yml", "--check", "-l", BOTH, "-e", f"sha={box.sha('v1.4.0')[:8]}",
                       "-e", "schema_check=skip")  # (the schema check is no part of what check mode predicts here)
    assert run.rc == 0, run.out
    assert run.out.count("(check mode: would deploy)") == 2
    assert all(run.recap(host)["changed"] == 1 for host in (ECS, EXPRESS))
    assert ecs_box.state() == before


def test_a_release_ecs_rolls_back_fails_saying_what_runs(ecs_box):
    box = ecs_box.box
    run = box.playbook("rollback_app.yml", "-l", BOTH, "-e", f"sha={box.sha('v1.4.0')[:8]}")
    assert run.rc != 0
    good = box.image("v1.2.0")
    assert "ECS rolled it back (Circuit Breaker triggered" in run.out
    assert f"task definition revision {ECS}:1 runs {good} now" in run.out
    assert "ECS rolled it back (Canary failed: health check on /health/ failed" in run.out
    assert f"{good} serves now" in run.out
    for host in (ECS, EXPRESS):
        assert run.recap(host)["failed"] == 1
        assert ecs_box.running(host) == good and box.get("/api/appointments/", ecs_box.url[host])[0] == 200
        line = ecs_box.audit(host)
        assert line["result"] == "failed" and line["deploy_status"] == "ROLLBACK_SUCCESSFUL"
        assert line["operation_id"] == ecs_box.deployments(host)[0] and line["serving_image"] == good
    assert ecs_box.audit(ECS)["task_definition_revision"] == f"{ECS}:1"


def test_a_deployment_in_flight_is_refused_then_stopped_with_rollback_first(ecs_box):
    """Last in this module: v1.2.0 serves (the rollbacks above). A deployment of v1.3.0 stays in flight;
    a rollback to v1.2.0 is refused naming it, then with -e stop_in_flight=true it is stopped (ROLLBACK),
    which brings v1.2.0 back, and the run says so and audits it."""
    box = ecs_box.box
    good = box.image("v1.2.0")
    assert ecs_box.running(ECS) == good
    ecs_box.faults(deploy_seconds=600)
    try:
        ecs_box.ecs.update_service(cluster=ecs_box.env["ECS_CLUSTER"], service=ECS,
                                   taskDefinition=ecs_box.revision_running(box.image("v1.3.0")))
        in_flight = ecs_box.deployments(ECS)[0]
        args = ["-l", ECS, "-e", f"sha={box.sha('v1.2.0')[:8]}", "-e", "schema_check=skip"]
        refused = box.playbook("rollback_app.yml", *args)
        assert refused.rc != 0 and f"is busy with service deployment {in_flight}" in refused.out, refused.out
        assert "-e stop_in_flight=true" in refused.out and ecs_box.deployments(ECS)[0] == in_flight
        run = box.playbook("rollback_app.yml", *args, "-e", "stop_in_flight=true")
    finally:
        ecs_box.faults(deploy_seconds=1)
    assert run.rc == 0, run.out
    assert f"after stopping service deployment {in_flight} with ROLLBACK" in run.out
    assert ecs_box.running(ECS) == good and box.get("/api/appointments/", ecs_box.url[ECS])[0] == 200
    stopped = ecs_box.ecs.describe_service_deployments(serviceDeploymentArns=[in_flight])["serviceDeployments"][0]
    assert stopped["status"] == "ROLLBACK_SUCCESSFUL"
    line = ecs_box.audit(ECS)
    assert (line["result"], line["stopped_deployment"], line["serving_image"]) == ("ok", in_flight, good), line
