"""django_migrations: plan logic (pure functions) and argument validation. The real runs against
Django + PostgreSQL are in tests/integration/db/test_django_migrations_real.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.modules import django_migrations as mod

MINIPROJ = Path(__file__).resolve().parents[3] / "integration" / "db" / "fixtures" / "miniproj"


def step(name, direction, *ops, app="clinic"):
    operations = [{"type": t, "description": t, "reversible": r} for t, r in ops]
    return {"app": app, "name": name, "direction": direction, "operations": operations,
            "reversible": all(r for _, r in ops)}


PLAN = [step("0004_idx", "unapply", ("RunSQL", True)),
        step("0003_data", "unapply", ("AlterField", True), ("RunPython", False))]


def test_irreversible_steps_name_migration_and_operation():
    assert mod.irreversible_steps(PLAN) == [{"migration": "clinic.0003_data", "operation": "RunPython",
                                            "description": "RunPython"}]


def test_forward_plans_are_never_blocked():
    forward = [step("0003_data", "apply", ("RunPython", False))]

    assert mod.irreversible_steps(forward) == []
    mod.refuse_irreversible(forward)


def test_refusal_says_nothing_was_unapplied():
    with pytest.raises(ActionFailed) as caught:
        mod.refuse_irreversible(PLAN)

    assert "clinic.0003_data" in caught.value.msg and "Nothing was unapplied" in caught.value.msg
    assert caught.value.details["plan"] == PLAN


def test_predicted_state_after_plan():
    migrations = {"clinic": [{"name": n, "applied": True} for n in ("0001", "0003_data", "0004_idx")]}

    assert mod.predicted(migrations, PLAN) == {"clinic": ["0001"]}
    assert mod.predicted({}, [step("0001", "apply")]) == {"clinic": ["0001"]}


@pytest.mark.parametrize("params, argv", [
    (dict(app=None, target=None, database="default"), ["migrate", "--noinput", "--database", "default"]),
    (dict(app="clinic", target="zero", database="other"),
     ["migrate", "--noinput", "--database", "other", "clinic", "zero"]),
])
def test_migrate_args(params, argv):
    assert mod.migrate_args(params) == argv


def test_target_requires_app(run_module):
    result = run_module(mod, dict(project_path=str(MINIPROJ), target="0001"))

    assert result["failed"] and "target" in result["msg"]


def test_reading_is_the_info_modules_job(run_module):
    result = run_module(mod, dict(project_path=str(MINIPROJ), state="info"))

    assert result["failed"] and "Unsupported parameters" in result["msg"] and "state" in result["msg"]
