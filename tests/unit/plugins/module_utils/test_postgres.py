"""module_utils.postgres and module_utils.command: env building, tool lookup, argv-only runs, errors."""
from __future__ import annotations

import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lacrei.rollback.plugins.module_utils.command import CommandFailed, error_line, run
from ansible_collections.lacrei.rollback.plugins.module_utils.postgres import (
    POSTGRES_CONNECTION_SPEC,
    Postgres,
    connection_env,
)
from sandbox import procs

SECRET = "s3cr3t-Pa55"


def make_module(**args) -> AnsibleModule:
    with patch_module_args(args):
        return AnsibleModule(argument_spec=dict(POSTGRES_CONNECTION_SPEC), supports_check_mode=True)


def test_connection_env_maps_set_options_only():
    env = connection_env(dict(login_host="db", login_port=5433, login_user="app", login_password=SECRET,
                              passfile=None, connect_timeout=7))

    assert env == {"PGAPPNAME": "lacrei.rollback", "PGHOST": "db", "PGPORT": "5433", "PGUSER": "app",
                   "PGPASSWORD": SECRET, "PGCONNECT_TIMEOUT": "7"}


def test_unset_options_leave_libpq_defaults():
    assert connection_env({"login_host": None, "login_password": ""}) == {"PGAPPNAME": "lacrei.rollback"}


def test_tool_prefers_pg_bindir(tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 99.1'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    pg = Postgres(make_module(pg_bindir=str(tmp_path)))

    assert pg.tool("pg_dump") == str(fake)
    assert pg.tool_version("pg_dump") == "99.1"
    assert os.path.basename(pg.tool("psql")) == "psql"  # not in pg_bindir: found on PATH


def test_password_travels_in_env_never_in_cmd():
    pg = Postgres(make_module(login_host="127.0.0.1", login_port=procs.free_port(), login_user="app",
                              login_password=SECRET, connect_timeout=2))

    with pytest.raises(CommandFailed) as caught:
        pg.server_version()

    details = caught.value.details
    assert "Connection refused" in caught.value.msg and caught.value.msg.startswith("Failed to connect to PostgreSQL")
    assert SECRET not in details["cmd"] and "-v ON_ERROR_STOP=1" in details["cmd"] and details["rc"] == 2


def test_run_reports_rc_stdout_stderr_cmd():
    module = make_module()

    with pytest.raises(CommandFailed) as caught:
        run(module, ["sh", "-c", "echo out; echo 'warning: x' >&2; echo 'ERROR: boom $HOME' >&2; exit 3"], "do a thing")

    exc = caught.value
    assert exc.msg == "Failed to do a thing: ERROR: boom $HOME"  # no $VAR expansion of argv or output
    assert exc.details["rc"] == 3 and exc.details["stdout"] == "out\n" and "warning: x" in exc.details["stderr"]
    assert exc.details["cmd"].startswith("sh -c ")


def test_run_passes_data_on_stdin_and_env():
    result = run(make_module(), ["sh", "-c", 'cat; printf "%s" "$X"'], "echo", env={"X": "y"}, data="in")

    assert result.rc == 0 and result.stdout == "in\ny"


@pytest.mark.parametrize("text, line", [
    ("Traceback (most recent call last):\n  File \"x\", line 1\ndjango.db.utils.OperationalError: connection "
     "failed: Connection refused\n\tIs the server running?\n", "django.db.utils.OperationalError: connection failed: "
                                                                "Connection refused"),
    ("pg_dump: error: connection to server failed: refused\n\tIs the server running?\n",
     "pg_dump: error: connection to server failed: refused"),
    ("just a message\nlast words\n", "last words"),
    ("", ""),
])
def test_error_line_picks_the_informative_line(text, line):
    assert error_line(text) == line
