"""django_migrations_info on a real Django project (the miniproj fixture) with SQLite, so no
server is needed; the PostgreSQL runs are in tests/integration/db/test_django_migrations_real.py."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.lacrei.rollback.plugins.modules import django_migrations_info as mod

MINIPROJ = Path(__file__).resolve().parents[3] / "integration" / "db" / "fixtures" / "miniproj"
SQLITE_SETTINGS = """
from miniproj.settings import *  # noqa: F401,F403
import os
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SQLITE_PATH"]}}
"""


@pytest.fixture
def project(tmp_path) -> dict:
    """miniproj on SQLite with clinic migrated to 0002 and notes not at all."""
    path = shutil.copytree(MINIPROJ, tmp_path / "miniproj", ignore=shutil.ignore_patterns("__pycache__"))
    (path / "sqlite_settings.py").write_text(SQLITE_SETTINGS)
    options = dict(project_path=str(path), python=sys.executable, settings="sqlite_settings",
                   environment={"SQLITE_PATH": str(tmp_path / "db.sqlite3")})
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "sqlite_settings", **options["environment"]}
    subprocess.run([sys.executable, "manage.py", "migrate", "clinic", "0002", "--noinput"], cwd=path, env=env,
                   check=True, capture_output=True)
    return options


def test_every_app_with_applied_flags(run_module, project):
    result = run_module(mod, project)

    assert result["changed"] is False and not result.get("failed"), result
    assert result["migrations"] == {
        "clinic": [{"name": "0001_initial", "applied": True}, {"name": "0002_seed_patients", "applied": True},
                   {"name": "0003_capitalize_names", "applied": False}, {"name": "0004_name_index", "applied": False}],
        "notes": [{"name": "0001_initial", "applied": False}, {"name": "0002_note_body", "applied": False}],
    }


def test_one_app_and_check_mode_answer_the_same(run_module, project):
    result = run_module(mod, dict(project, app="notes"), check_mode=True)

    assert result["changed"] is False
    assert result["migrations"] == {"notes": [{"name": "0001_initial", "applied": False},
                                              {"name": "0002_note_body", "applied": False}]}


def test_unknown_app_is_named(run_module, project):
    result = run_module(mod, dict(project, app="nope"))

    assert result["failed"] and result["msg"] == "No installed app with label 'nope'."


def test_it_only_reads(run_module, project):
    result = run_module(mod, dict(project, app="clinic", target="0001"))

    assert result["failed"] and "Unsupported parameters" in result["msg"] and "target" in result["msg"]


def test_a_folder_without_manage_py_is_refused(run_module, tmp_path):
    result = run_module(mod, dict(project_path=str(tmp_path)))

    assert result["failed"] and result["msg"] == f"No manage.py in project_path {tmp_path}"


def test_environment_values_are_not_shown(run_module, project):
    secret = "postgresql://consultas:s3cret-pw@127.0.0.1:1/x"
    result = run_module(mod, dict(project, environment=dict(project["environment"], DATABASE_URL=secret)))

    assert not result.get("failed") and "s3cret-pw" not in json.dumps(result)
