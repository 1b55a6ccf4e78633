"""Runbook section 2 through the playbooks, on a real sandbox: the sample API at v1.2.0 on real
PostgreSQL (professionals 0004_normalize_emails is an irreversible RunPython, 0005 a reversible
RunSQL index), playbooks run with ansible-playbook, the real state read with psycopg2."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

from sandbox import postgres

PROFESSIONALS_INDEX = "professionals_council_registration_idx"


# -- helpers ---------------------------------------------------------------------------------
def run(box, playbook: str, *args: str):
    """Run a playbook; no run may ever show the database password."""
    done = box.playbook(playbook, *args)
    assert urlsplit(box.env["DATABASE_URL"]).password not in done.out
    return done


def query(box, sql: str, params=None) -> list:
    """Rows of one statement on the sandbox's database (autocommit: a DELETE is committed)."""
    return postgres.query(box.env["DATABASE_URL"], sql, params)


def schema(box) -> dict:
    """What a migration changes: the migrations recorded, the columns and the indexes."""
    return {
        "migrations": query(box, "SELECT app, name FROM django_migrations ORDER BY id"),
        "columns": query(box, "SELECT table_name, column_name, data_type FROM information_schema.columns "
                              "WHERE table_schema = 'public' ORDER BY 1, 2"),
        "indexes": query(box, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"),
    }


def row_counts(box) -> dict:
    tables = [name for (name,) in query(box, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    return {table: query(box, f'SELECT count(*) FROM "{table}"')[0][0] for table in tables}


def applied(box, app="professionals") -> list:
    return [name for (name,) in query(box, "SELECT name FROM django_migrations WHERE app = %s ORDER BY id", (app,))]


def backups(box) -> set:
    folder = box.state / "backups"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def last_audit(box, runbook: str) -> dict:
    return [line for line in box.audit() if line.get("runbook") == runbook][-1]


def debug_lines(out: str, task: str) -> list:
    """The msg list a debug task printed (`ok: [host] => {"msg": [...]}`)."""
    block = out.split(f"{task}]", 1)[1].split("=> ", 1)[1]
    return [line.strip() for line in json.JSONDecoder().raw_decode(block)[0]["msg"]]


# -- runbook section 2 -----------------------------------------------------------------------
def test_show_migrations_reads_the_running_release(sandbox):
    done = run(sandbox, "show_migrations.yml", "-e", "app=professionals")

    assert done.rc == 0, done.out
    lines = debug_lines(done.out, "Show the migrations, [X] applied")
    assert lines[0].startswith(f"Migrations of lacrei-saude-backend ({sandbox.sha('v1.2.0')[:12]})")
    assert lines[1:] == ["professionals", "[X] 0001_initial", "[X] 0002_professional_display_name",
                         "[X] 0003_populate_display_name", "[X] 0004_normalize_emails",
                         "[X] 0005_council_registration_index"]
    assert done.recap("lacrei-saude-backend")["changed"] == 0


def test_rolling_back_past_the_irreversible_migration_is_refused(sandbox):
    before, taken = schema(sandbox), backups(sandbox)

    done = run(sandbox, "rollback_migration.yml", "-e", "app=professionals", "-e", "migration=0001_initial")

    assert done.rc != 0
    assert "unapply professionals.0004_normalize_emails: RunPython IRREVERSIBLE" in done.out
    assert "Refused, nothing was changed" in done.out
    assert schema(sandbox) == before and backups(sandbox) == taken
    audit = last_audit(sandbox, "db-rollback-migration")
    assert audit["result"] == "refused" and audit["irreversible"] == ["professionals.0004_normalize_emails"]
    assert audit["app"] == "professionals" and audit["migration"] == "0001_initial"


def test_check_mode_shows_the_plan_and_changes_nothing(sandbox):
    before, taken = schema(sandbox), backups(sandbox)

    done = run(sandbox, "rollback_migration.yml", "-e", "app=professionals",
               "-e", "migration=0004_normalize_emails", "--check")

    assert done.rc == 0, done.out
    assert debug_lines(done.out, "Show the plan") == [
        "Plan for professionals -> 0004_normalize_emails on lacrei-saude-backend:",
        "unapply professionals.0005_council_registration_index: RunSQL"]
    assert "check mode: would back up consultas_medicas to" in done.out
    assert schema(sandbox) == before and backups(sandbox) == taken


def test_rollback_behind_a_verified_backup_then_forward_again(sandbox):
    taken = backups(sandbox)

    back = run(sandbox, "rollback_migration.yml", "-e", "app=professionals", "-e", "migration=0004_normalize_emails")

    assert back.rc == 0, back.out
    assert applied(sandbox)[-1] == "0004_normalize_emails"
    assert (PROFESSIONALS_INDEX,) not in schema(sandbox)["indexes"]
    audit = last_audit(sandbox, "db-rollback-migration")
    assert audit["result"] == "ok" and audit["unapplied"] == ["professionals.0005_council_registration_index"]
    assert audit["plan"] == ["unapply professionals.0005_council_registration_index"]
    backup = Path(audit["backup_path"])
    assert backup.name not in taken and backup.exists()
    manifest = json.loads(Path(audit["manifest_path"]).read_text())
    assert manifest["migrations"]["professionals"][-1] == "0005_council_registration_index"
    assert manifest["image"].endswith(":" + sandbox.sha("v1.2.0"))

    forward = run(sandbox, "rollback_migration.yml", "-e", "app=professionals",
                  "-e", "migration=0005_council_registration_index")

    assert forward.rc == 0, forward.out
    assert applied(sandbox)[-1] == "0005_council_registration_index"
    assert (PROFESSIONALS_INDEX,) in schema(sandbox)["indexes"]
    assert last_audit(sandbox, "db-rollback-migration")["applied"] == ["professionals.0005_council_registration_index"]

    again = run(sandbox, "rollback_migration.yml", "-e", "app=professionals",
                "-e", "migration=0005_council_registration_index")
    assert again.rc == 0 and "nothing to do: professionals is already there" in again.out
    assert again.recap("lacrei-saude-backend")["changed"] == 0


def test_backup_db_then_list_backups_newest_first(sandbox):
    done = run(sandbox, "backup_db.yml")

    assert done.rc == 0, done.out
    audit = last_audit(sandbox, "db-backup")
    newest = Path(audit["backup_path"])
    assert audit["result"] == "ok" and newest.exists() and Path(str(newest) + ".manifest.json").exists()

    listed = run(sandbox, "list_backups.yml", "-e", "db_backup_list_verify=true")

    assert listed.rc == 0, listed.out
    rows = debug_lines(listed.out, "Show the backups, newest first")
    assert rows[0].startswith("TAKEN AT (UTC)") and newest.name in rows[1]
    assert sandbox.sha("v1.2.0")[:12] in rows[1] and " yes " in rows[1]
    assert "professionals:0005_council_registration_index" in rows[1]
    stamps = [row[:19] for row in rows[1:-1]]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) >= 2


def test_hand_made_plain_sql_dump_is_restored(sandbox):
    (sandbox.state / "backups").mkdir(exist_ok=True)  # a restore takes backups from backup_dir only
    dump = sandbox.state / "backups" / "backup_20260209_120000.sql"
    env = {"PATH": "/usr/bin:/bin", "PGPASSFILE": sandbox.env["PGPASSFILE"]}
    with dump.open("w") as out:  # the runbook's own: pg_dump -h ... consultas_medicas > backup.sql
        subprocess.run(["pg_dump", "-h", sandbox.env["PGHOST"], "-p", sandbox.env["PGPORT"], "-U",
                        sandbox.env["PGUSER"], sandbox.env["PGDATABASE"]], stdout=out, env=env, check=True)
    saved = row_counts(sandbox)
    query(sandbox, "DELETE FROM appointments_appointment WHERE id % 2 = 0")
    assert row_counts(sandbox) != saved

    done = run(sandbox, "restore_db.yml", "-e", f"backup_file={dump}")

    assert done.rc == 0, done.out
    assert "no manifest: checked it is a complete dump" in done.out
    assert row_counts(sandbox) == saved
    assert sandbox.get("/health/")[0] == 200
    audit = last_audit(sandbox, "db-restore")
    assert audit["result"] == "ok" and audit["validation"] == "passed" and audit["checksum_verified"] is False
    assert Path(audit["safety_backup_path"]).parent == sandbox.state / "backups"


def test_restore_round_trip_terminates_sessions_and_the_service_keeps_answering(sandbox):
    backed = run(sandbox, "backup_db.yml")
    assert backed.rc == 0, backed.out
    backup = last_audit(sandbox, "db-backup")["backup_path"]
    saved = row_counts(sandbox)
    query(sandbox, "DELETE FROM appointments_appointment")
    idle = psycopg2.connect(sandbox.env["DATABASE_URL"])  # a client the swap must not wait for

    try:
        planned = run(sandbox, "restore_db.yml", "-e", f"backup_file={backup}", "--check")
        assert planned.rc == 0, planned.out
        assert "checksum verified against its manifest" in planned.out
        assert re.search(r"open sessions: [1-9]", planned.out)
        assert row_counts(sandbox)["appointments_appointment"] == 0

        done = run(sandbox, "restore_db.yml", "-e", f"backup_file={backup}")
    finally:
        idle.close()

    assert done.rc == 0, done.out
    assert row_counts(sandbox) == saved
    audit = last_audit(sandbox, "db-restore")
    assert audit["terminated_sessions"] >= 1 and audit["checksum_verified"] is True
    assert audit["previous_database_name"].startswith("consultas_medicas_pre_restore_")
    status, body = sandbox.get("/health/")
    assert status == 200 and json.loads(body)["database"] == "ok"


def test_the_audit_trail_holds_no_password(sandbox):
    password = urlsplit(sandbox.env["DATABASE_URL"]).password
    trail = (sandbox.state / "audit.jsonl").read_text()

    assert password and password not in trail
    # Filled by the tests above (run the whole module).
    assert {line["runbook"] for line in sandbox.audit()} >= {"db-rollback-migration", "db-backup", "db-restore"}

