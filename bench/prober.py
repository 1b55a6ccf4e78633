"""How long the application's database is missing or inconsistent, seen from a client.

A thread connects and runs one query every ~20 ms (a new connection each time, as a
CONN_MAX_AGE=0 Django app does). A probe is good when it answers what the database answered
before the restore began. ``unavailable_seconds`` turns the probe log into downtime.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg2

# A row of each table, and the constraints (primary keys + foreign key) that make the data usable.
PROBE_SQL = """
SELECT (SELECT count(*) FROM appointments_appointment WHERE id = %(appointment)s),
       (SELECT count(*) FROM professionals_professional WHERE id = %(professional)s),
       (SELECT count(*) FROM pg_constraint
         WHERE conrelid IN ('appointments_appointment'::regclass, 'professionals_professional'::regclass)
           AND contype IN ('p', 'f'))
"""
INTERVAL = 0.02
SLOW = 0.25  # a probe slower than this was kept waiting (for example on the swap's lock)


@dataclass(frozen=True)
class Probe:
    start: float
    end: float
    ok: bool


def unavailable_seconds(probes: list[Probe], slow: float = SLOW) -> float:
    """Time from each first bad probe to the end of the next good one, plus time spent in slow good ones."""
    total, down_since = 0.0, None
    for probe in probes:
        if not probe.ok:
            down_since = probe.start if down_since is None else down_since
        elif down_since is not None:
            total += probe.end - down_since
            down_since = None
        elif probe.end - probe.start > slow:
            total += probe.end - probe.start
    if down_since is not None and probes:
        total += probes[-1].end - down_since
    return round(total, 3)


class Prober:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.probes: list[Probe] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="db-prober", daemon=True)
        self.params = self._reference_params()
        self.expected = self._query()

    def _reference_params(self) -> dict:
        conn = psycopg2.connect(self.dsn, connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT max(id) FROM appointments_appointment")
                appointment = cur.fetchone()[0]
                cur.execute("SELECT max(id) FROM professionals_professional")
                return {"appointment": appointment, "professional": cur.fetchone()[0]}
        finally:
            conn.close()

    def _query(self):
        conn = psycopg2.connect(self.dsn, connect_timeout=5, application_name="bench-prober")
        try:
            with conn.cursor() as cur:
                cur.execute(PROBE_SQL, self.params)
                return cur.fetchone()
        finally:
            conn.close()

    def _probe_once(self) -> Probe:
        start = time.monotonic()
        try:
            ok = self._query() == self.expected
        except psycopg2.Error:
            ok = False
        return Probe(start, time.monotonic(), ok)

    def _loop(self) -> None:
        while not self._stop.is_set():
            probe = self._probe_once()
            self.probes.append(probe)
            self._stop.wait(max(0.0, INTERVAL - (probe.end - probe.start)))

    def __enter__(self) -> "Prober":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        time.sleep(0.2)  # a few probes after the end, so an outage at the very end is closed
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict:
        return {"unavailable_seconds": unavailable_seconds(self.probes), "probes": len(self.probes),
                "failed_probes": sum(not p.ok for p in self.probes)}
