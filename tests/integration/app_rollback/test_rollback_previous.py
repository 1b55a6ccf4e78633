"""The runbook story: a bad release (v1.3.0) goes out; `target=previous` puts v1.2.0 back, the
API answers again, the audit trail says so; asking again changes nothing or moves one known-good
release further back, as docs/runbooks/app-rollback.md says."""
from __future__ import annotations

import pytest

HOST = "lacrei-saude-backend"


@pytest.fixture(scope="module")
def bad_release(sandbox):
    assert sandbox.pipeline_deploy("v1.3.0") == "SUCCEEDED"
    assert sandbox.get("/api/appointments/")[0] == 500
    return sandbox


def test_list_images_marks_the_running_image(bad_release):
    run = bad_release.playbook("list_images.yml")
    assert run.rc == 0, run.out
    row = next(line for line in run.out.splitlines() if bad_release.sha("v1.3.0")[:12] in line and "v1.3.0" in line)
    assert "<- running" in row and " ok " in row
    for version in ("v1.0.0", "v1.1.0", "v1.2.0", "v1.4.0"):
        assert f"{bad_release.sha(version)[:12]}  {version}" in run.out
    assert "previous good release: " + bad_release.sha("v1.2.0") in run.out


def test_previous_puts_the_last_good_release_back(bad_release):
    before = len(bad_release.operations())
    run = bad_release.playbook("rollback_app.yml", "-e", "target=previous")
    assert run.rc == 0, run.out
    assert run.recap(HOST)["changed"] == 1
    assert bad_release.running() == bad_release.image("v1.2.0")
    assert len(bad_release.operations()) == before + 1
    assert bad_release.operations()[0]["Status"] == "SUCCEEDED"
    assert bad_release.get("/api/appointments/")[0] == 200

    line = bad_release.audit()[-1]
    assert line["result"] == "ok" and line["runbook"] == "app-rollback" and line["inventory"] == "sandbox"
    assert (line["from_image"], line["to_image"]) == (bad_release.image("v1.3.0"), bad_release.image("v1.2.0"))
    assert line["operation_id"] == bad_release.operations()[0]["Id"]
    assert line["validation"] == "passed" and line["requested"] == {"target": "previous"}
    assert line["who"]["os_user"] and line["who"]["aws_caller_arn"].startswith("arn:aws:sts::")
    assert {"gate", "preflight", "deploy", "verify"} <= set(line["phase_seconds"])
    text = (bad_release.state / "audit.jsonl").read_text()
    database_password = bad_release.env["DATABASE_URL"].split("@")[0].rsplit(":", 1)[1]
    assert "AWS_SECRET_ACCESS_KEY" not in text and database_password not in text


def test_the_same_sha_again_changes_nothing(bad_release):
    before = len(bad_release.operations())
    run = bad_release.playbook("rollback_app.yml", "-e", f"sha={bad_release.sha('v1.2.0')}")
    assert run.rc == 0, run.out
    assert run.recap(HOST)["changed"] == 0
    assert "already runs" in run.out
    assert len(bad_release.operations()) == before
    assert bad_release.audit()[-1]["result"] == "ok" and bad_release.audit()[-1]["changed"] is False


def test_previous_again_refuses_when_no_older_release_ran(bad_release):
    before = len(bad_release.operations())
    run = bad_release.playbook("rollback_app.yml", "-e", "target=previous")
    assert run.rc != 0
    assert "No earlier good release known for lacrei-saude-backend" in run.out
    assert len(bad_release.operations()) == before
    assert bad_release.running() == bad_release.image("v1.2.0")
    assert bad_release.audit()[-1]["result"] == "refused"


def test_a_short_sha_works(bad_release):
    """(That a second `target=previous` moves one known-good release back when an older one ran is
    shown in tests/integration/aws_modules/test_apprunner_release_history.py.)"""
    # v1.0.0 is behind v1.2.0's irreversible migration (schema check: restore_required; see
    # test_schema_rollback.py); its code runs against this schema, so the check is skipped here.
    run = bad_release.playbook("rollback_app.yml", "-e", f"sha={bad_release.sha('v1.0.0')[:7]}",
                               "-e", "schema_check=skip")
    assert run.rc == 0, run.out
    assert bad_release.running() == bad_release.image("v1.0.0")
    assert bad_release.get("/health/")[0] == 200
    assert bad_release.audit()[-1]["requested"] == {"sha": bad_release.sha("v1.0.0")[:7]}
    assert bad_release.audit()[-1]["schema_check"] == "skipped"

