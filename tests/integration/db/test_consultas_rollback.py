"""The runbook's section 2 on the sample API itself (sandbox/consultas release v1.2.0, seeded):
professionals 0004_normalize_emails is an irreversible RunPython, 0005 a reversible RunSQL,
v1.1.0's 0003_populate_display_name a data migration with a reverse."""
from __future__ import annotations

import sys

import pytest
from db_helpers import digest, query


@pytest.fixture
def consultas(tmp_path, app_server, fresh_db) -> dict:
    from sandbox import release_history

    release_history.materialize("v1.2.0", tmp_path / "app")
    return dict(project_path=str(tmp_path / "app"), python=sys.executable,
                environment={"DATABASE_URL": app_server.dsn(fresh_db)})


def recorded(server, database, app="professionals") -> list:
    return [name for (name,) in query(server, "SELECT name FROM django_migrations WHERE app = %s ORDER BY id",
                                      (app,), dbname=database)]


def test_runbook_section_2_on_the_sample_api(run_module, consultas, app_server, fresh_db, tmp_path):
    from sandbox import seed_data

    assert run_module("django_migrations", consultas)["changed"]
    seed_data.seed(app_server, rows=400, dbname=fresh_db)
    info = run_module("django_migrations_info", dict(consultas, app="professionals"))
    assert [m["name"] for m in info["migrations"]["professionals"]][-2:] == ["0004_normalize_emails",
                                                                             "0005_council_registration_index"]

    backup = run_module("postgres_backup", dict(login_host=app_server.host, login_port=app_server.port,
                                                login_user=app_server.user, login_password=app_server.password,
                                                database=fresh_db, backup_dir=str(tmp_path), django=consultas,
                                                image="v1.2.0"))
    assert backup["manifest"]["migrations"]["professionals"][-1] == "0005_council_registration_index"
    saved = digest(app_server, fresh_db)

    refused = run_module("django_migrations", dict(consultas, app="professionals", target="0001"))
    assert refused["failed"] and "professionals.0004_normalize_emails" in refused["msg"], refused
    assert len(recorded(app_server, fresh_db)) == 5 and digest(app_server, fresh_db) == saved

    back = run_module("django_migrations", dict(consultas, app="professionals", target="0004"))
    assert back["unapplied"] == ["professionals.0005_council_registration_index"], back
    assert not query(app_server, "SELECT 1 FROM pg_indexes WHERE indexname = 'professionals_council_registration_idx'",
                     dbname=fresh_db)

    restored = run_module("postgres_restore", dict(login_host=app_server.host, login_port=app_server.port,
                                                   login_user=app_server.user, login_password=app_server.password,
                                                   database=fresh_db, backup_file=backup["backup_path"]))
    assert restored["changed"] and not restored.get("failed"), restored
    assert digest(app_server, fresh_db) == saved and len(recorded(app_server, fresh_db)) == 5
    assert run_module("django_migrations", consultas)["changed"] is False
