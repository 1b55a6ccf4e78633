"""emergency.yml on the ECS service (the folder's shared sandbox with ECS, conftest.py): v1.3.0
(GET /api/appointments/ answers 500) goes out through the pipeline, `emergency.yml -l <ECS host>
-e sha=<v1.2.0>` identifies it from the service's own service deployments, rolls the ECS service
back, validates and watches it with the ECS service's metrics, writes the incident report and the
audit line."""
from __future__ import annotations

import json
from pathlib import Path

from ecs_sandbox import ECS_HOST

from tests.integration.sandbox_fixture import sandbox_command

SHORT_WINDOWS = ("-e", "emergency_identify_window=2m", "-e", "emergency_identify_period=5s",
                 "-e", "emergency_monitor_window=5s", "-e", "emergency_monitor_interval=5s",
                 "-e", "emergency_monitor_metrics_delay=2s", "-e", "emergency_monitor_breach_intervals=1",
                 "-e", "emergency_validate_delay=1")


def running_image(box) -> str:
    return box.task_definition()["containerDefinitions"][0]["image"]


def test_emergency_rolls_the_ecs_service_back_and_reports(box, inventory):
    if running_image(box) != box.image("v1.3.0"):  # another test of the folder may have left it there
        sandbox_command(box.state, "deploy", "v1.3.0", "--platform", "ecs")
    assert running_image(box) == box.image("v1.3.0")
    assert box.get("/api/appointments/", box.env["ECS_SERVICE_URL"])[0] == 500
    bad_deployment = box.service()["currentServiceDeployment"]  # the deployment that runs v1.3.0

    run = box.playbook("emergency.yml", "-l", ECS_HOST, "-e", f"sha={box.sha('v1.2.0')}", *SHORT_WINDOWS,
                       inventory=inventory)
    assert run.rc == 0, run.out[-6000:]
    assert run.recap(ECS_HOST)["failed"] == 0
    assert box.env["APPRUNNER_SERVICE_NAME"] + " " not in run.out.split("PLAY RECAP")[1]  # -l: App Runner untouched

    # execute: the ECS service runs v1.2.0 again (a new service deployment), and answers.
    assert running_image(box) == box.image("v1.2.0")
    assert box.service()["currentServiceDeployment"] != bad_deployment
    assert box.get("/api/appointments/", box.env["ECS_SERVICE_URL"])[0] == 200

    # identify: the suspect is the pipeline's service deployment of v1.3.0, named by its ECS ARN.
    assert "SUSPECTED DEPLOY: v1.3.0" in run.out
    audit = [line for line in box.audit() if line.get("runbook") == "emergency"][-1]
    assert audit["service"] == box.env["ECS_SERVICE"] and audit["result"] == "ok" and audit["outcome"] == "recovered"
    assert (audit["from_version"], audit["to_version"]) == ("v1.3.0", "v1.2.0")
    # the suspect: a service deployment of this service that deployed v1.3.0 (its ECS ARN, not an App Runner id)
    suspect = box.ecs.describe_service_deployments(serviceDeploymentArns=[audit["suspect"]["operation_id"]])
    [deployment] = suspect["serviceDeployments"]
    assert deployment["serviceArn"] == box.env["ECS_SERVICE_ARN"] and deployment["status"] == "SUCCESSFUL"
    [revision] = box.ecs.describe_service_revisions(
        serviceRevisionArns=[deployment["targetServiceRevision"]["arn"]])["serviceRevisions"]
    deployed = box.ecs.describe_task_definition(taskDefinition=revision["taskDefinition"])["taskDefinition"]
    assert deployed["containerDefinitions"][0]["image"] == box.image("v1.3.0")
    assert audit["suspect"]["version"] == "v1.3.0"
    report_path = Path(audit["incident_report"])
    report = json.loads(report_path.with_suffix(".json").read_text())
    assert report["result"] == "recovered" and report["service"] == box.env["ECS_SERVICE"]
    assert report["to"]["tag"] == box.sha("v1.2.0")
    assert report["operations"][0]["type"] == "SERVICE_DEPLOYMENT"
    assert report["operations"][0]["id"].startswith("arn:aws:ecs:")
    # validate: the monitor watched the ECS service, through its own metrics.
    assert report["metrics_after"]["verdict"]["status"] == "healthy", report["metrics_after"]
    assert report_path.is_file() and "Time to recovery" in report_path.read_text()
