"""drill.yml and emergency.yml on the ECS Express Mode service (the folder's shared sandbox with ECS,
conftest.py), one run each: the app_rollback drill ships v1.3.0 (GET /api/appointments/ answers 500)
to the Express service, detects it and rolls it back to v1.2.0 with Express Mode service
deployments; then v1.3.0 goes out through the pipeline and `emergency.yml -e sha=<v1.2.0>`
identifies it from the Express service's own service deployments, rolls back, validates and
watches it, with the incident report and the audit line."""
from __future__ import annotations

import json
from pathlib import Path

from ecs_sandbox import EXPRESS_HOST

from tests.integration.sandbox_fixture import sandbox_command

SHORT_WINDOWS = ("-e", "emergency_identify_window=2m", "-e", "emergency_identify_period=5s",
                 "-e", "emergency_monitor_window=5s", "-e", "emergency_monitor_interval=5s",
                 "-e", "emergency_monitor_metrics_delay=2s", "-e", "emergency_monitor_breach_intervals=1",
                 "-e", "emergency_validate_delay=1")


def deployments(box) -> list[str]:
    return [d["serviceDeploymentArn"] for d in box.ecs.list_service_deployments(
        cluster=box.env["ECS_CLUSTER"], service=box.env["ECS_EXPRESS_SERVICE_ARN"])["serviceDeployments"]]


def test_drill_then_emergency_on_the_express_service(box, inventory):
    arn, url = box.env["ECS_EXPRESS_SERVICE_ARN"], box.env["ECS_EXPRESS_SERVICE_URL"]
    name = arn.rsplit("/", 1)[-1]
    ecs_before = box.service()["currentServiceDeployment"]
    known = set(deployments(box))

    drill = box.playbook("drill.yml", "-l", EXPRESS_HOST, "-e", "drill=app_rollback", inventory=inventory)
    assert drill.rc == 0, drill.out[-6000:]
    assert box.running_image(EXPRESS_HOST) == box.image("v1.2.0") and box.get("/api/appointments/", url)[0] == 200
    report_path = sorted((box.state / "reports").glob("drill-app_rollback-*.json"))[-1]
    report = json.loads(report_path.read_text())
    assert (report["result"], report["platform"], report["ecs_service"]) == ("pass", "ecs_express", arn)
    assert (report["from_version"], report["to_version"]) == ("v1.3.0", "v1.2.0")
    assert (report["rolled_back_by"], report["detected_by"]) == ("lacrei.rollback.app_rollback", ["validation"])
    assert report["time_to_recover_seconds"] > 0
    # the release under test went out as an Express Mode service deployment of this service
    assert report["deployment_under_test"]["operation_id"] in set(deployments(box)) - known
    drill_audit = [line for line in box.audit() if line.get("runbook") == "drill"][-1]
    assert drill_audit["drill_result"] == "pass" and drill_audit["drill_report"] == str(report_path)

    sandbox_command(box.state, "deploy", "v1.3.0", "--platform", "ecs_express", "--skip-migrate")
    assert box.running_image(EXPRESS_HOST) == box.image("v1.3.0") and box.get("/api/appointments/", url)[0] == 500
    bad_deployment = deployments(box)[0]

    run = box.playbook("emergency.yml", "-l", EXPRESS_HOST, "-e", f"sha={box.sha('v1.2.0')}", *SHORT_WINDOWS,
                       inventory=inventory)
    assert run.rc == 0, run.out[-6000:]
    assert box.running_image(EXPRESS_HOST) == box.image("v1.2.0") and box.get("/api/appointments/", url)[0] == 200
    assert deployments(box)[0] != bad_deployment
    assert "SUSPECTED DEPLOY: v1.3.0" in run.out
    audit = [line for line in box.audit() if line.get("runbook") == "emergency"][-1]
    assert (audit["service"], audit["result"], audit["outcome"]) == (name, "ok", "recovered")
    assert (audit["from_version"], audit["to_version"]) == ("v1.3.0", "v1.2.0")
    assert audit["suspect"]["operation_id"] == bad_deployment and audit["suspect"]["version"] == "v1.3.0"
    incident = Path(audit["incident_report"])
    data = json.loads(incident.with_suffix(".json").read_text())
    assert (data["result"], data["service"]) == ("recovered", name)
    assert data["operations"][0]["type"] == "SERVICE_DEPLOYMENT"
    assert data["metrics_after"]["verdict"]["status"] == "healthy", data["metrics_after"]
    assert "Time to recovery" in incident.read_text()
    assert box.service()["currentServiceDeployment"] == ecs_before  # -l: the ECS service untouched
