"""playbooks/deploy.yml (the guarded deploy) on an ECS service and an ECS Express Mode service, on the
folder's shared sandbox with ECS (conftest.py), in four runs.

One run ships a bad release to each host (the release is a host var here, so one run covers both):
the ECS host gets v1.4.0, whose health check fails, so ECS's circuit breaker rolls the service
deployment back itself, and the guarded deploy reports the failure, finds v1.2.0 serving again and
deploys nothing else; the Express host gets v1.3.0 (GET /api/appointments/ answers 500): its
validation fails and the guarded deploy rolls it back to the release it ran before. Then --check of
v1.5.0 (a migration) touches nothing, v1.5.0 ships on the ECS service behind a verified backup, and
a second run changes nothing. v1.5.0 migrates the database the services share: this file runs last
in the folder (each test before it rolls back to v1.2.0)."""
from __future__ import annotations

import json

from ecs_sandbox import ECS_HOST, EXPRESS_HOST

from sandbox import postgres
from tests.integration.sandbox_fixture import sandbox_command

SHORT_BAKE = ("-e", "bake=10s", "-e", "guarded_deploy_breach_intervals=1", "-e", "guarded_deploy_validate_delay=1")


def reports(box, service: str) -> list:
    return sorted((box.state / "reports").glob(f"deploy-{service}-*.json"))


def last_audit(box, host: str) -> dict:
    return next(line for line in reversed(box.audit()) if line.get("host") == host and line.get("runbook") == "deploy")


def revisions(box) -> list[str]:
    return box.ecs.list_task_definitions(familyPrefix=box.env["ECS_SERVICE"])["taskDefinitionArns"]


def applied(box) -> list[str]:
    return [name for (name,) in postgres.query(box.env["DATABASE_URL"],
                                               "SELECT name FROM django_migrations WHERE app = 'appointments'")]


def test_bad_releases_end_back_on_the_release_that_ran_before(box, tmp_path):
    v120 = box.image("v1.2.0")
    for host, platform in ((ECS_HOST, "ecs"), (EXPRESS_HOST, "ecs_express")):
        if box.running_image(host) != v120:  # another test of the folder may have left another release
            sandbox_command(box.state, "deploy", "v1.2.0", "--platform", platform, "--skip-migrate")
        assert box.running_image(host) == v120
    good_revision = box.service()["taskDefinition"]
    hosts = box.hosts()
    hosts[ECS_HOST]["sha"] = box.sha("v1.4.0")  # its health check fails: ECS's circuit breaker
    hosts[EXPRESS_HOST]["sha"] = box.sha("v1.3.0")  # /api/appointments/ answers 500: the validation
    inventory = box.write_inventory(tmp_path / "inventory", hosts)

    run = box.playbook("deploy.yml", "-l", f"{ECS_HOST},{EXPRESS_HOST}", *SHORT_BAKE, inventory=inventory)
    assert run.rc != 0, run.out[-6000:]
    for host, url in ((ECS_HOST, box.env["ECS_SERVICE_URL"]), (EXPRESS_HOST, box.env["ECS_EXPRESS_SERVICE_URL"])):
        assert run.recap(host)["failed"] == 1
        assert box.running_image(host) == v120 and box.get("/api/appointments/", url)[0] == 200
    assert box.service()["taskDefinition"] == good_revision  # the revision that ran v1.2.0, no other

    ecs, express = box.env["ECS_SERVICE"], box.env["ECS_EXPRESS_SERVICE_ARN"].rsplit("/", 1)[-1]
    out = " ".join(run.out.split())
    # ECS: the circuit breaker's rollback is the failure; what runs is checked, nothing else is deployed.
    assert f"Guarded deploy of v1.4.0 to {ecs} was ROLLED BACK AUTOMATICALLY: it failed the deploy" in out
    assert "Circuit Breaker triggered" in out and "ECS rolled the service deployment back itself" in out
    assert f"{ecs} already runs {box.sha('v1.2.0')} / v1.2.0" in out  # the app rollback deployed nothing
    # Express Mode: the validation failed, the app rollback put v1.2.0 back with a service deployment.
    assert f"Guarded deploy of v1.3.0 to {express} was ROLLED BACK AUTOMATICALLY: it failed the validate" in out

    for host, service, version, phase in ((ECS_HOST, ecs, "v1.4.0", "deploy"), (EXPRESS_HOST, express, "v1.3.0", "validate")):
        report = json.loads(reports(box, service)[-1].read_text())
        assert (report["result"], report["release"]["version"], report["serving"]) == ("rolled back", version, "v1.2.0")
        assert report["platform"] == ("ecs" if host == ECS_HOST else "ecs_express")
        assert report["tripped"]["phase"] == phase and report["time_to_recover_seconds"] is not None
        assert report["deployment"]["operation_id"].startswith("arn:aws:ecs:")
        audit = last_audit(box, host)
        assert (audit["result"], audit["service"], audit["platform"]) == ("failed", service, report["platform"])
        assert audit["outcome"].startswith(f"rolled back automatically: {version} failed the {phase}")
        assert (audit["to_version"], audit["serving_version"], audit["from_version"]) == (version, "v1.2.0", "v1.2.0")
        assert audit["rolled_back_to"] == v120 and audit["service_arn"].startswith("arn:aws:ecs:")
    ecs_report = json.loads(reports(box, ecs)[-1].read_text())
    assert ecs_report["tripped"]["platform_rolled_back"] is True
    assert ecs_report["deployment"]["status"] == "ROLLBACK_SUCCESSFUL"
    markdown = reports(box, ecs)[-1].with_suffix(".md").read_text()
    assert "service deployment `arn:aws:ecs:" in markdown and f"# Guarded deploy of v1.4.0 to {ecs}: rolled back" in markdown


