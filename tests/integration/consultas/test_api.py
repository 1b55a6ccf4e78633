"""Releases served by gunicorn against a real database: what works and what each bad release breaks."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sandbox import procs, seed_data

SEED_ROWS = 500


@pytest.fixture(scope="module")
def v120(release):
    rel = release("v1.2.0")
    done = rel.manage("migrate", "--no-input")
    assert done.returncode == 0, done.stderr
    counts = seed_data.seed(rel.dsn, rows=SEED_ROWS)
    assert counts["appointments"] == SEED_ROWS
    return rel


@pytest.fixture(scope="module")
def v120_url(v120, proc_state):
    return v120.serve(proc_state, "api-v1.2.0", workers=2)


def test_health_reports_sha_version_and_database(v120, v120_url, call):
    status, body = call("GET", f"{v120_url}/health/")
    assert status == 200
    assert body == {"status": "ok", "sha": v120.sha, "version": "1.2.0", "database": "ok"}


def test_professionals_list(v120_url, call):
    status, body = call("GET", f"{v120_url}/api/professionals/?limit=3")
    assert status == 200
    assert body["count"] == 10
    first = body["results"][0]
    assert first["display_name"] == first["name"] == "Profissional 1"
    assert first["email"] == "profissional1@consultas.example"
    assert first["council_registration"] == "CRM/SP 000001"
    assert len(body["results"]) == 3


def test_appointments_list_is_paginated(v120_url, call):
    status, body = call("GET", f"{v120_url}/api/appointments/?limit=5&offset=10")
    assert status == 200
    assert body["count"] >= SEED_ROWS
    assert [row["id"] for row in body["results"]] == list(range(11, 16))
    assert set(body["results"][0]) >= {"professional", "patient_name", "scheduled_at", "status"}


def test_post_appointment_creates_it(v120_url, call):
    new = {"professional": 2, "patient_name": "Maria Teste", "scheduled_at": "2025-06-01T14:30:00Z"}
    status, created = call("POST", f"{v120_url}/api/appointments/", new)
    assert status == 201, created
    assert created["patient_name"] == "Maria Teste"
    assert created["status"] == "scheduled"
    _, listed = call("GET", f"{v120_url}/api/appointments/?professional=2&limit=200")
    assert created["id"] in [row["id"] for row in listed["results"]]


def test_post_appointment_validates(v120_url, call):
    status, body = call("POST", f"{v120_url}/api/appointments/", {"patient_name": ""})
    assert status == 400
    assert set(body["errors"]) >= {"professional", "patient_name", "scheduled_at"}
    closed = {"professional": 7, "patient_name": "X", "scheduled_at": "2025-06-01T10:00:00Z"}
    status, body = call("POST", f"{v120_url}/api/appointments/", closed)
    assert status == 400
    assert "not accepting new patients" in str(body["errors"])


def test_feature_flag_off_answers_503(v120, proc_state, call):
    url = v120.serve(proc_state, "api-flag-off", FEATURE_APPOINTMENTS="off")
    assert call("GET", f"{url}/api/appointments/")[0] == 503
    assert call("POST", f"{url}/api/appointments/", {})[0] == 503
    assert call("GET", f"{url}/api/professionals/")[0] == 200


def test_health_is_503_when_the_database_is_down(v120, proc_state, call):
    down = dataclasses.replace(v120, dsn=f"postgresql://consultas:x@127.0.0.1:{procs.free_port()}/none")
    url = down.serve(proc_state, "api-db-down")
    status, body = call("GET", f"{url}/health/")
    assert status == 503
    assert body["status"] == "error" and body["database"].startswith("error")


def test_v130_breaks_the_appointment_list_but_not_health(v120, release, proc_state, call):
    rel = release("v1.3.0")
    url = rel.serve(proc_state, "api-v1.3.0", GIT_SHA=rel.sha)
    status, body = call("GET", f"{url}/health/")
    assert (status, body["sha"], body["version"]) == (200, rel.sha, "1.3.0")
    assert call("GET", f"{url}/api/appointments/")[0] == 500
    assert call("GET", f"{url}/api/professionals/")[0] == 200


def test_v140_fails_its_health_check(v120, release, proc_state, call):
    rel = release("v1.4.0")
    url = rel.serve(proc_state, "api-v1.4.0")
    assert call("GET", f"{url}/health/")[0] == 500
    assert call("GET", f"{url}/api/appointments/?limit=1")[0] == 200


def test_v150_column_breaks_v120_writes_until_unapplied_with_v150_code(v120, v120_url, release, proc_state, call):
    """Last in this module: it migrates the shared database to v1.5.0 and back."""
    rel = release("v1.5.0")
    done = rel.manage("migrate", "--no-input")
    assert done.returncode == 0 and "appointments.0003_appointment_booking_channel" in done.stdout, done.stderr
    new = {"professional": 2, "patient_name": "Ana Canal", "scheduled_at": "2025-07-01T09:00:00Z"}
    try:
        url = rel.serve(proc_state, "api-v1.5.0", GIT_SHA=rel.sha)
        status, created = call("POST", f"{url}/api/appointments/", new)
        assert (status, created.get("booking_channel")) == (201, "api"), created
        assert call("GET", f"{url}/health/")[0] == 200 and call("GET", f"{url}/api/appointments/?limit=5")[0] == 200

        status, _body = call("POST", f"{v120_url}/api/appointments/", new)

        assert status == 500  # v1.2.0 does not know booking_channel: NOT NULL, no database default
        log = (procs.log_dir(proc_state) / "api-v1.2.0.log").read_text()
        assert "IntegrityError" in log and "booking_channel" in log
        assert call("GET", f"{v120_url}/api/appointments/?limit=5")[0] == 200  # reads still work
    finally:
        undone = rel.manage("migrate", "--no-input", "appointments", "0002")  # only v1.5.0's code knows 0003
    assert undone.returncode == 0 and "Unapplying appointments.0003_appointment_booking_channel" in undone.stdout
    assert call("POST", f"{v120_url}/api/appointments/", new)[0] == 201


def test_the_release_reaches_postgresql_through_psycopg2_as_its_image_does(v120, v120_url, proc_state, call):
    """Its requirements.txt names psycopg2-binary. Django prefers psycopg 3 when it can import it,
    and the tools' venv has it (ansible-rulebook brings it): the releases run on their own
    interpreter (``release_history.app_python``, ``.venv-app``)."""
    probe = ("import sys; from django.db import connection; connection.ensure_connection(); "
             "print(type(connection.connection).__module__, 'psycopg' in sys.modules)")
    done = v120.manage("shell", "-v", "0", "-c", probe)
    assert done.stdout.split() == ["psycopg2.extensions", "False"], done.stdout + done.stderr
    assert call("GET", f"{v120_url}/api/professionals/?limit=1")[0] == 200  # a gunicorn worker has used the database
    maps = [Path(f"/proc/{pid}/maps").read_text()
            for pid in procs.session_members(procs.read_pid("api-v1.2.0", proc_state))]
    assert any("psycopg2/_psycopg" in text for text in maps)
