"""The database runbooks through the Python API, one story on the session's sandbox: show the
migrations, plan a migration rollback (check), take a verified backup, list it, change a row,
restore the backup and find the row back. The database password goes in as a client secret
(really used by pg_dump/pg_restore) and must never reach the run's files or events."""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lacrei_rollback.runbooks import Client
from sandbox import postgres

pytestmark = pytest.mark.usefixtures("sandbox_dir")
MIGRATION = r"^(\d{4}\w*|zero)$"


def _query(url: str, sql: str, *args):
    return postgres.query(url, sql, args)


def _applied(url: str) -> list[tuple[str, str]]:
    return _query(url, "SELECT app, name FROM django_migrations ORDER BY id")


def _text_of(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def test_migrations_backup_list_and_restore(sandbox_dir, sandbox_env, runs_dir):
    url = sandbox_env["DATABASE_URL"]
    password = urlsplit(url).password
    client = Client("sandbox", sandbox_dir=sandbox_dir, runs_dir=runs_dir, secrets={"PGPASSWORD": password})

    migrations = client.show_migrations(app="professionals")
    assert list(migrations) == ["professionals"]
    names = [row.name for row in migrations["professionals"] if row.applied]
    assert len(names) >= 2 and all(row.service == "lacrei-saude-backend" for row in migrations["professionals"])
    assert {("professionals", name) for name in names} <= set(_applied(url))

    before = _applied(url)
    planned = client.rollback_migration("professionals", names[-2], check=True)
    assert planned.ok and planned.audit["plan"] == [f"unapply professionals.{names[-1]}"]
    assert planned.audit["irreversible"] == [] and _applied(url) == before

    backup = client.backup_db()
    path = Path(backup.audit["backup_path"])
    assert backup.ok and backup.changed and path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == backup.audit["backup_sha256"]

    newest = client.list_backups(verify=True)[0]
    assert (newest.backup_path, newest.verified, newest.problem) == (str(path), True, None)
    assert newest.migrations["professionals"][-1] == names[-1]

    (row_id, name), = _query(url, "SELECT id, name FROM professionals_professional ORDER BY id LIMIT 1")
    _query(url, "UPDATE professionals_professional SET name = %s WHERE id = %s", "changed by the test", row_id)
    restored = client.restore_db(path)
    assert restored.ok and restored.audit["checksum_verified"] and restored.audit["validation"] == "passed"
    assert _query(url, "SELECT name FROM professionals_professional WHERE id = %s", row_id) == [(name,)]

    for result in (planned, backup, restored):
        assert all(password not in str(event) for event in result.events)
    assert password not in _text_of(runs_dir)
