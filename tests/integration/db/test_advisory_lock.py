"""The database's PostgreSQL advisory lock: postgres_restore and django_migrations refuse at once,
naming the session, while another session holds it; both take it and let it go when done."""
from __future__ import annotations

import json

import pytest
from db_helpers import digest, query

from ansible_collections.lacrei.rollback.plugins.module_utils import pg_lock


@pytest.fixture
def holding(pg_server):
    """Hold ``database``'s advisory lock from another session (as a concurrent run would)."""
    conns = []

    def hold(database: str):
        conn = pg_server.connect("postgres", application_name="another-operator")
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (pg_lock.lock_key(database),))
        conns.append(conn)
        return conn

    yield hold
    for conn in conns:
        conn.close()


def lock_free(server, database: str) -> bool:
    key = pg_lock.lock_key(database)
    return query(server, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
                 ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF))[0][0] == 0


def test_restore_refuses_while_the_lock_is_held_then_takes_it(run_module, login, app_server, pg_server, sample_db,
                                                             tmp_path, holding):
    backup = run_module("postgres_backup", dict(login, database=sample_db, backup_dir=str(tmp_path)))["backup_path"]
    query(app_server, "DELETE FROM appointment WHERE id > 2000", dbname=sample_db)
    before = digest(app_server, sample_db)
    conn = holding(sample_db)

    refused = run_module("postgres_restore", dict(login, database=sample_db, backup_file=backup))

    assert refused["failed"] is True
    assert refused["msg"].startswith(f"Database {sample_db} is being changed by another session")
    assert "another-operator" in refused["msg"] and "Nothing was changed" in refused["msg"]
    assert refused["advisory_lock_key"] == pg_lock.lock_key(sample_db)
    assert digest(app_server, sample_db) == before and login["login_password"] not in json.dumps(refused)
    conn.close()

    restored = run_module("postgres_restore", dict(login, database=sample_db, backup_file=backup))
    assert restored["changed"] is True and restored["advisory_lock_key"] == pg_lock.lock_key(sample_db)
    assert digest(app_server, sample_db)["appointment"][0] == 3000
    assert lock_free(pg_server, sample_db)  # released when the module ended


def test_migrate_refuses_while_the_lock_is_held_then_takes_it(run_module, miniproj, pg_server, fresh_db, holding):
    conn = holding(fresh_db)
    refused = run_module("django_migrations", miniproj)
    assert refused["failed"] is True and "advisory lock" in refused["msg"] and "another-operator" in refused["msg"]
    assert query(pg_server, "SELECT to_regclass('django_migrations') IS NULL", dbname=fresh_db)[0][0] is True
    conn.close()
    done = run_module("django_migrations", miniproj)
    assert done["changed"] is True and done["advisory_lock_key"] == pg_lock.lock_key(fresh_db)
    assert lock_free(pg_server, fresh_db)


def test_a_lock_session_that_cannot_connect_fails_clearly(pg_server):
    env = {"PGHOST": "127.0.0.1", "PGPORT": "1", "PGCONNECT_TIMEOUT": "2"}
    with pytest.raises(pg_lock.ActionFailed) as caught:
        with pg_lock.advisory_lock(f"{pg_server.bindir}/psql", env, "postgres", "somedb"):
            pass
    assert caught.value.msg.startswith("Could not take the PostgreSQL advisory lock of database somedb")


def test_url_to_environment_keeps_the_password_out_of_argv():
    env, database = pg_lock.env_from_url("postgresql://app:p%40ss@db.internal:5433/consultas_medicas")
    assert env == {"PGAPPNAME": "lacrei.rollback", "PGHOST": "db.internal", "PGPORT": "5433", "PGUSER": "app",
                   "PGPASSWORD": "p@ss"}
    assert database == "consultas_medicas"
    assert pg_lock.lock_key("consultas_medicas") == pg_lock.lock_key("consultas_medicas") != pg_lock.lock_key("x")
