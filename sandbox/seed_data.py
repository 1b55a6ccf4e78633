"""Seed the sample API's database with deterministic rows, fast, in SQL (generate_series).

``seed(target, rows)`` inserts ``rows`` appointments (the bulk of the data) spread over
``max(10, rows // 200)`` professionals. The size comes from ``rows`` or $SANDBOX_DB_ROWS
(default 2,000); 300,000 rows make ~50 MB in ~2.5 s, so ~6,000,000 rows make a ~1 GB database
(about a minute). It skips work already done: a table that already holds at least that many
rows is left alone. Rows are numbered 1..n and keyed (a professional by its unique e-mail and
council registration, an appointment by its time slot), so a table with fewer rows, whichever
were deleted, gets only the missing ones back: seeding is idempotent by key, not by count. It
needs the schema of release v1.0.0 or later (run ``manage.py migrate`` first) and writes only
v1.0.0 columns.
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
FROM generate_series(1, %(stop)s) AS i
ON CONFLICT DO NOTHING
"""

# Appointment i is the slot base + i * 17 minutes; SLOT_OF gives i back from a row.
SLOT_BASE = "timestamptz '2025-01-06 08:00:00+00'"
SLOT_OF = f"round(extract(epoch FROM scheduled_at - {SLOT_BASE}) / 1020)::int"
ALL_SLOTS = "SELECT generate_series(1, %(stop)s) AS i"
MISSING_SLOTS = f"{ALL_SLOTS} EXCEPT SELECT {SLOT_OF} FROM appointments_appointment"

APPOINTMENTS_SQL = """
INSERT INTO appointments_appointment (professional_id, patient_name, scheduled_at, status)
SELECT p.ids[1 + i %% cardinality(p.ids)],
       (%(patients)s::text[])[1 + i %% cardinality(%(patients)s::text[])],
       timestamptz '2025-01-06 08:00:00+00' + i * interval '17 minutes',
       (%(statuses)s::text[])[1 + i %% cardinality(%(statuses)s::text[])]
FROM ({slots}) AS slots,
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
                "professionals": _top_up(cur, "professionals_professional", lambda _have: PROFESSIONALS_SQL,
                                         wanted["professionals"]),
                # An empty table takes every slot; one with rows (some deleted) only the missing ones.
                "appointments": _top_up(cur, "appointments_appointment",
                                        lambda have: APPOINTMENTS_SQL.format(slots=MISSING_SLOTS if have else ALL_SLOTS),
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


def _top_up(cur, table: str, insert_sql, wanted: int) -> int:
    """Insert the rows of 1..wanted the table lacks (by key); 0 when it already holds enough.

    ``insert_sql(have)`` is the statement for a table holding ``have`` rows.
    """
    cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names are constants
    have = cur.fetchone()[0]
    if have >= wanted:
        return 0
    cur.execute(insert_sql(have), {"stop": wanted, "specialties": SPECIALTIES, "patients": PATIENTS,
                                   "statuses": STATUSES})
    return cur.rowcount


def _counts(conn) -> dict:
    with conn.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM professionals_professional),"
                    " (SELECT count(*) FROM appointments_appointment)")
        professionals, appointments = cur.fetchone()
    return {"professionals": professionals, "appointments": appointments}
