"""The schema check against a whole sandbox and its real PostgreSQL (one sandbox for the module,
tests in story order): the plans of the sample API's releases, the refusal before any change,
the failure injected between the unapply and the deploy, and the rollback of both halves.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import MANIFEST_SUFFIX
from sandbox import release_history
from sandbox.postgres import query
from tests.integration.sandbox_fixture import private_sandbox, sandbox_command

NEW_APPOINTMENT = {"professional": 2, "patient_name": "Paciente Esquema", "scheduled_at": "2026-01-05T10:00:00Z"}
COLUMN_MIGRATION = ("appointments", "0003_appointment_booking_channel")


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "schema-sandbox", rows=50) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def checkouts(box, tmp_path_factory):
    root = tmp_path_factory.mktemp("releases")
    return lambda version: str(release_history.export_release(Path(box.env["APP_REPO"]), version, root / version)) \
        if not (root / version).exists() else str(root / version)


def recorded(box) -> list:
    return [tuple(row) for row in query(box.env["DATABASE_URL"], "SELECT app, name FROM django_migrations ORDER BY id")]


def post(box, body: dict) -> int:
    request = urllib.request.Request(box.env["SERVICE_URL"] + "/api/appointments/", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


def plan(run_module, box, checkouts, current: str, target: str) -> dict:
    return run_module("django_rollback_plan", dict(
        current_project_path=checkouts(current), target_project_path=checkouts(target), python=sys.executable,
        settings="consultas.settings", environment={"DATABASE_URL": box.env["DATABASE_URL"]}))


def deploy_v150(box) -> None:
    sandbox_command(box.state, "deploy", "v1.5.0")
    assert box.running().endswith(box.sha("v1.5.0")) and COLUMN_MIGRATION in recorded(box)


def test_plans_of_the_sample_releases(run_module, box, checkouts):
    same_schema = plan(run_module, box, checkouts, "v1.3.0", "v1.2.0")
    assert same_schema["plan"] == "app_only" and same_schema["ahead"] == [], same_schema

    behind_irreversible = plan(run_module, box, checkouts, "v1.2.0", "v1.1.0")
    assert behind_irreversible["plan"] == "restore_required", behind_irreversible
    assert behind_irreversible["irreversible"] == ["professionals.0004_normalize_emails"]
    assert [s["name"] for s in behind_irreversible["ahead"]] == ["0005_council_registration_index",
                                                                "0004_normalize_emails"]

    deploy_v150(box)  # the pipeline's release phase applies v1.5.0's migration, then App Runner switches
    column = plan(run_module, box, checkouts, "v1.5.0", "v1.2.0")
    assert column["plan"] == "unapply_then_deploy" and column["compatible"] is False, column
    assert column["unapply_targets"] == {"appointments": "0002_appointment_notes"}
    (step,) = column["ahead"]
    assert (step["app"], step["name"], step["operations"], step["reversible"]) == (*COLUMN_MIGRATION, ["AddField"], True)
    assert "appointments.Appointment.booking_channel is added NOT NULL without a database default" in step["reasons"][0]


def test_refused_before_any_change_with_the_plan_and_the_command(box):
    before = (box.running(), box.operations(), recorded(box))

    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}")

    assert run.rc != 0 and "plan unapply_then_deploy" in run.out, run.out
    assert "booking_channel" in run.out and "migrate appointments 0002_appointment_notes" in run.out
    assert f"-e sha={box.sha('v1.2.0')} -e with_database=true" in run.out
    assert (box.running(), box.operations(), recorded(box)) == before
    line = box.audit()[-1]
    assert line["result"] == "refused" or line["result"] == "failed"
    assert line["schema_plan"]["plan"] == "unapply_then_deploy"
    assert line["schema_plan"]["ahead"] == ["appointments.0003_appointment_booking_channel"]


def test_without_the_code_to_compare_it_refuses_and_names_the_way_out(box):
    before = (box.running(), box.operations(), recorded(box))

    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}", "-e", "app_repo_path=")

    assert run.rc != 0 and "the schema check could not decide whether" in run.out, run.out
    assert "Cannot find the Django project" in run.out and "-e schema_check=skip" in run.out
    assert (box.running(), box.operations(), recorded(box)) == before
    assert box.audit()[-1]["schema_check"] == "failed"


def test_check_mode_shows_the_plan_and_changes_nothing(box):
    before = (box.running(), box.operations(), recorded(box), sorted((box.state / "backups").glob("*")))

    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}", "-e", "with_database=true", "--check")

    assert run.rc == 0, run.out
    assert "Plan: unapply_then_deploy" in run.out and "check mode: would unapply" in run.out
    assert (box.running(), box.operations(), recorded(box), sorted((box.state / "backups").glob("*"))) == before


def test_skipping_the_check_is_loud_and_audited(box):
    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}", "-e", "schema_check=skip", "--check")

    assert run.rc == 0 and "SCHEMA CHECK SKIPPED" in run.out, run.out
    assert "Plan:" not in run.out
    assert box.audit()[-1]["schema_check"] == "skipped"


def test_deploy_failing_after_the_unapply_says_where_things_are(box):
    box.faults(fail_next_deployment=1)

    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}", "-e", "with_database=true")

    assert run.rc != 0 and "ROLLBACK_SUCCEEDED" in run.out, run.out
    assert "The DATABASE WAS ROLLED BACK" in run.out
    assert "rollback_migration.yml -e app=appointments -e migration=0003_appointment_booking_channel" in run.out
    assert box.running().endswith(box.sha("v1.5.0")) and COLUMN_MIGRATION not in recorded(box)
    line = box.audit()[-1]
    backup = line["database"]["backup_path"]
    assert backup in run.out and line["database"]["unapplied"] == ["appointments.0003_appointment_booking_channel"]
    manifest = json.loads(Path(line["database"]["manifest_path"]).read_text())
    assert "0003_appointment_booking_channel" in manifest["migrations"]["appointments"]

    # The backup is usable (checksum verified) and the stated way forward works.
    listed = box.playbook("list_backups.yml", "-e", "db_backup_list_verify=true")
    assert Path(backup).name in listed.out and " yes " in listed.out, listed.out
    forward = box.playbook("rollback_migration.yml", "-e", "app=appointments", "-e",
                           "migration=0003_appointment_booking_channel")
    assert forward.rc == 0 and COLUMN_MIGRATION in recorded(box), forward.out
    assert post(box, NEW_APPOINTMENT) == 201  # v1.5.0 serves and writes again


def test_with_database_rolls_both_back(box):
    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.2.0')}", "-e", "with_database=true")

    assert run.rc == 0, run.out
    assert box.running().endswith(box.sha("v1.2.0")) and COLUMN_MIGRATION not in recorded(box)
    assert post(box, NEW_APPOINTMENT) == 201
    line = box.audit()[-1]
    assert line["result"] == "ok" and line["validation"] == "passed"
    assert line["schema_plan"]["plan"] == "unapply_then_deploy" and line["database"]["unapply"] == "ok"
    assert Path(line["database"]["backup_path"]).exists() and line["to_image"].endswith(box.sha("v1.2.0"))


def test_restore_required_names_the_irreversible_migration_and_the_backup_to_restore(box):
    accepted = sorted((box.state / "backups").glob("*" + MANIFEST_SUFFIX))[0]
    manifest = json.loads(accepted.read_text())
    # As if taken at v1.1.0 (the archive and its checksum unchanged): the state the target accepts.
    manifest["migrations"] = {"professionals": ["0001_initial", "0002_professional_display_name",
                                                "0003_populate_display_name"],
                              "appointments": ["0001_initial", "0002_appointment_notes"]}
    accepted.write_text(json.dumps(manifest))
    before = (box.running(), box.operations(), recorded(box))

    run = box.playbook("rollback_app.yml", "-e", f"sha={box.sha('v1.1.0')}")

    assert run.rc != 0 and "plan restore_required" in run.out, run.out
    assert "professionals.0004_normalize_emails cannot be unapplied" in run.out
    assert f"restore_db.yml -e backup_file={str(accepted)[:-len(MANIFEST_SUFFIX)]}" in run.out
    assert (box.running(), box.operations(), recorded(box)) == before
