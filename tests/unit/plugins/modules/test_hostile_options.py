"""Hostile input at the last line: each module refuses an injected value of its own options itself,
before any command, AWS call or connection, naming the option (module_utils input_checks).

No server runs here on purpose: a refusal that needed one would come too late. The cases are listed
in docs/reliability.md ("Hostile input", modules).
"""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import input_checks

AWS = {"region": "us-east-1"}
ARN = "arn:aws:apprunner:us-east-1:123456789012:service/lacrei-saude-backend/0123456789abcdef"
PG = {"login_host": "127.0.0.1", "login_port": 9, "login_user": "nobody"}  # port 9: nothing listens


def cases(tmp_path):
    pwned = tmp_path / "pwned"
    backups = tmp_path / "backups"
    backups.mkdir(exist_ok=True)
    outside = tmp_path / "elsewhere.dump"
    outside.write_text("-- not a backup\n")
    (backups / "link.dump").symlink_to(outside)
    git = {"repo_path": str(tmp_path)}
    return pwned, [
        ("git_revert", dict(git, commit=f"--upload-pack=touch {pwned}"), "commit"),
        ("git_revert", dict(git, commit="HEAD..main"), "commit"),
        ("git_revert", dict(git, remote=f"--upload-pack=touch {pwned}"), "remote"),
        ("git_revert", dict(git, remote="ext::sh -c touch% x"), "remote"),
        ("git_revert", dict(git, branch="-D"), "branch"),
        ("git_revert", dict(git, branch="main\nother"), "branch"),
        ("git_revert", {"repo_path": "-C/tmp"}, "repo_path"),
        ("django_release_export", dict(git, dest=str(tmp_path / "x"), rev=f"--upload-pack=touch {pwned}"), "rev"),
        ("django_release_export", dict(git, dest="-x", rev="v1"), "dest"),
        ("ecr_image_info", dict(AWS, repository="r", sha="--upload-pack=touch x"), "sha"),
        ("ecr_image_info", dict(AWS, repository="r", sha="g" * 40), "sha"),
        ("ecr_image_info", dict(AWS, repository="r", tag="v1\nv2"), "tag"),
        ("postgres_restore", dict(PG, backup_file="../../etc/passwd", backup_dir=str(backups), database="db"),
         "backup_file"),
        ("postgres_restore", dict(PG, backup_file=str(backups / ".." / "elsewhere.dump"), backup_dir=str(backups),
                                  database="db"), "backup_file"),
        ("postgres_restore", dict(PG, backup_file=str(backups / "link.dump"), backup_dir=str(backups),
                                  database="db"), "backup_file"),  # a symlink out of the folder
        ("postgres_restore", dict(PG, backup_file="-f/etc/passwd", database="db"), "backup_file"),
        ("django_migrations", {"project_path": str(tmp_path), "app": "professionals",
                               "target": "0001; DROP TABLE professionals_professional"}, "target"),
        ("django_migrations", {"project_path": str(tmp_path), "app": "x; touch y", "target": "zero"}, "app"),
        ("django_migrations_info", {"project_path": str(tmp_path), "app": "../professionals"}, "app"),
        ("apprunner_config", dict(AWS, service_arn=ARN, from_git={"repo_path": str(tmp_path), "ref": "-Ux"}),
         "from_git.ref"),
        ("apprunner_config", dict(AWS, service_arn=ARN, from_git={"repo_path": str(tmp_path), "ref": "HEAD",
                                                                   "path": "../../etc/passwd"}), "from_git.path"),
        ("apprunner_config", dict(AWS, service_arn=ARN, from_snapshot="1; DROP"), "from_snapshot"),
        ("config_snapshot", dict(AWS, service_arn=ARN, reason="x" * 5000), "reason"),
        ("config_snapshot", dict(AWS, service_arn=ARN, reason="ok\nInjected: 1"), "reason"),
        ("input_check", {"inputs": {"confirm": {"value": "svc\nrm -rf /", "kind": "service_names"}}}, "confirm"),
        ("input_check", {"inputs": {"target": {"value": "previous;id", "choices": ["previous"]}}}, "target"),
    ]


def test_every_module_refuses_its_hostile_options_before_doing_anything(run_module, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    pwned, table = cases(tmp_path)
    for module, args, option in table:
        result = run_module(module, args)
        assert result.get("failed") is True, (module, args, result)
        assert result["msg"].startswith(f"Refused, nothing was changed: {option} must be"), (module, result["msg"])
        assert result["refused_argument"] == option
        assert len(result["msg"]) < 400
    assert not pwned.exists()


def test_ordinary_values_pass(tmp_path):
    for name, value, kind in [("sha", "ABCDEF1", "git_sha"), ("commit", "HEAD~1", "git_ref"),
                              ("branch", "release/1.2", "git_ref"), ("env_file", "config/.env.example", "relative_path"),
                              ("migration", "0001_initial", "migration"), ("confirm", "svc-a, svc_b", "service_names"),
                              ("baseline_end", "2024-05-02T13:30:00+00:00", "timestamp"), ("reason", "pré-campanha", "line")]:
        assert input_checks.check(name, value, kind) == value
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.dump").write_text("")
    assert input_checks.inside("backup_file", str(tmp_path / "b" / "x.dump"), str(tmp_path / "b")).endswith("x.dump")


def test_unknown_kind_is_a_clear_error(run_module):
    result = run_module("input_check", {"inputs": {"x": {"value": "1", "kind": "nope"}}})
    assert result["failed"] is True and "Unknown input kind(s) nope" in result["msg"]
    given = run_module("input_check", {"inputs": {"x": {"value": 3, "kind": "number"}, "y": ""}})
    assert given["checked"] == ["x"] and given["changed"] is False


@pytest.mark.parametrize("value", ["a" * 2000, "\x00"])
def test_refused_values_are_shown_short(value):
    with pytest.raises(input_checks.InputRefused) as refused:
        input_checks.check("reason", value, "line")
    assert len(refused.value.msg) < 200 and refused.value.name == "reason"
