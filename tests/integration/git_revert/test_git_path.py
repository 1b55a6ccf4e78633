"""The git path end to end on a private sandbox: a push to the app repository's `staging` remote
runs the team's pipeline (sandbox/pipeline.py: build the pushed SHA's image, release phase,
deploy), and rollback_git.yml waits for the revert's deployment and validates it.

One sandbox for the module; the tests run in file order and each starts from what the one before
left serving.
"""
from __future__ import annotations

import json
import time

import pytest

from sandbox import postgres
from sandbox.pipeline import log_group
from tests.unit.plugins.modules.git_fixtures import git

PIPELINE_TIMEOUT = 240


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    from tests.integration.sandbox_fixture import private_sandbox

    with private_sandbox(tmp_path_factory, "git-path-sandbox", rows=50) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def work(box, tmp_path_factory):
    """A person's checkout of the staging remote (the remote is called `staging`, as in the runbook)."""
    path = tmp_path_factory.mktemp("git-path") / "work"
    git(path.parent, "clone", "--quiet", "--origin", "staging", box.env["STAGING_REMOTE_URL"], str(path))
    git(path, "config", "user.name", "Rollback Tests")
    git(path, "config", "user.email", "rollback-tests@example.invalid")
    return path


def outcome(box, sha: str) -> str:
    """Wait (bounded) for the pipeline run of ``sha`` to end; its last line."""
    log = box.state / "pipeline" / "pipeline.log"
    deadline = time.monotonic() + PIPELINE_TIMEOUT
    while True:
        lines = [line for line in (log.read_text().splitlines() if log.exists() else [])
                 if f" {sha[:12]} PIPELINE SUCCEEDED" in line or f" {sha[:12]} PIPELINE FAILED" in line]
        if lines:
            return lines[-1]
        assert time.monotonic() < deadline, f"no pipeline outcome for {sha} in {log}"
        time.sleep(0.5)


def push(work, ref: str = "HEAD") -> str:
    sha = git(work, "rev-parse", ref)
    git(work, "push", "--quiet", "--force", "staging", f"{sha}:refs/heads/main")
    git(work, "fetch", "--quiet", "staging")
    git(work, "reset", "--quiet", "--hard", "staging/main")
    return sha


def commit(work, files: dict[str, str | None], message: str) -> str:
    for rel, text in files.items():
        if text is None:
            git(work, "rm", "--quiet", rel)
        else:
            (work / rel).write_text(text)
            git(work, "add", rel)
    git(work, "commit", "--quiet", "-m", message)
    return git(work, "rev-parse", "HEAD")


def cloudwatch_lines(box, sha: str) -> list[str]:
    logs = box.client("logs", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")
    events = logs.get_log_events(logGroupName=log_group(box.env["APPRUNNER_SERVICE_NAME"]), logStreamName=sha,
                                 startFromHead=True)["events"]
    return [event["message"] for event in events]


def migrations(box) -> list[tuple]:
    return postgres.query(box.env["DATABASE_URL"], "SELECT app, name FROM django_migrations ORDER BY id")


def test_revert_of_v130_pushed_to_staging_deploys_the_reverted_code(box, work):
    v130 = box.sha("v1.3.0")
    git(work, "reset", "--quiet", "--hard", v130)
    assert push(work) == v130
    assert "PIPELINE SUCCEEDED" in outcome(box, v130)
    assert box.running() == box.image("v1.3.0")
    assert box.get("/api/appointments/")[0] == 500  # v1.3.0's business bug

    run = box.playbook("rollback_git.yml", "-e", "commit=HEAD", "-e", f"app_repo_path={work}")
    assert run.rc == 0, run.out
    revert = git(work, "rev-parse", "HEAD")
    assert git(work, "rev-parse", "HEAD^") == v130
    assert git(work, "rev-parse", "HEAD^{tree}") == git(work, "rev-parse", "v1.2.0^{tree}")
    assert box.running() == f"{box.env['ECR_REPOSITORY_URI']}:{revert}"
    status, body = box.get("/api/appointments/")
    assert status == 200, body
    health = json.loads(box.get("/health/")[1])
    assert (health["sha"], health["version"]) == (revert, "1.2.0")  # v1.2.0's code, the revert's SHA
    assert "/api/appointments/ answered as expected" in run.out

    lines = [line for line in box.audit() if line["runbook"] == "git-revert"]
    assert len(lines) == 1
    line = lines[0]
    assert (line["result"], line["commit"], line["revert_commit"], line["pipeline"]) == ("ok", v130, revert, "deployed")
    assert line["image"] == box.running()
    assert line["operation_id"] == box.operations()[0]["Id"] and box.operations()[0]["Status"] == "SUCCEEDED"
    assert cloudwatch_lines(box, revert)[-1].startswith("PIPELINE SUCCEEDED")


def test_a_push_whose_migration_fails_leaves_the_service_as_it_was(box, work):
    serving, applied, operations = box.running(), migrations(box), len(box.operations())
    bad = commit(work, {"appointments/migrations/0003_fails.py": (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('appointments', '0002_appointment_notes')]\n"
        "    operations = [migrations.RunSQL('ALTER TABLE appointments_appointment ADD COLUMN channel text'),\n"
        "                  migrations.RunSQL('SELECT no_such_function()')]\n")}, "Add a migration that fails")
    push(work)
    last = outcome(box, bad)
    assert "PIPELINE FAILED in release" in last
    assert box.running() == serving and len(box.operations()) == operations  # no UpdateService
    assert migrations(box) == applied
    assert not postgres.query(box.env["DATABASE_URL"], "SELECT 1 FROM information_schema.columns "
                              "WHERE table_name = 'appointments_appointment' AND column_name = 'channel'")
    assert box.get("/api/appointments/")[0] == 200
    assert any("no_such_function" in line for line in cloudwatch_lines(box, bad))
    assert cloudwatch_lines(box, bad)[-1].startswith("PIPELINE FAILED in release")


def test_rollback_git_shows_the_pipeline_failing_the_build(box, work):
    # A module with a syntax error and its removal, pushed together: the tip builds and deploys.
    commit(work, {"appointments/migrations/0003_fails.py": None}, "Drop the failing migration")
    commit(work, {"consultas/broken.py": "def oops(:\n"}, "Add a module that does not compile")
    fixed = commit(work, {"consultas/broken.py": None}, "Remove the module that does not compile")
    push(work)
    assert "PIPELINE SUCCEEDED" in outcome(box, fixed)
    serving = box.running()
    assert serving.endswith(fixed)

    # Reverting the removal brings the syntax error back: the build fails, nothing is deployed.
    run = box.playbook("rollback_git.yml", "-e", "commit=HEAD", "-e", f"app_repo_path={work}")
    assert run.rc != 0, run.out
    revert = git(work, "rev-parse", "HEAD")
    assert revert != fixed and git(work, "rev-parse", "staging/main") == revert
    assert f"The pipeline failed for {revert}: PIPELINE FAILED in build" in run.out
    assert "does not compile" in run.out
    assert box.running() == serving
    tags = {tag for image in box.ecr.list_images(repositoryName=box.env["ECR_REPOSITORY"])["imageIds"]
            for tag in [image.get("imageTag")] if tag}
    assert revert not in tags and fixed in tags
    line = [line for line in box.audit() if line["runbook"] == "git-revert"][-1]
    assert (line["result"], line["revert_commit"], line["pipeline"]) == ("failed", revert, "pipeline_failed")
