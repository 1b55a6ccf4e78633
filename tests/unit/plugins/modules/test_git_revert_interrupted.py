"""git_revert after an interrupted run of itself (kill -9, a dead machine), against real git: a
revert killed before its commit (git writes no REVERT_HEAD then: only MERGE_MSG and the index), a
revert commit made and not pushed, a revert's message left after its commit."""
from __future__ import annotations

import pytest

from git_fixtures import build_template, fresh_pair, git, state

MODULE = "git_revert"
KILL_GIT = "#!/bin/sh\nkill -9 $PPID\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("git-template"))


@pytest.fixture
def repos(template, tmp_path):
    remote, work = fresh_pair(template, tmp_path)
    return {"remote": remote, "work": work, "head": git(work, "rev-parse", "HEAD")}


def killed_in(work, hook: str, *revert_args: str) -> None:
    """git revert, killed inside ``hook`` (prepare-commit-msg: before the commit; post-commit: after)."""
    path = work / ".git" / "hooks" / hook
    path.write_text(KILL_GIT)
    path.chmod(0o755)
    try:
        with pytest.raises(RuntimeError):
            git(work, "revert", "--no-edit", *revert_args)
    finally:
        path.unlink()


def test_a_revert_killed_before_its_commit_is_dropped_and_done_again(run_module, repos):
    work, remote, head = repos["work"], repos["remote"], repos["head"]
    killed_in(work, "prepare-commit-msg", head)
    assert git(work, "diff", "--cached", "--name-only") and not (work / ".git" / "REVERT_HEAD").exists()
    before = state(work, remote)

    planned = run_module(MODULE, {"repo_path": str(work), "commit": head}, check_mode=True)
    assert planned["changed"] is True and planned["aborted_interrupted_revert"] == head, planned
    assert state(work, remote) == before  # check mode left the interrupted revert as it was

    done = run_module(MODULE, {"repo_path": str(work), "commit": head})
    assert done["changed"] is True and done["pushed"] is True and done["aborted_interrupted_revert"] == head, done
    assert git(remote, "rev-parse", "refs/heads/main^") == head
    assert git(remote, "rev-parse", "refs/heads/main") == done["revert_commit"] == git(work, "rev-parse", "HEAD")
    assert git(work, "status", "--porcelain", "--untracked-files=no") == ""
    assert not (work / ".git" / "MERGE_MSG").exists()


def test_an_interrupted_revert_of_another_commit_is_refused(run_module, repos):
    work, remote, head = repos["work"], repos["remote"], repos["head"]
    git(work, "revert", "--no-commit", head)  # stopped before committing: REVERT_HEAD names it
    before = state(work, remote)

    result = run_module(MODULE, {"repo_path": str(work), "commit": "HEAD~1"})

    assert result["failed"] and result["interrupted_revert"] == head
    assert f"interrupted revert of {head[:12]}" in result["msg"] and "nothing was changed" in result["msg"]
    assert "git revert --abort" in result["msg"]
    assert state(work, remote) == before


def test_an_interrupted_revert_mixed_with_other_changes_is_refused(run_module, repos):
    work, remote, head = repos["work"], repos["remote"], repos["head"]
    killed_in(work, "prepare-commit-msg", head)
    (work / "VERSION").write_text("someone's edit\n")
    before = state(work, remote)

    result = run_module(MODULE, {"repo_path": str(work), "commit": head})

    assert result["failed"] and "with other changes besides it" in result["msg"], result
    assert state(work, remote) == before


def test_an_unpushed_revert_commit_is_pushed_not_made_twice(run_module, repos):
    work, remote, head = repos["work"], repos["remote"], repos["head"]
    killed_in(work, "post-commit", head)  # committed, not pushed, MERGE_MSG left behind
    local = git(work, "rev-parse", "HEAD")
    assert git(work, "rev-parse", "HEAD^") == head and (work / ".git" / "MERGE_MSG").exists()

    kept_local = run_module(MODULE, {"repo_path": str(work), "commit": head, "push": False})
    assert kept_local["changed"] is False and kept_local["already_reverted_by"] == local, kept_local

    planned = run_module(MODULE, {"repo_path": str(work), "commit": head}, check_mode=True)
    assert planned["changed"] is True and planned["resumed"] is True and planned["pushed"] is False
    assert git(remote, "rev-parse", "refs/heads/main") == head

    done = run_module(MODULE, {"repo_path": str(work), "commit": head})
    assert done["changed"] is True and done["resumed"] is True and done["pushed"] is True, done
    assert done["revert_commit"] == local == git(remote, "rev-parse", "refs/heads/main")
    assert not (work / ".git" / "MERGE_MSG").exists()

    again = run_module(MODULE, {"repo_path": str(work), "commit": head})
    assert again["changed"] is False and again["already_reverted_by"] == local


def test_a_branch_ahead_by_something_else_is_still_refused(run_module, repos):
    work, head = repos["work"], repos["head"]
    parent = git(work, "rev-parse", "HEAD~1")
    git(work, "revert", "--no-edit", head)  # a revert, but not of the commit asked for

    result = run_module(MODULE, {"repo_path": str(work), "commit": parent})

    assert result["failed"] and result["relation"] == "ahead"