def test_a_good_release_ships_on_ecs_and_a_second_deploy_changes_nothing(box, inventory):
    ecs, v150 = box.env["ECS_SERVICE"], box.sha("v1.5.0")
    assert box.running_image(ECS_HOST) == box.image("v1.2.0")
    before = (box.service()["currentServiceDeployment"], revisions(box), len(reports(box, ecs)))

    checked = box.playbook("deploy.yml", "-l", ECS_HOST, "-e", f"sha={v150}", "--check", *SHORT_BAKE, inventory=inventory)
    assert checked.rc == 0, checked.out[-4000:]
    assert "v1.5.0 brings 1 migration(s): appointments.0003_appointment_booking_channel" in checked.out
    assert f"{ecs}: v1.2.0 -> v1.5.0 (check mode: would deploy" in checked.out
    assert (box.service()["currentServiceDeployment"], revisions(box), len(reports(box, ecs))) == before
    assert "0003_appointment_booking_channel" not in applied(box)

    run = box.playbook("deploy.yml", "-l", ECS_HOST, "-e", f"sha={v150}", *SHORT_BAKE, inventory=inventory)
    assert run.rc == 0, run.out[-6000:]
    assert box.running_image(ECS_HOST) == box.image("v1.5.0")
    assert "0003_appointment_booking_channel" in applied(box)
    revision = box.service()["taskDefinition"].rsplit("/", 1)[1]
    assert revision not in [arn.rsplit("/", 1)[1] for arn in before[1]]  # a new revision with only the image changed
    assert f"(task definition revision {revision}, service deployment arn:aws:ecs:" in run.out
    report = json.loads(reports(box, ecs)[-1].read_text())
    assert (report["result"], report["serving"], report["tripped"]) == ("released", "v1.5.0", None)
    assert report["deployment"]["task_definition_revision"] == revision
    assert report["deployment"]["status"] == "SUCCESSFUL"
    assert report["database"]["migrations"] == ["appointments.0003_appointment_booking_channel"]
    assert report["database"]["backup_path"]
    audit = last_audit(box, ECS_HOST)
    assert (audit["result"], audit["outcome"]) == ("ok", "released: v1.5.0 serves after a 10s bake")
    assert audit["task_definition_revision"] == revision and audit["platform"] == "ecs"

    deployment = box.service()["currentServiceDeployment"]
    again = box.playbook("deploy.yml", "-l", ECS_HOST, "-e", f"sha={v150}", *SHORT_BAKE, inventory=inventory)
    assert again.rc == 0, again.out[-4000:]
    assert again.recap(ECS_HOST)["changed"] == 0
    assert f"{ecs} already serves" in again.out
    assert box.service()["currentServiceDeployment"] == deployment and len(reports(box, ecs)) == before[2] + 1
    assert last_audit(box, ECS_HOST)["outcome"] == "already serving v1.5.0: nothing deployed"
