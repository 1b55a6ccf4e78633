"""monitor.yml and the configuration runbooks on an ECS service and an ECS Express Mode service,
against ONE private sandbox with ECS (`sandbox up --ecs`: the live runtime runs the releases behind
both services, publishes AWS/ECS and AWS/ApplicationELB metrics and ships the app's output to the
container's awslogs group).

The story: the ECS service's configuration is snapshotted, someone turns FEATURE_APPOINTMENTS off
with a task definition revision of their own (/api/appointments/ answers 503), rollback_config.yml
restores it with a new revision (503 -> 200), a second run changes nothing, --check touches nothing.
Then v1.3.0 (GET /api/appointments/ answers 500) runs on the ECS service while the Express service
keeps v1.2.0: one monitor.yml run judges the first unhealthy and the second healthy, each from
its own metrics.
"""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from ecs_sandbox import ECS_HOST, EXPRESS_HOST
from sandbox.ecs.ids import load_balancer
from tests.integration.monitor.monitor_run import run_monitor
from tests.integration.sandbox_fixture import sandbox_command

def test_config_rollback_on_ecs_restores_the_container_environment(box, inventory):
    ecs = ("--limit", ECS_HOST)
    url = box.env["ECS_SERVICE_URL"]
    assert box.get("/api/appointments/", url)[0] == 200
    rc, out = box.playbook("snapshot_config.yml", *ecs, inventory=inventory)
    assert rc == 0 and "saved snapshot 1" in out, out
    assert box.snapshot_versions() == [1]

    box.change_variable_outside("FEATURE_APPOINTMENTS", "off")
    bad_revision = box.service()["taskDefinition"]
    assert box.get("/api/appointments/", url)[0] == 503

    rc, checked = box.playbook("rollback_config.yml", "-e", "config_version=previous", "--check", *ecs, inventory=inventory)
    assert rc == 0 and "check mode: would be" in checked, checked
    assert box.service()["taskDefinition"] == bad_revision and box.snapshot_versions() == [1]

    rc, rolled = box.playbook("rollback_config.yml", "-e", "config_version=previous", *ecs, inventory=inventory)
    assert rc == 0, rolled
    assert "FEATURE_APPOINTMENTS=off" in rolled and "FEATURE_APPOINTMENTS=on" in rolled  # the diff
    assert "Roll services' configuration back" in rolled and f"{box.env['ECS_SERVICE']}: configuration restored" in rolled
    service = box.service()
    assert service["taskDefinition"] != bad_revision  # a new revision ...
    assert int(service["taskDefinition"].rsplit(":", 1)[-1]) == int(bad_revision.rsplit(":", 1)[-1]) + 1
    assert box.variables()["FEATURE_APPOINTMENTS"] == "on"  # ... with the old environment
    definition = box.task_definition()["containerDefinitions"][0]
    assert definition["image"] == box.image("v1.2.0")  # only the environment changed
    assert box.get("/api/appointments/", url)[0] == 200
    assert box.snapshot_versions() == [1, 2]  # the configuration rolled back from
    record = box.audit()[-1]
    assert (record["runbook"], record["service"], record["platform"], record["validation"]) == \
        ("config-rollback", box.env["ECS_SERVICE"], "ecs", "passed")
    assert record["operation_id"].startswith("arn:aws:ecs:") and record["deploy_status"] == "SUCCESSFUL"

    again = box.playbook("rollback_config.yml", "-e", "config_version=previous", *ecs, inventory=inventory)
    assert again.rc == 0, again.out  # a second run: nothing to do
    assert again.recap(ECS_HOST)["changed"] == 0, again.out
    assert "already runs that configuration" in again.out
    assert box.service()["taskDefinition"] == service["taskDefinition"]

    rc, listed = box.playbook("list_configs.yml", *ecs, inventory=inventory)
    assert rc == 0 and "before restoring configuration snapshot 1" in listed, listed


