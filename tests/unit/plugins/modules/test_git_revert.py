"""git_revert against real git: the release history in a local bare remote and a clone of it."""
from __future__ import annotations

import pytest

from git_fixtures import build_template, clone, commit_file, fresh_pair, git, state

MODULE = "git_revert"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("git-template"))


@pytest.fixture
def repos(template, tmp_path):
    remote, work = fresh_pair(template, tmp_path)
    return {"remote": remote, "work": work, "root": tmp_path}


def args(repos, **extra):
    return {"repo_path": str(repos["work"]), **extra}


def test_check_mode_shows_the_commit_and_changes_nothing(run_module, repos):
    before = state(repos["work"], repos["remote"])
    result = run_module(MODULE, args(repos, commit="HEAD"), check_mode=True)
    assert result["changed"] is True and not result.get("failed")
    assert result["commit"] == before["head"]
    assert result["subject"].startswith("Release v1.5.0")
    assert "file" in result["diffstat"] and "changed" in result["diffstat"]
    assert result["revert_commit"] is None and result["pushed"] is False
    assert state(repos["work"], repos["remote"]) == before


def test_revert_head_pushes_a_commit_whose_tree_is_head_parent(run_module, repos):
    work, remote = repos["work"], repos["remote"]
    parent_tree = git(work, "rev-parse", "HEAD~1^{tree}")
    old_head = git(work, "rev-parse", "HEAD")
    result = run_module(MODULE, args(repos, commit="HEAD"))
    assert result["changed"] is True and result["pushed"] is True, result
    remote_head = git(remote, "rev-parse", "refs/heads/main")
    assert remote_head == result["revert_commit"] == git(work, "rev-parse", "HEAD")
    assert git(remote, "rev-parse", "refs/heads/main^") == old_head
    assert git(remote, "rev-parse", "refs/heads/main^{tree}") == parent_tree
    assert f"This reverts commit {old_head}" in git(remote, "log", "-1", "--format=%B", "main")
    assert git(work, "status", "--porcelain") == ""

    again = run_module(MODULE, args(repos, commit=old_head))
    assert again["changed"] is False and again["already_reverted_by"] == result["revert_commit"]
    assert git(remote, "rev-parse", "refs/heads/main") == remote_head


def test_revert_of_a_revert_is_not_taken_for_already_reverted(run_module, repos):
    first = run_module(MODULE, args(repos, commit="HEAD"))
    second = run_module(MODULE, args(repos, commit=first["revert_commit"]))
    assert second["changed"] is True
    again = run_module(MODULE, args(repos, commit=first["commit"]), check_mode=True)
    assert again["already_reverted_by"] is None and again["changed"] is True


def _dirty(repos):
    (repos["work"] / "manage.py").write_text("# edited by hand\n")


def _staged(repos):
    (repos["work"] / "NEW.txt").write_text("new\n")
    git(repos["work"], "add", "NEW.txt")


def _behind(repos):
    other = clone(repos["remote"], repos["root"] / "other")
    commit_file(other, "NOTES.md", "pushed by someone else\n", "Another change", push=True)


def _ahead(repos):
    commit_file(repos["work"], "LOCAL.md", "local\n", "Local only")


def _diverged(repos):
    _behind(repos)
    _ahead(repos)


def _other_branch(repos):
    git(repos["work"], "switch", "--quiet", "-c", "feature")


@pytest.mark.parametrize("break_it, words", [
    (_dirty, "uncommitted changes"),
    (_staged, "uncommitted changes"),
    (_behind, "behind the remote"),
    (_ahead, "local commits"),
    (_diverged, "diverged"),
    (_other_branch, "not main"),
])
def test_refusals_change_nothing(run_module, repos, break_it, words):
    break_it(repos)
    before = state(repos["work"], repos["remote"])
    result = run_module(MODULE, args(repos, commit="HEAD"))
    assert result.get("failed") is True and words in result["msg"], result
    assert "nothing was changed" in result["msg"]
    assert state(repos["work"], repos["remote"]) == before


def test_commit_not_on_the_branch_is_refused(run_module, repos):
    work = repos["work"]
    git(work, "switch", "--quiet", "-c", "side")
    side = commit_file(work, "SIDE.md", "side\n", "Side work")
    git(work, "switch", "--quiet", "main")
    before = state(work, repos["remote"])
    for commit in (side, "0" * 40, "no-such-ref"):
        result = run_module(MODULE, args(repos, commit=commit))
        assert result.get("failed") is True and "not a commit on main" in result["msg"]
    assert state(work, repos["remote"]) == before


def _merge(repos) -> str:
    work = repos["work"]
    git(work, "switch", "--quiet", "-c", "topic")
    commit_file(work, "TOPIC.md", "topic\n", "Topic work")
    git(work, "switch", "--quiet", "main")
    git(work, "merge", "--quiet", "--no-ff", "-m", "Merge topic", "topic")
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-parse", "HEAD")


def test_merge_commit_needs_mainline(run_module, repos):
    merge = _merge(repos)
    before = state(repos["work"], repos["remote"])
    refused = run_module(MODULE, args(repos, commit=merge))
    assert refused.get("failed") is True and "mainline" in refused["msg"]
    assert state(repos["work"], repos["remote"]) == before

    done = run_module(MODULE, args(repos, commit=merge, mainline=1))
    assert done["changed"] is True and done["pushed"] is True
    assert git(repos["remote"], "rev-parse", "main^{tree}") == git(repos["work"], "rev-parse", f"{merge}^1^{{tree}}")


def test_conflicting_revert_is_aborted_cleanly(run_module, repos):
    work = repos["work"]
    first = commit_file(work, "CONFIG.md", "mode = a\n", "Mode a")
    commit_file(work, "CONFIG.md", "mode = b\n", "Mode b", push=True)
    before = state(work, repos["remote"])
    result = run_module(MODULE, args(repos, commit=first))
    assert result.get("failed") is True
    assert result["conflicting_files"] == ["CONFIG.md"]
    assert "aborted" in result["msg"]
    assert state(work, repos["remote"]) == before


def test_not_a_repository(run_module, tmp_path):
    result = run_module(MODULE, {"repo_path": str(tmp_path)})
    assert result.get("failed") is True and "not a git working tree" in result["msg"]
