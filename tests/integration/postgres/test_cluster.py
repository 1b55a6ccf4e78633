"""The sandbox's throwaway PostgreSQL cluster (sandbox.postgres), against the real binaries."""
from __future__ import annotations

import os
import subprocess

import pytest

from sandbox import postgres, procs


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    path = tmp_path_factory.mktemp("pgstate")
    yield path
    postgres.stop_cluster(path, remove=True)


@pytest.fixture(scope="module")
def server(state):
    return postgres.start_cluster(state)


def psql(server: postgres.PgServer, query: str, dbname: str = "postgres", **extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(server.env(dbname), **extra_env)
    return subprocess.run([f"{server.bindir}/psql", "-XAtc", query], env=env,
                          capture_output=True, text=True, check=False)


def test_psql_connects_as_superuser_over_tcp(server):
    done = psql(server, "SELECT current_user, version(), inet_server_addr()")
    assert done.returncode == 0, done.stderr
    user, version, addr = done.stdout.strip().split("|")
    assert user == "postgres"
    assert version.startswith("PostgreSQL 15")
    assert addr == "127.0.0.1"


def test_listens_on_loopback_only_with_speed_settings(server):
    done = psql(server, "SHOW listen_addresses; SHOW fsync")
    assert done.stdout.split() == ["127.0.0.1", "off"]


def test_app_role_logs_in_with_password_from_environment(server):
    app = server.for_app()
    assert (app.user, app.password) == ("consultas", server.app_password)
    assert "PGPASSWORD" in app.env()
    done = psql(app, "SELECT current_user")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "consultas"


def test_app_role_is_refused_without_the_right_password(server):
    app = server.for_app()
    wrong = psql(app, "SELECT 1", PGPASSWORD="not-the-password")
    assert wrong.returncode != 0
    assert "password authentication failed" in wrong.stderr


def test_start_is_idempotent(state, server):
    pid = procs.read_pid("postgres", state)
    again = postgres.start_cluster(state)
    assert again == server
    assert procs.read_pid("postgres", state) == pid


def test_start_adopts_a_running_cluster_whose_pidfile_was_lost(state, server):
    pid = procs.read_pid("postgres", state)
    (state / "pids" / "postgres.pid").unlink()
    assert postgres.start_cluster(state).port == server.port
    assert procs.read_pid("postgres", state) == pid


def test_create_database_is_idempotent_and_sets_owner(server):
    postgres.create_database(server, "idem_db", owner="consultas")
    postgres.create_database(server, "idem_db", owner="consultas")
    done = psql(server, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'idem_db'")
    assert done.stdout.strip() == "consultas"
    postgres.drop_database(server, "idem_db")
    assert psql(server, "SELECT count(*) FROM pg_database WHERE datname = 'idem_db'").stdout.strip() == "0"


def test_dsn_and_env_carry_the_password_only_when_set(server):
    assert server.dsn("db1") == f"postgresql://postgres@127.0.0.1:{server.port}/db1"
    assert "PGPASSWORD" not in server.env()
    app = server.for_app()
    assert app.dsn("db1").startswith("postgresql://consultas:")
    assert app.env("db1")["PGDATABASE"] == "db1"


def test_external_server_follows_database_url(server, monkeypatch):
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.setenv("DATABASE_URL", server.for_app().dsn("postgres"))
    found = postgres.external_server()
    assert (found.host, found.port, found.user) == ("127.0.0.1", server.port, "consultas")
    assert found.password == server.app_password


def test_external_server_follows_pg_variables(server, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    assert postgres.external_server().port == server.port


def test_external_server_is_none_when_unset_or_unreachable(monkeypatch):
    for key in ("DATABASE_URL", "PGHOST", "PGPORT"):
        monkeypatch.delenv(key, raising=False)
    assert postgres.external_server() is None
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(procs.free_port()))
    assert postgres.external_server() is None


def test_stop_leaves_no_process_and_restart_keeps_data(tmp_path_factory):
    state = tmp_path_factory.mktemp("pgstop")
    first = postgres.start_cluster(state)
    postgres.create_database(first, "kept")
    pid = procs.read_pid("postgres", state)
    postgres.stop_cluster(state)
    assert not procs.pid_alive(pid)
    assert not (state / "pids" / "postgres.pid").exists()
    assert not procs.port_open(first.port)
    try:
        second = postgres.start_cluster(state)
        assert second.app_password == first.app_password
        assert psql(second, "SELECT 1 FROM pg_database WHERE datname = 'kept'").stdout.strip() == "1"
    finally:
        postgres.stop_cluster(state, remove=True)
    assert not (state / "pg").exists()


def test_procs_stop_all_stops_the_cluster(tmp_path_factory):
    state = tmp_path_factory.mktemp("pgstopall")
    postgres.start_cluster(state)
    pid = procs.read_pid("postgres", state)
    try:
        assert procs.stop_all(state) == ["postgres"]
        assert not procs.pid_alive(pid)
    finally:
        postgres.stop_cluster(state, remove=True)


def test_fallback_folder_of_a_deleted_state_is_swept(tmp_path_factory):
    gone, live = tmp_path_factory.mktemp("pggone"), tmp_path_factory.mktemp("pglive")
    postgres.start_cluster(gone)
    postgres.stop_cluster(gone)
    orphan = (gone / "pg").resolve()
    if orphan == gone / "pg":
        pytest.skip("state folder is reachable by postgres: no fallback folder to sweep")
    (gone / "pg").unlink()
    try:
        postgres.start_cluster(live)
        assert not orphan.exists()
    finally:
        postgres.stop_cluster(live, remove=True)


def test_stopped_clusters_under_a_folder_are_removed_and_running_ones_kept(tmp_path_factory):
    """What the test session's end does with the clusters its sandboxes stopped (tests/conftest.py)."""
    parent = tmp_path_factory.mktemp("pgsession")
    stopped, running = parent / "stopped", parent / "running"
    stopped.mkdir(), running.mkdir()
    postgres.start_cluster(stopped)
    postgres.stop_cluster(stopped)
    try:
        postgres.start_cluster(running)
        kept, gone = (running / "pg").resolve(), (stopped / "pg").resolve()
        removed = postgres.remove_stopped_under(parent)
        if gone == stopped / "pg":
            assert removed == []  # postgres reaches the state folder: nothing lives outside it
            return
        assert removed == [gone] and not gone.exists() and not (stopped / "pg").is_symlink()
        assert kept.exists() and postgres.query(postgres.start_cluster(running), "SELECT 1") == [(1,)]
    finally:
        postgres.stop_cluster(running, remove=True)
