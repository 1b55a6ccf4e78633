"""lacrei_rollback.plans: django_rollback_plan's result as a typed record."""
from __future__ import annotations

from lacrei_rollback.plans import AheadMigration, plan_of

RESULT = {
    "plan": "unapply_then_deploy", "compatible": False, "irreversible": [],
    "ahead": [{"app": "appointments", "name": "0003_appointment_booking_channel", "operations": ["AddField"],
               "reversible": True, "compatible": False, "reasons": ["appointments.Appointment.booking_channel ..."]}],
    "unapply_targets": {"appointments": "0002_appointment_notes"}, "summary": ["Plan: unapply_then_deploy (...)"],
}


def test_plan_of_builds_the_record():
    plan = plan_of("svc", RESULT, "abc123")

    assert plan.plan == "unapply_then_deploy" and plan.needs_database and plan.target_sha == "abc123"
    assert plan.ahead == (AheadMigration("appointments", "0003_appointment_booking_channel", ("AddField",), True,
                                         False, ("appointments.Appointment.booking_channel ...",)),)
    assert plan.unapply_targets == {"appointments": "0002_appointment_notes"}
    assert plan.summary == ("Plan: unapply_then_deploy (...)",)


def test_an_empty_result_is_an_empty_app_only_plan():
    plan = plan_of("svc", {"plan": "app_only", "compatible": True})

    assert (plan.ahead, plan.irreversible, plan.needs_database, plan.target_sha) == ((), (), False, None)
