"""Seed the sample API's database with deterministic rows, fast, in SQL (generate_series).

``seed(target, rows)`` inserts ``rows`` appointments (the bulk of the data) spread over
``max(10, rows // 200)`` professionals. The size comes from ``rows`` or $SANDBOX_DB_ROWS
(default 2,000); 300,000 rows make ~50 MB in ~2.5 s, so ~6,000,000 rows make a ~1 GB database
(about a minute). It skips work already done:
a table that already holds at least that many rows is left alone. It needs the schema of
release v1.0.0 or later (run ``manage.py migrate`` first) and writes only v1.0.0 columns.
"""
from __future__ import annotations

import os

import psycopg2

from sandbox.postgres import PgServer

DEFAULT_ROWS = 2000
ROWS_PER_PROFESSIONAL = 200
SPECIALTIES = ["Cardiologia", "Clínica Geral", "Dermatologia", "Ginecologia", "Neurologia",
               "Ortopedia", "Pediatria", "Psiquiatria", "Psicologia", "Endocrinologia"]
PATIENTS = ["Ana Souza", "Bruno Lima", "Carla Dias", "Diego Alves", "Elisa Rocha", "Felipe Melo",
            "Gabriela Nunes", "Heitor Costa", "Iara Santos", "João Pereira", "Kátia Freitas",
            "Lucas Barros"]
STATUSES = ["scheduled", "confirmed", "completed", "cancelled"]

PROFESSIONALS_SQL = """
INSERT INTO professionals_professional
    (name, specialty, council_registration, email, accepting_new_patients)
SELECT 'Profissional ' || i,
       (%(specialties)s::text[])[1 + i %% cardinality(%(specialties)s::text[])],
       'CRM/SP ' || lpad(i::text, 6, '0'),
       'profissional' || i || '@consultas.example',
       i %% 7 <> 0
FROM generate_series(%(start)s, %(stop)s) AS i
"""

APPOINTMENTS_SQL = """
INSERT INTO appointments_appointment (professional_id, patient_name, scheduled_at, status)
SELECT p.ids[1 + i %% cardinality(p.ids)],
       (%(patients)s::text[])[1 + i %% cardinality(%(patients)s::text[])],
       timestamptz '2025-01-06 08:00:00+00' + i * interval '17 minutes',
       (%(statuses)s::text[])[1 + i %% cardinality(%(statuses)s::text[])]
FROM generate_series(%(start)s, %(stop)s) AS i,
     (SELECT array_agg(id ORDER BY id) AS ids FROM professionals_professional) AS p
"""


def seed(target: PgServer | str, rows: int | None = None, dbname: str = "consultas") -> dict:
    """Fill ``dbname`` on ``target`` (a PgServer, or a DSN naming the database).

    Returns {"professionals": n, "appointments": n, "inserted": {...}} (counts after seeding).
    """
    rows = rows if rows is not None else int(os.environ.get("SANDBOX_DB_ROWS", DEFAULT_ROWS))
    wanted = {"professionals": max(10, rows // ROWS_PER_PROFESSIONAL), "appointments": rows}
    conn = _connect(target, dbname)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            inserted = {
                "professionals": _top_up(cur, "professionals_professional", PROFESSIONALS_SQL,
                                         wanted["professionals"]),
                "appointments": _top_up(cur, "appointments_appointment", APPOINTMENTS_SQL,
                                        wanted["appointments"]),
            }
        if any(inserted.values()):
            with conn.cursor() as cur:
                cur.execute("ANALYZE professionals_professional, appointments_appointment")
        return {**_counts(conn), "inserted": inserted}
    finally:
        conn.close()


def _connect(target: PgServer | str, dbname: str):
    if isinstance(target, PgServer):
        return psycopg2.connect(host=target.host, port=target.port, user=target.user,
                                password=target.password, dbname=dbname)
    return psycopg2.connect(target)


def _top_up(cur, table: str, insert_sql: str, wanted: int) -> int:
    """Insert rows numbered count+1..wanted; 0 when the table already holds enough."""
    cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names are constants
    have = cur.fetchone()[0]
    if have >= wanted:
        return 0
    cur.execute(insert_sql, {"start": have + 1, "stop": wanted, "specialties": SPECIALTIES,
                             "patients": PATIENTS, "statuses": STATUSES})
    return cur.rowcount


def _counts(conn) -> dict:
    with conn.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM professionals_professional),"
                    " (SELECT count(*) FROM appointments_appointment)")
        professionals, appointments = cur.fetchone()
    return {"professionals": professionals, "appointments": appointments}
