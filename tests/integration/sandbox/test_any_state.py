"""`python -m sandbox up` (`make sandbox`) comes up from any state the runbooks leave the database in:
rows deleted (as a person testing a restore does), a migration unapplied, an app migrated back so
far that its table is gone, and a database restored from an older backup by the collection's own modules.
Seeding tops the tables up by key, never by count, and a schema merely behind is kept as it is."""
from __future__ import annotations

import subprocess
import sys
from urllib.parse import unquote, urlsplit

import pytest

from sandbox import envfile, postgres, release_history
from tests.integration.sandbox_fixture import REPO, UP_TIMEOUT, private_sandbox, process_env

ROWS = 300
PROFESSIONALS = 10  # max(10, ROWS // 200)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "any-state", rows=ROWS) as sandbox:
        yield sandbox


def up(box) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox", "up", "--deploy-seconds", "1", "--rows", str(ROWS)],
                          cwd=REPO, env=process_env(box.state), capture_output=True, text=True,
                          timeout=UP_TIMEOUT, check=False)


def sql(box, statement: str, params=None) -> list[tuple]:
    return postgres.query(box.env["DATABASE_URL"], statement, params)


def manage(box, *args: str) -> None:
    """manage.py of the release the sandbox started with (v1.2.0), against its database."""
    tree = release_history.export_release(box.state / "app-repo", "v1.2.0", box.state / "checkouts" / "test-v1.2.0")
    env = {**process_env(box.state), "DATABASE_URL": box.env["DATABASE_URL"]}
    done = subprocess.run(release_history.manage_argv(*args), cwd=tree, env=env, capture_output=True, text=True,
                          timeout=UP_TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def applied(box, app: str) -> list[str]:
    return [name for (name,) in sql(box, "SELECT name FROM django_migrations WHERE app = %s ORDER BY name", (app,))]


def assert_seeded_once_per_key(box) -> None:
    (professionals, emails, appointments, slots), = sql(box, """
        SELECT (SELECT count(*) FROM professionals_professional),
               (SELECT count(DISTINCT email) FROM professionals_professional),
               (SELECT count(*) FROM appointments_appointment),
               (SELECT count(DISTINCT scheduled_at) FROM appointments_appointment)""")
    assert (professionals, emails) == (PROFESSIONALS, PROFESSIONALS)
    assert (appointments, slots) == (ROWS, ROWS)


def test_rows_deleted_are_seeded_back_by_key(box):
    sql(box, "DELETE FROM appointments_appointment WHERE id % 3 = 0 OR professional_id IN "
             "(SELECT id FROM professionals_professional ORDER BY id LIMIT 2)")
    sql(box, "DELETE FROM professionals_professional WHERE id IN (SELECT id FROM professionals_professional "
             "ORDER BY id LIMIT 2)")
    assert sql(box, "SELECT count(*) FROM professionals_professional")[0][0] == PROFESSIONALS - 2

    done = up(box)

    assert done.returncode == 0, done.stdout + done.stderr
    assert_seeded_once_per_key(box)
    assert box.get("/api/appointments/")[0] == 200


def test_a_migration_unapplied_is_kept_and_up_still_works(box):
    manage(box, "migrate", "professionals", "0004")
    assert applied(box, "professionals")[-1] == "0004_normalize_emails"

    done = up(box)

    assert done.returncode == 0, done.stdout + done.stderr
    assert applied(box, "professionals")[-1] == "0004_normalize_emails"  # the runbook's state, kept
    assert "migrated forward" not in done.stdout
    assert box.get("/health/")[0] == 200


def test_a_database_restored_from_an_older_backup_comes_up(box, run_module, tmp_path):
    """An older backup (fewer rows, professionals at 0004), restored by postgres_restore (scratch
    database and rename swap), as the restore runbook does; then up tops the rows up again."""
    dsn = urlsplit(box.env["DATABASE_URL"])
    login = dict(login_host=dsn.hostname, login_port=dsn.port, login_user=unquote(dsn.username), login_password=unquote(dsn.password or ""))
    sql(box, "DELETE FROM appointments_appointment WHERE id % 2 = 0")
    backup = run_module("postgres_backup", dict(login, database="consultas_medicas", backup_dir=str(tmp_path)))
    assert backup["changed"] and not backup.get("failed"), backup
    assert up(box).returncode == 0
    assert_seeded_once_per_key(box)

    restored = run_module("postgres_restore", dict(login, database="consultas_medicas",
                                                   backup_file=backup["backup_path"]))
    assert restored["changed"] and not restored.get("failed"), restored
    assert sql(box, "SELECT count(*) FROM appointments_appointment")[0][0] < ROWS

    done = up(box)

    assert done.returncode == 0, done.stdout + done.stderr
    assert_seeded_once_per_key(box)
    assert box.get("/api/appointments/")[0] == 200


def test_migrated_back_to_zero_is_migrated_forward_and_seeded(box):
    """Last: it leaves the schema at v1.2.0's again. The appointments app migrated back to zero (its
    table gone; professionals cannot go below 0004, irreversible) -> up migrates forward and says so."""
    manage(box, "migrate", "appointments", "zero")
    assert sql(box, "SELECT to_regclass('public.appointments_appointment')")[0][0] is None

    done = up(box)

    assert done.returncode == 0, done.stdout + done.stderr
    assert ("the database had no appointments_appointment (migrated back?): "
            "migrated forward to v1.2.0's schema") in done.stdout
    assert applied(box, "appointments") == ["0001_initial", "0002_appointment_notes"]
    assert applied(box, "professionals")[-1] == "0005_council_registration_index"
    assert_seeded_once_per_key(box)
    assert box.get("/api/appointments/")[0] == 200
