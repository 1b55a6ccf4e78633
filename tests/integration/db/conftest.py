"""Fixtures for the database modules: fresh databases on the session's real PostgreSQL, the
password-protected app role as the modules' login, and content digests to compare databases."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from db_helpers import query

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIPROJ = FIXTURES / "miniproj"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def app_server(pg_server):
    """The server as the app role ``consultas`` (password auth, CREATEDB, not superuser)."""
    return pg_server.for_app()


@pytest.fixture(scope="session")
def login(app_server) -> dict:
    """Module connection options for the password-protected role."""
    return dict(login_host=app_server.host, login_port=app_server.port, login_user=app_server.user,
                login_password=app_server.password)


@pytest.fixture
def fresh_db(pg_server, app_server, request):
    """A new empty database owned by the app role; dropped (with restore leftovers) afterwards."""
    from sandbox import postgres

    name = f"t{next(_counter)}_{request.node.name[:20].lower().replace('[', '_').replace(']', '')}"
    name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    postgres.create_database(pg_server, name, owner=app_server.user)
    yield name
    for row in query(pg_server, "SELECT datname FROM pg_database WHERE datname LIKE %s", (name + "%",)):
        postgres.drop_database(pg_server, row[0])


SAMPLE_SCHEMA = """
CREATE TABLE professional (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
CREATE TABLE appointment (id bigserial PRIMARY KEY, professional_id int REFERENCES professional(id),
                          at timestamptz NOT NULL, notes text);
CREATE INDEX appointment_at_idx ON appointment (at);
CREATE VIEW busy AS SELECT professional_id, count(*) AS n FROM appointment GROUP BY 1;
INSERT INTO professional (name, email)
    SELECT 'Profissional ' || i, 'p' || i || '@example.org' FROM generate_series(1, 50) AS i;
INSERT INTO appointment (professional_id, at, notes)
    SELECT 1 + i % 50, timestamptz '2025-01-01' + i * interval '7 minutes', md5(i::text)
    FROM generate_series(1, 3000) AS i;
"""


@pytest.fixture
def sample_db(app_server, fresh_db) -> str:
    """fresh_db with two related tables, an index, a view and 3,050 rows, owned by the app role."""
    conn = app_server.connect(fresh_db)
    try:
        with conn.cursor() as cur:
            cur.execute(SAMPLE_SCHEMA)
    finally:
        conn.close()
    return fresh_db


@pytest.fixture
def miniproj(app_server, fresh_db) -> dict:
    """django project options for the miniproj fixture on fresh_db (nothing migrated yet)."""
    return dict(project_path=str(MINIPROJ), python=sys.executable,
                environment={"DATABASE_URL": app_server.dsn(fresh_db)})