def traffic(urls: list[str], stop: threading.Event) -> None:
    """About 5 requests a second to each service's API until ``stop`` (bounded by the test's run)."""
    paths = ("/api/professionals/", "/api/appointments/", "/health/")
    index = 0
    while not stop.wait(0.2):
        for url in urls:
            try:
                with urllib.request.urlopen(url + paths[index % len(paths)], timeout=5) as answer:  # noqa: S310 - loopback
                    answer.read()
            except (urllib.error.URLError, OSError):
                pass
        index += 1


def test_monitor_judges_ecs_and_express_services_from_their_own_metrics(box, inventory):
    sandbox_command(box.state, "deploy", "v1.3.0", "--platform", "ecs")
    assert box.sha("v1.3.0") in box.get("/health/", box.env["ECS_SERVICE_URL"])[1]
    stop = threading.Event()
    thread = threading.Thread(target=traffic, args=([box.env["ECS_SERVICE_URL"], box.env["ECS_EXPRESS_SERVICE_URL"]], stop),
                              daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        run = run_monitor(inventory, "--limit", f"{ECS_HOST},{EXPRESS_HOST}", "-e", "window=20s", "-e", "interval=10s",
                          "-e", "monitor_metrics_delay=6s", "-e", "breach_intervals=1",
                          env={"SANDBOX_DIR": str(box.state)}, audit_path=box.state / "audit.jsonl")
    finally:
        stop.set()
        thread.join(timeout=30)
    assert time.monotonic() - started < 240
    assert run.rc != 0 and f"{box.env['ECS_SERVICE']} is unhealthy" in run.out, run.out

    ecs = run.custom_stats(ECS_HOST)["lacrei_monitor"]
    balancer, target_group = load_balancer(box.env["ECS_SERVICE"], box.env["ECS_SERVICE_ARN"])
    assert (ecs["service"], ecs["platform"]) == (box.env["ECS_SERVICE"], "ecs")
    assert ecs["sources"]["requests"] == {"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount",
                                          "dimensions": {"TargetGroup": target_group, "LoadBalancer": balancer}}
    assert ecs["sources"]["responses_5xx"]["metric_name"] == "HTTPCode_Target_5XX_Count"
    assert ecs["sources"]["latency"]["metric_name"] == "TargetResponseTime"
    assert ecs["sources"]["cpu"] == {"namespace": "AWS/ECS", "metric_name": "CPUUtilization",
                                     "dimensions": {"ClusterName": box.env["ECS_CLUSTER"], "ServiceName": box.env["ECS_SERVICE"]}}
    assert ecs["sources"]["memory"]["namespace"] == "AWS/ECS"
    judged = [item for item in ecs["intervals"] if item["source"] == "real"]
    assert judged, ecs["intervals"]
    assert all(item["requests"] > 0 and item["responses_5xx"] > 0 and item["error_rate"] > 0.05 for item in judged)
    assert all(item["latency_avg_ms"] is not None and 0 < item["latency_avg_ms"] < 60_000 for item in judged)
    assert all(item["cpu_percent"] is not None and item["memory_percent"] is not None for item in judged)
    assert ecs["summary"]["error_log_lines"] > 0
    assert any("Traceback" in line or " 500 " in line for line in ecs["latest_error_lines"])

    express = run.custom_stats(EXPRESS_HOST)["lacrei_monitor"]
    express_name = box.env["ECS_EXPRESS_SERVICE_ARN"].rsplit("/", 1)[-1]
    assert (express["service"], express["platform"]) == (express_name, "ecs_express")
    assert express["sources"]["requests"]["dimensions"]["TargetGroup"] == \
        load_balancer(express_name, box.env["ECS_EXPRESS_SERVICE_ARN"])[1]
    assert express["sources"]["cpu"]["dimensions"]["ServiceName"] == express_name
    assert express["verdict"]["status"] == "healthy", express
    assert all(item["verdict"] == "ok" for item in express["intervals"])
    assert express["summary"]["requests"] > 0 and not express["summary"]["responses_5xx"]
    assert express["summary"]["cpu_percent"] is not None and express["summary"]["memory_percent"] is not None
