"""django_release_export on a real git repository: a release's files exported once, atomically; an
earlier export used as it is; what a killed run left behind removed; bad revisions refused."""
from __future__ import annotations

import os

import pytest

from ansible_collections.lacrei.rollback.plugins.modules import django_release_export as mod
from tests.unit.plugins.modules.git_fixtures import git

FILES = {"manage.py": "print('manage')\n", "consultas/settings.py": "DEBUG = False\n"}


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "app-repo"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch=main")
    for name, text in FILES.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "add", "--all")
    git(path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-m", "v1")
    git(path, "tag", "v1")
    (path / "manage.py").write_text("print('v2')\n")
    git(path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-am", "v2")
    return path


def sha(repo, ref="v1") -> str:
    return git(repo, "rev-parse", ref)


def export(run_module, repo, dest, rev, **options):
    return run_module(mod, dict(repo_path=str(repo), rev=rev, dest=str(dest), **options))


def test_exports_the_commits_files_and_leaves_no_scratch(run_module, repo, tmp_path):
    dest = tmp_path / "checkouts" / sha(repo)
    result = export(run_module, repo, dest, "v1")
    assert not result.get("failed"), result
    assert result["exported"] is True and result["changed"] is False and result["commit"] == sha(repo)
    assert {str(path.relative_to(dest)) for path in dest.rglob("*") if path.is_file()} == set(FILES)
    assert (dest / "manage.py").read_text() == FILES["manage.py"]  # v1's, not the working tree's v2
    assert sorted(path.name for path in dest.parent.iterdir()) == [dest.name]


def test_an_earlier_export_is_used_as_it_is(run_module, repo, tmp_path):
    dest = tmp_path / "checkouts" / "abc"
    dest.mkdir(parents=True)
    (dest / "manage.py").write_text("earlier\n")
    result = export(run_module, tmp_path / "no-repository-needed", dest, "v1")
    assert result["exported"] is False and not result.get("failed")
    assert (dest / "manage.py").read_text() == "earlier\n"


def test_a_killed_runs_leftovers_are_removed_and_never_used(run_module, repo, tmp_path):
    dest = tmp_path / "checkouts" / sha(repo)
    scratch = tmp_path / "checkouts" / "scratch.partial"
    scratch.mkdir(parents=True)
    (scratch / "half-written.py").write_text("")
    (tmp_path / "checkouts" / "scratch.partial.tar").write_bytes(b"cut short")
    result = export(run_module, repo, dest, sha(repo), scratch_path=str(scratch))
    assert result["exported"] is True, result
    assert not (dest / "half-written.py").exists() and (dest / "manage.py").exists()
    assert sorted(os.listdir(tmp_path / "checkouts")) == [dest.name]


def test_another_runs_complete_export_in_place_first_is_kept(run_module, repo, tmp_path, monkeypatch):
    dest = tmp_path / "checkouts" / sha(repo)
    rename = os.rename

    def the_other_run_was_faster(source, target):
        os.makedirs(target)
        (dest / "manage.py").write_text("the other run's\n")
        (dest / "x").write_text("")
        rename(source, target)  # ENOTEMPTY, as when two runs rename at once

    monkeypatch.setattr(mod.os, "rename", the_other_run_was_faster)
    result = export(run_module, repo, dest, "v1")
    assert result["exported"] is True and not result.get("failed"), result
    assert (dest / "manage.py").read_text() == "the other run's\n"
    assert sorted(os.listdir(dest.parent)) == [dest.name]


def test_something_else_in_the_way_fails_saying_what_to_remove(run_module, repo, tmp_path):
    dest = tmp_path / "checkouts" / sha(repo)
    dest.mkdir(parents=True)
    (dest / "notes.txt").write_text("not a release\n")
    result = export(run_module, repo, dest, "v1")
    assert result["failed"] is True and f"remove {dest}" in result["msg"]
    assert sorted(os.listdir(dest)) == ["notes.txt"] and sorted(os.listdir(dest.parent)) == [dest.name]


@pytest.mark.parametrize("rev", ["--upload-pack=touch x", "v1..v2", "a b"])
def test_a_revision_git_could_take_for_an_option_is_refused(run_module, repo, tmp_path, rev):
    result = export(run_module, repo, tmp_path / "checkouts" / "x", rev)
    assert result["failed"] is True and "rev" in result["msg"]
    assert not (tmp_path / "checkouts").exists()


def test_a_revision_naming_no_commit_is_refused(run_module, repo, tmp_path):
    result = export(run_module, repo, tmp_path / "checkouts" / "x", "0" * 40)
    assert result["failed"] is True and "names no commit" in result["msg"]
    assert not (tmp_path / "checkouts").exists()


def test_not_a_repository_is_refused(run_module, tmp_path):
    (tmp_path / "plain").mkdir()
    result = export(run_module, tmp_path / "plain", tmp_path / "checkouts" / "x", "v1")
    assert result["failed"] is True and "no git repository" in result["msg"]


def test_a_bare_mirror_serves_as_well(run_module, repo, tmp_path):
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(mirror))
    dest = tmp_path / "checkouts" / sha(repo)
    result = export(run_module, mirror, dest, "v1")
    assert result["exported"] is True and (dest / "manage.py").read_text() == FILES["manage.py"]
