"""Migrations per release against a real database: forward, reversible, and the irreversible one."""
from __future__ import annotations

import pytest

from sandbox import postgres, seed_data

ALL_AT_V120 = [
    ("appointments", "0001_initial"), ("appointments", "0002_appointment_notes"),
    ("professionals", "0001_initial"), ("professionals", "0002_professional_display_name"),
    ("professionals", "0003_populate_display_name"), ("professionals", "0004_normalize_emails"),
    ("professionals", "0005_council_registration_index"),
]
INDEX = "professionals_council_registration_idx"


def applied(rel) -> list[tuple[str, str]]:
    done = rel.manage("showmigrations", "--plan")
    assert done.returncode == 0, done.stderr
    return [tuple(line[3:].strip().split(".")) for line in done.stdout.splitlines() if line.startswith("[X]")]


def query(dsn: str, sql: str):
    return postgres.query(dsn, sql)


@pytest.fixture(scope="module")
def v120(release):
    rel = release("v1.2.0")
    assert rel.manage("migrate", "--no-input").returncode == 0
    return rel


def test_showmigrations_lists_everything_applied_at_v120(v120):
    assert sorted(applied(v120)) == ALL_AT_V120
    assert query(v120.dsn, f"SELECT 1 FROM pg_indexes WHERE indexname = '{INDEX}'") == [(1,)]


def test_backward_past_the_irreversible_migration_is_refused(v120):
    refused = v120.manage("migrate", "professionals", "0003")
    assert refused.returncode != 0
    assert "IrreversibleError" in refused.stderr
    assert "0004_normalize_emails" in refused.stderr
    # Django unapplies one migration at a time: 0005 went back before 0004 was refused.
    assert ("professionals", "0004_normalize_emails") in applied(v120)
    assert ("professionals", "0005_council_registration_index") not in applied(v120)

    forward = v120.manage("migrate", "--no-input")
    assert forward.returncode == 0, forward.stderr
    assert sorted(applied(v120)) == ALL_AT_V120


def test_backward_to_just_after_the_irreversible_migration_works(v120):
    assert query(v120.dsn, f"SELECT 1 FROM pg_indexes WHERE indexname = '{INDEX}'") == [(1,)]
    to_0004 = v120.manage("migrate", "professionals", "0004")
    assert to_0004.returncode == 0, to_0004.stderr
    assert query(v120.dsn, f"SELECT 1 FROM pg_indexes WHERE indexname = '{INDEX}'") == []
    assert ("professionals", "0005_council_registration_index") not in applied(v120)
    assert v120.manage("migrate", "--no-input").returncode == 0
    assert sorted(applied(v120)) == ALL_AT_V120


@pytest.fixture
def scratch_dsn(pg_server):
    name = "consultas_scratch_reversible"
    postgres.drop_database(pg_server, name)
    postgres.create_database(pg_server, name, owner=pg_server.for_app().user)
    yield pg_server.for_app().dsn(name)
    postgres.drop_database(pg_server, name)


def test_v110_backfills_and_rolls_back_to_v100(release, scratch_dsn):
    v100, v110 = (release(v) for v in ("v1.0.0", "v1.1.0"))
    v100.dsn = v110.dsn = scratch_dsn
    assert v100.manage("migrate", "--no-input").returncode == 0
    seed_data.seed(scratch_dsn, rows=100)
    assert v110.manage("migrate", "--no-input").returncode == 0
    assert query(scratch_dsn, "SELECT display_name FROM professionals_professional WHERE id = 1") \
        == [("Dr(a). Profissional 1",)]

    for app in ("professionals", "appointments"):
        done = v110.manage("migrate", app, "0001")
        assert done.returncode == 0, done.stderr
    columns = query(scratch_dsn, "SELECT column_name FROM information_schema.columns "
                                 "WHERE column_name IN ('display_name', 'notes')")
    assert columns == []
    assert query(scratch_dsn, "SELECT count(*) FROM appointments_appointment") == [(100,)]
