"""Argument checks: each accepts what the playbooks accept and refuses the rest with a clear message."""
from __future__ import annotations

from pathlib import Path

import pytest

from lacrei_rollback import InvalidArgument
from lacrei_rollback import validate as v


@pytest.mark.parametrize("value, expected", [("abcdef1", "abcdef1"), ("ABCDEF1234", "abcdef1234"), ("a" * 40, "a" * 40)])
def test_git_sha_accepts_7_to_40_hex(value, expected):
    assert v.git_sha("sha", value) == expected


@pytest.mark.parametrize("value", ["abcdef", "a" * 41, "xyz1234", "", None, 1234567, "abc 123"])
def test_git_sha_refuses_the_rest(value):
    with pytest.raises(InvalidArgument, match="sha"):
        v.git_sha("sha", value)


def test_text_value_refuses_control_characters_and_non_strings():
    assert v.text_value("confirm", "svc-a,svc-b") == "svc-a,svc-b"
    for bad in ("", "a\nb", "\x00", 3, None):
        with pytest.raises(InvalidArgument, match="single-line"):
            v.text_value("confirm", bad)


def test_identifier_and_migration_names():
    assert v.identifier("app", "consultas") == "consultas"
    assert v.migration_name("migration", "0003_add_field") == "0003_add_field"
    assert v.migration_name("migration", "zero") == "zero" and v.migration_name("m", "0003") == "0003"
    for check, bad in ((v.identifier, "1app"), (v.identifier, "app-x"), (v.migration_name, "add_field"),
                       (v.migration_name, "003_x")):
        with pytest.raises(InvalidArgument):
            check("x", bad)


def test_git_ref_and_release():
    assert v.git_ref("commit", "HEAD~1") == "HEAD~1" and v.git_ref("commit", "release/v1.2") == "release/v1.2"
    assert v.release("r", "v1.2.0") == "v1.2.0" and v.release("r", "abcdef1") == "abcdef1"
    for check, bad in ((v.git_ref, "a..b"), (v.git_ref, "-rf"), (v.release, "latest"), (v.release, "1.2.0")):
        with pytest.raises(InvalidArgument):
            check("x", bad)


def test_choice_positive_int_and_flag():
    assert v.choice("target", "previous", ("previous",)) == "previous"
    with pytest.raises(InvalidArgument, match="one of previous"):
        v.choice("target", "latest", ("previous",))
    assert v.positive_int("window", 5, maximum=10) == 5
    for bad in (0, -1, True, "5", 1.5):
        with pytest.raises(InvalidArgument, match="positive integer"):
            v.positive_int("window", bad)
    with pytest.raises(InvalidArgument, match="at most 10"):
        v.positive_int("window", 11, maximum=10)
    assert v.flag("check", False) is False
    with pytest.raises(InvalidArgument, match="True or False"):
        v.flag("check", "no")


def test_path_value_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert v.path_value("backup_file", "dump.pgc") == str(tmp_path / "dump.pgc")
    assert v.path_value("backup_file", Path("/x/y.pgc")) == "/x/y.pgc"


def test_exactly_one_and_optional():
    assert v.exactly_one(sha="abc", target=None) == "sha"
    with pytest.raises(InvalidArgument, match="got none"):
        v.exactly_one(sha=None, target=None)
    with pytest.raises(InvalidArgument, match="got sha, target"):
        v.exactly_one(sha="a", target="b")
    assert v.optional(v.git_sha, "sha", None) is None
    assert v.optional(v.choice, "t", "previous", ("previous",)) == "previous"


def test_duration_and_timestamp():
    from datetime import datetime, timezone

    assert v.duration("window", "10m") == "10m"
    for bad in ("10", "0s", "10 m", "1d"):
        with pytest.raises(InvalidArgument, match="duration"):
            v.duration("window", bad)
    assert v.timestamp("t", "2024-05-02T13:30:00Z") == "2024-05-02T13:30:00+00:00"
    assert v.timestamp("t", datetime(2024, 5, 2, tzinfo=timezone.utc)) == "2024-05-02T00:00:00+00:00"
    assert v.timestamp("t", 1714656600) == "1714656600"
    with pytest.raises(InvalidArgument, match="ISO 8601"):
        v.timestamp("t", "yesterday")
    for naive in ("2024-05-02T13:30:00", datetime(2024, 5, 2), True):
        with pytest.raises(InvalidArgument, match="time zone"):
            v.timestamp("t", naive)


def test_commit_is_head_or_a_sha():
    assert v.commit("commit", "HEAD") == "HEAD" and v.commit("commit", "ABCDEF1") == "abcdef1"
    for bad in ("head", "HEAD~1", "main", "abc12", "a" * 41):
        with pytest.raises(InvalidArgument, match="HEAD or a git SHA"):
            v.commit("commit", bad)


def test_config_version():
    assert v.config_version("config_version", "previous") == "previous"
    assert v.config_version("config_version", 3) == "3" and v.config_version("config_version", "12") == "12"
    assert v.config_version("config_version", "latest") == "latest"
    for bad in (0, -2, "0", "03", "prev", True, 1.5):
        with pytest.raises(InvalidArgument, match="config_version"):
            v.config_version("config_version", bad)


def test_existing_paths(tmp_path):
    dump = tmp_path / "backup.dump"
    dump.write_bytes(b"x")
    assert v.existing_path("backup_file", dump) == str(dump)
    assert v.existing_directory("app_repo_path", str(tmp_path)) == str(tmp_path)
    with pytest.raises(InvalidArgument, match="does not exist"):
        v.existing_path("backup_file", tmp_path / "missing.dump")
    with pytest.raises(InvalidArgument, match="existing directory"):
        v.existing_directory("app_repo_path", dump)


def test_secret_url_never_echoes_the_value():
    url = "https://hooks.example.invalid/T0/B0/s3cr3t"
    assert v.secret_url("webhook_url", url) == url
    for bad in ("hooks.example/s3cr3t", "ftp://x/s3cr3t", "https://x/s3cr3t with space", "https:///s3cr3t", None):
        with pytest.raises(InvalidArgument, match="not shown") as caught:
            v.secret_url("webhook_url", bad)
        assert "s3cr3t" not in str(caught.value)
