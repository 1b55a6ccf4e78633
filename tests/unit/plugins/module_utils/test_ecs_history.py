"""The ECS halves of "previous good" and of the rollback's refusal, on plain data (the emulator runs
are tests/integration/ecs_emulator/test_ecs_rollback_decision.py)."""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils.ecs import EcsPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_history import (
    audit_evidence, deployment_evidence, outcome_of)
from ansible_collections.lacrei.rollback.plugins.module_utils.rollback_preflight import ecs_refusal, not_running

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:" + "a" * 40


def deployment(status: str, image: str | None = IMAGE) -> dict:
    return {"arn": f"arn:{status}", "status": status, "image": image, "finished_at": "2026-05-01T10:00:00+00:00",
            "started_at": None, "created_at": None}


def test_only_successes_and_rollbacks_are_evidence():
    assert [outcome_of(s) for s in ("SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED", None)] == [
        "succeeded", "failed", "failed", None, None]
    found = deployment_evidence([deployment("SUCCESSFUL"), deployment("STOPPED"), deployment("IN_PROGRESS"),
                                 deployment("ROLLBACK_SUCCESSFUL"), deployment("SUCCESSFUL", image=None)])
    assert [(item["outcome"], item["operation_status"]) for item in found] == [
        ("succeeded", "SUCCESSFUL"), ("failed", "ROLLBACK_SUCCESSFUL")]


def test_the_audit_trail_is_judged_by_what_ecs_lists_now_else_by_what_the_run_recorded():
    entries = [{"when": "2026-05-01T09:00:00+00:00", "operation_id": "arn:listed", "to_image": IMAGE,
                "deploy_status": "SUCCESSFUL"},
               {"when": "2026-05-01T09:00:00+00:00", "operation_id": "arn:gone", "to_image": IMAGE,
                "deploy_status": "ROLLBACK_SUCCESSFUL"},
               {"when": "2026-05-01T09:00:00+00:00", "operation_id": "arn:unknown", "to_image": IMAGE}]
    found = audit_evidence(entries, {"arn:listed": {"status": "ROLLBACK_FAILED"}})
    assert [(item["operation_id"], item["outcome"]) for item in found] == [("arn:listed", "failed"),
                                                                             ("arn:gone", "failed")]


def test_a_service_that_is_not_active_is_refused_in_ecs_words():
    platform = EcsPlatform(client=None, cluster="lacrei")
    service = {"service_name": "api", "status": "DRAINING"}
    assert ecs_refusal(platform, service, None) == (
        "Refused, nothing was changed: ECS service api is DRAINING; only an ACTIVE service can be rolled back.")
    assert ecs_refusal(platform, dict(service, status="ACTIVE"), None) is None


def test_the_guarded_deploy_is_refused_in_its_own_words():
    platform = EcsPlatform(client=None, cluster="lacrei")
    busy = {"arn": "arn:aws:ecs:us-east-1:1:service-deployment/lacrei/api/x", "status": "IN_PROGRESS",
            "started_at": "2026-05-01T10:00:00+00:00"}
    service = {"service_name": "api", "status": "ACTIVE"}
    refused = ecs_refusal(platform, service, busy, "deploy")
    assert refused == ("Refused, nothing was changed: ECS service api is busy with service deployment "
                       f"{busy['arn']} (IN_PROGRESS) started at {busy['started_at']}. Wait for it to end and run "
                       "this again.")  # stop_in_flight is the rollback's way, not a deploy's
    assert "stop_in_flight=true" in ecs_refusal(platform, service, busy)
    assert ecs_refusal(platform, dict(service, status="DRAINING"), None, "deploy").endswith(
        "only an ACTIVE service can take a deploy.")
    assert not_running({"service_name": "api", "status": "PAUSED"}, None, "deploy").endswith(
        "only a RUNNING service can take a deploy.")
