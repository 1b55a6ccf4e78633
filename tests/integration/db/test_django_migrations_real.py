"""django_migrations against a real Django project (fixtures/miniproj) on the real server.

clinic: 0001_initial, 0002_seed_patients (RunPython with reverse), 0003_capitalize_names
(RunPython WITHOUT reverse: irreversible), 0004_name_index (RunSQL with reverse_sql).
notes: 0001_initial, 0002_note_body (all reversible).
"""
from __future__ import annotations

import json

import pytest
from db_helpers import query

MODULE = "django_migrations"


def migrate(run_module, project, check_mode=False, diff=False, **options):
    return run_module(MODULE, dict(project, **options), check_mode=check_mode, diff=diff)


def show(run_module, project, check_mode=False, **options):
    return run_module("django_migrations_info", dict(project, **options), check_mode=check_mode)


def recorded(server, database) -> list:
    return [f"{app}.{name}" for app, name in query(
        server, "SELECT app, name FROM django_migrations WHERE app IN ('clinic', 'notes') ORDER BY id", dbname=database)]


def has_index(server, database) -> bool:
    return bool(query(server, "SELECT 1 FROM pg_indexes WHERE indexname = 'clinic_patient_name_idx'", dbname=database))


@pytest.fixture
def migrated(run_module, miniproj, app_server, fresh_db):
    result = migrate(run_module, miniproj)
    assert result["changed"] and not result.get("failed"), result
    return miniproj


def test_info_then_forward_then_idempotent(run_module, miniproj, app_server, fresh_db):
    info = show(run_module, miniproj, check_mode=True)
    assert info["changed"] is False
    assert [m["applied"] for m in info["migrations"]["clinic"]] == [False] * 4

    first = migrate(run_module, miniproj)
    again = migrate(run_module, miniproj)

    assert first["changed"] and len(first["applied"]) == 6 and first["unapplied"] == []
    assert all(m["applied"] for rows in first["migrations"].values() for m in rows)
    assert again["changed"] is False and again["plan"] == []
    assert len(recorded(app_server, fresh_db)) == 6
    assert miniproj["environment"]["DATABASE_URL"] not in json.dumps(first)


def test_backwards_past_irreversible_is_refused_with_nothing_unapplied(run_module, migrated, app_server, fresh_db):
    before = (recorded(app_server, fresh_db), query(app_server, "SELECT name FROM clinic_patient ORDER BY id",
                                                    dbname=fresh_db))

    result = migrate(run_module, migrated, app="clinic", target="0002")

    assert result["failed"] and "clinic.0003_capitalize_names" in result["msg"] and "RunPython" in result["msg"]
    assert result["irreversible"] == [{"migration": "clinic.0003_capitalize_names", "operation": "RunPython",
                                       "description": "Raw Python operation"}]
    assert [step["name"] for step in result["plan"]] == ["0004_name_index", "0003_capitalize_names"]
    assert (recorded(app_server, fresh_db), query(app_server, "SELECT name FROM clinic_patient ORDER BY id",
                                                  dbname=fresh_db)) == before
    assert has_index(app_server, fresh_db)  # 0004 was not unapplied either


def test_rollback_to_just_after_irreversible_then_check_mode_then_forward(run_module, migrated, app_server, fresh_db):
    back = migrate(run_module, migrated, app="clinic", target="0003_capitalize_names", diff=True)
    assert back["changed"] and back["unapplied"] == ["clinic.0004_name_index"], back
    assert not has_index(app_server, fresh_db) and "clinic.0004_name_index" not in recorded(app_server, fresh_db)
    assert "0004_name_index" in back["diff"]["before"]["clinic"] and "0004_name_index" not in back["diff"]["after"]["clinic"]

    planned = migrate(run_module, migrated, app="clinic", check_mode=True)
    assert planned["changed"] and planned["applied"] == ["clinic.0004_name_index"]
    assert planned["plan"][0]["operations"][0]["type"] == "RunSQL"
    assert not has_index(app_server, fresh_db)

    forward = migrate(run_module, migrated, app="clinic")
    assert forward["changed"] and forward["applied"] == ["clinic.0004_name_index"] and has_index(app_server, fresh_db)


def test_zero_on_a_reversible_app(run_module, migrated, app_server, fresh_db):
    result = migrate(run_module, migrated, app="notes", target="zero")

    assert result["changed"] and result["unapplied"] == ["notes.0002_note_body", "notes.0001_initial"]
    assert not query(app_server, "SELECT 1 FROM pg_tables WHERE tablename = 'notes_note'", dbname=fresh_db)
    assert [m["applied"] for m in result["migrations"]["notes"]] == [False, False]


def test_info_of_one_app(run_module, migrated):
    result = show(run_module, migrated, app="notes")

    assert result["migrations"] == {"notes": [{"name": "0001_initial", "applied": True},
                                              {"name": "0002_note_body", "applied": True}]}


@pytest.mark.parametrize("options, message", [
    (dict(app="nope"), "No installed app with label 'nope'."),
    (dict(app="clinic", target="0009"), "Cannot find a migration matching '0009' from app 'clinic'."),
    (dict(app="clinic", target="00"), "More than one migration matches '00' in app 'clinic'."),
    (dict(settings="nope.settings"), "No module named 'nope'"),
    (dict(target="0001"), "missing parameter(s) required by 'target': app"),
])
def test_clear_errors(run_module, miniproj, options, message):
    result = migrate(run_module, miniproj, **options)

    assert result["failed"] and message in result["msg"], result


def test_unreachable_database_is_reported(run_module, miniproj):
    project = dict(miniproj, environment={"DATABASE_URL": "postgresql://consultas:secret-pw@127.0.0.1:1/x"})

    result = migrate(run_module, project)

    assert result["failed"] and "Connection refused" in result["msg"], result
    assert "secret-pw" not in json.dumps(result)
