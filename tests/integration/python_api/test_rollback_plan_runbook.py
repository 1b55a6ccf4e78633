"""Client.rollback_plan: the schema check as a typed record, changing nothing (the session's sandbox
runs v1.2.0 or v1.1.0, both on v1.2.0's schema, whichever python_api tests ran before)."""
from __future__ import annotations

from lacrei_rollback.plans import AheadMigration, RollbackPlan


def test_a_target_behind_the_irreversible_migration_needs_a_restore(sandbox_client, api_sandbox):
    before = (api_sandbox.running(), api_sandbox.operations())

    plan = sandbox_client.rollback_plan(sha=api_sandbox.sha("v1.0.0"))

    assert isinstance(plan, RollbackPlan) and plan.service == "lacrei-saude-backend"
    assert plan.plan == "restore_required" and plan.needs_database and not plan.compatible
    assert plan.target_sha == api_sandbox.sha("v1.0.0")
    assert "professionals.0004_normalize_emails" in plan.irreversible
    normalize = next(step for step in plan.ahead if step.name == "0004_normalize_emails")
    assert isinstance(normalize, AheadMigration) and normalize.app == "professionals"
    assert (normalize.reversible, normalize.compatible) == (False, False)
    if api_sandbox.running().endswith(api_sandbox.sha("v1.2.0")):  # v1.2.0's code reads the migration
        assert normalize.operations == ("RunPython",) and "RunPython, which the plan cannot read" in normalize.reasons[0]
    else:  # v1.1.0 runs against v1.2.0's schema: no code at hand knows 0004
        assert "neither release's code has it" in normalize.reasons[0]
    assert (api_sandbox.running(), api_sandbox.operations()) == before


def test_a_target_on_the_same_schema_is_app_only(sandbox_client, api_sandbox):
    running = api_sandbox.running()
    version = next(v for v in ("v1.3.0", "v1.2.0") if not running.endswith(api_sandbox.sha(v)))

    plan = sandbox_client.rollback_plan(sha=api_sandbox.sha(version))

    assert (plan.plan, plan.ahead, plan.needs_database) == ("app_only", (), False)
    assert plan.summary[0].startswith("Plan: app_only") and api_sandbox.running() == running
