"""django_rollback_plan: the verdict and the summary (pure functions). The rules themselves run on
real Django projects and PostgreSQL in tests/integration/db/test_django_rollback_plan_rules.py."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.modules import django_rollback_plan as mod


def step(name, compatible=True, reversible=True, app="appointments", reasons=()):
    return {"app": app, "name": name, "operations": ["AddField"], "compatible": compatible,
            "reversible": reversible, "reasons": list(reasons)}


@pytest.mark.parametrize("ahead, plan", [
    ([], "app_only"),
    ([step("0003"), step("0002", reversible=False)], "app_only"),
    ([step("0003", compatible=False), step("0002")], "unapply_then_deploy"),
    ([step("0003", compatible=False), step("0002", reversible=False)], "restore_required"),
    ([step("0003", compatible=False, reversible=False)], "restore_required"),
])
def test_verdict(ahead, plan):
    assert mod.verdict(ahead) == plan


def test_summary_names_each_migration_its_reasons_and_the_unapply():
    ahead = [step("0003_channel", compatible=False, reasons=["appointments.Appointment.channel is added NOT NULL"])]

    lines = mod.summary("unapply_then_deploy", ahead, {"appointments": "0002_notes"})

    assert lines[0] == "Plan: unapply_then_deploy (1 migration(s) ahead of the target, 1 incompatible)"
    assert lines[1] == "  appointments.0003_channel [AddField]: INCOMPATIBLE, reversible"
    assert lines[2] == "    - appointments.Appointment.channel is added NOT NULL"
    assert lines[3].endswith("migrate appointments 0002_notes")


def test_summary_of_restore_required_names_what_cannot_be_unapplied():
    ahead = [step("0004_emails", compatible=False, reversible=False, app="professionals")]

    lines = mod.summary("restore_required", ahead, {"professionals": "0003"})

    assert "IRREVERSIBLE" in lines[1] and lines[-1].startswith("Cannot be unapplied: professionals.0004_emails.")


def test_app_only_summary_is_one_line_when_nothing_is_ahead():
    assert mod.summary("app_only", [], {}) == ["Plan: app_only (0 migration(s) ahead of the target, 0 incompatible)"]
