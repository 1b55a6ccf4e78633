"""Hostile input through ansible-playbook: every runbook's extra vars tried with malformed, oversized,
unicode, shell-metacharacter and option-injection values against a private sandbox.

Each run must fail naming the argument, and together they must change nothing: the service, its
operations, SSM, the databases and their rows, the app repository's refs, the backups, reports and
webhook messages are the same before and after; no injected command ran (``pwned`` never appears);
every audit line the runs left says ``refused``. The runs go in parallel (a few at a time) to keep
the wall time small. The cases are listed in docs/reliability.md ("Hostile input").
"""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sandbox import postgres
from tests.integration.sandbox_fixture import private_sandbox

HOST = "lacrei-saude-backend"
PARALLEL = 4
HUGE = "x" * 20_000

# (playbook, extra vars, the argument the refusal names). "{pwned}" becomes a path in the sandbox.
CASES = [
    ("rollback_app.yml", {"sha": "--upload-pack=touch {pwned}"}, "sha"),
    ("rollback_app.yml", {"sha": "ａｂｃｄｅｆ１２"}, "sha"),
    ("rollback_app.yml", {"target": "previous; touch {pwned}"}, "target"),
    ("rollback_app.yml", {"target": "previous", "confirm": "lacrei-saude-backend\ntouch {pwned}"}, "confirm"),
    ("rollback_app.yml", {"target": "previous", "app_rollback_wait_timeout": "forever"}, "app_rollback_wait_timeout"),
    ("rollback_app.yml", {"target": "previous", "schema_check": "skip; touch {pwned}"}, "app_rollback_schema_check"),
    ("rollback_app.yml", {"target": "previous", "with_database": "maybe"}, "app_rollback_with_database"),
    ("rollback_config.yml", {"config_version": "1; DROP TABLE x"}, "config_version"),
    ("rollback_config.yml", {"config_ref": "--output={pwned}"}, "config_ref"),
    ("rollback_config.yml", {"config_ref": "HEAD", "env_file": "../../etc/passwd"}, "env_file"),
    ("snapshot_config.yml", {"reason": HUGE}, "reason"),
    ("rollback_git.yml", {"commit": "--upload-pack=touch {pwned}"}, "commit"),
    ("rollback_git.yml", {"commit": "HEAD", "app_repo_remote": "--upload-pack=touch {pwned}"}, "app_repo_remote"),
    ("rollback_git.yml", {"commit": "HEAD", "app_repo_branch": "-D"}, "app_repo_branch"),
    ("rollback_git.yml", {"commit": "HEAD", "mainline": "1; id"}, "mainline"),
    ("rollback_git.yml", {"commit": "HEAD", "app_repo_path": "-C/tmp"}, "app_repo_path"),
    ("rollback_migration.yml", {"app": "professionals", "migration": "0001; DROP TABLE professionals_professional"},
     "migration"),
    ("rollback_migration.yml", {"app": "professionals; touch {pwned}", "migration": "zero"}, "app"),
    ("restore_db.yml", {"backup_file": "../../etc/passwd"}, "backup_file"),
    ("restore_db.yml", {"backup_file": "/etc/passwd"}, "backup_file"),
    ("emergency.yml", {"sha": "; touch {pwned}"}, "sha"),
    ("emergency.yml", {"confirm": "lacrei-saude-backend,$(touch {pwned})"}, "confirm"),
    ("monitor.yml", {"window": "10m; touch {pwned}"}, "window"),
    ("monitor.yml", {"interval": "-1s"}, "interval"),
    ("monitor.yml", {"breach_intervals": "3 && id"}, "monitor_breach_intervals"),  # the role's argument spec
    ("monitor.yml", {"baseline_end": "yesterday"}, "baseline_end"),
    ("monitor.yml", {"baseline_end": "2024-05-02T13:30:00Z", "baseline_window": "30m\u0000"}, "baseline_window"),
    ("drill.yml", {"drill": "../../etc"}, "drill"),
    ("drill.yml", {"drill_good_release": "--upload-pack=touch {pwned}"}, "drill_good_release"),
    ("drill.yml", {"drill_release_under_test": "v1.3.0\nv1.4.0"}, "drill_release_under_test"),
    ("show_migrations.yml", {"app": "professionals\nid"}, "app"),
    ("list_backups.yml", {"db_backup_list_verify": "maybe"}, "db_backup_list_verify"),
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "hostile-input-sandbox", rows=20) as box:
        yield box


def state_of(box) -> dict:
    """Everything a runbook could change, as comparable data."""
    service = box.service()
    url = box.env["DATABASE_URL"]
    tables = [name for (name,) in postgres.query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    ssm = box.client("ssm", "AWS_ENDPOINT_URL_SSM")
    parameters = ssm.get_parameters_by_path(Path="/", Recursive=True).get("Parameters", [])
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname) %(objectname)"], cwd=box.env["APP_REPO"],
                          capture_output=True, text=True, check=True).stdout
    folders = {name: sorted(p.name for p in (box.state / name).glob("*")) for name in ("backups", "reports", "webhook")}
    return {"image": service["SourceConfiguration"]["ImageRepository"],
            "operations": [op["Id"] for op in box.operations()],
            "parameters": sorted((p["Name"], p["Version"]) for p in parameters),
            "databases": sorted(name for (name,) in postgres.query(url, "SELECT datname FROM pg_database")),
            "rows": {table: postgres.query(url, f'SELECT count(*) FROM "{table}"')[0][0] for table in sorted(tables)},
            "refs": refs, "folders": folders}


@pytest.fixture(scope="module")
def outcomes(sandbox):
    """Every case run once (in parallel); the state before and after, and the audit lines they left."""
    pwned = sandbox.state / "pwned"
    before, audit_before = state_of(sandbox), len(sandbox.audit())

    def run(case):
        playbook, extra, _named = case
        values = {key: value.replace("{pwned}", str(pwned)) for key, value in extra.items()}
        return sandbox.playbook(playbook, "-e", json.dumps(values))

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        runs = list(pool.map(run, CASES))
    return {"runs": runs, "before": before, "after": state_of(sandbox), "pwned": pwned,
            "audit": sandbox.audit()[audit_before:]}


@pytest.mark.parametrize("number", range(len(CASES)),
                         ids=[f"{case[0][:-4]}-{case[2]}-{number}" for number, case in enumerate(CASES)])
def test_hostile_extra_var_is_refused_naming_it(outcomes, number):
    _playbook, _extra, named = CASES[number]
    run = outcomes["runs"][number]
    assert run.rc != 0, run.out
    assert f"{named} must be" in run.out or f"argument '{named}'" in run.out, run.out[-3000:]
    assert run.recap(HOST)["changed"] == 0 and run.recap(HOST)["failed"] == 1


def test_nothing_changed_and_nothing_injected_ran(outcomes):
    assert outcomes["after"] == outcomes["before"]
    assert not outcomes["pwned"].exists()
    assert not (Path.cwd() / "x").exists()


def test_every_audit_line_says_refused(outcomes):
    lines = outcomes["audit"]
    assert lines, "the runbooks that audit left no line"
    assert {line["result"] for line in lines} == {"refused"}, [(line["runbook"], line["result"]) for line in lines]
