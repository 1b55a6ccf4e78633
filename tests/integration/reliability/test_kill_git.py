"""kill -9 anywhere in playbooks/rollback_git.yml, on the sample API's release history in a local
bare remote and a clone. git itself is quick; the kill points inside it are made to wait with the
repositories' own hooks (prepare-commit-msg: the revert is staged, not committed; post-commit: the
revert commit exists, not pushed; pre-receive on the remote: the push is on the wire; post-receive:
the remote has it, the client has not heard back), each hook only for the run it kills.

After each kill: the remote is unchanged or holds exactly the revert, nothing else; a re-run with
the same arguments ends with the commit reverted once and pushed, the checkout clean, no revert in
progress. There is no database and no lease here (the git runbook holds none)."""
from __future__ import annotations

import pytest

from tests.integration.reliability.kill_harness import Figures, run_and_kill, run_playbook, task_started, when
from tests.unit.plugins.modules.git_fixtures import build_template, fresh_pair, git

pytestmark = pytest.mark.kill

HOOK = """#!/bin/sh
touch '{marker}'
i=0
while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("kill-git-template"))


def hook(repo_git_dir, name: str, marker) -> object:
    """A hook that says it started (``marker``) and then waits: the run is killed inside it."""
    path = repo_git_dir / "hooks" / name
    path.write_text(HOOK.format(marker=marker))
    path.chmod(0o755)
    return path


def kill_points(remote, work, tmp_path):
    """(point, hook to install for that run or None)."""
    def inside(repo_git_dir, name):
        marker = tmp_path / f"{name}.started"
        return when(f"inside the {name} hook", marker.exists), (repo_git_dir, name, marker)
    return [
        (task_started("Check the checkout and find the commit"), None),
        (task_started("Revert the commit and push the branch"), None),
        inside(work / ".git", "prepare-commit-msg"),  # revert staged, REVERT_HEAD, no commit
        inside(work / ".git", "post-commit"),         # revert committed locally, not pushed
        inside(remote, "pre-receive"),                # push on the wire, remote unchanged
        inside(remote, "post-receive"),               # remote has the revert, client killed before hearing it
    ]


def test_git_revert_killed_anywhere_then_rerun_reverts_once_and_pushes(template, tmp_path):
    """The kill points in sequence, each run starting from what the kill before left: getting to a
    kill point means the run got past the state the previous kill left (a staged revert, an unpushed
    revert commit...); one re-run after the last."""
    remote, work = fresh_pair(template, tmp_path)
    target = git(work, "rev-parse", "HEAD")
    parent_tree = git(work, "rev-parse", "HEAD~1^{tree}")
    args = ["-e", f"app_repo_path={work}", "-e", f"commit={target}"]
    state = tmp_path / "state"
    figures = Figures("rollback_git.yml")

    for point, hook_spec in kill_points(remote, work, tmp_path):
        installed = hook(*hook_spec) if hook_spec else None
        try:
            kill = run_and_kill(state, "rollback_git.yml", args, point)
        finally:
            if installed:
                installed.unlink()
        assert remote_is_unchanged_or_reverted_once(remote, target, parent_tree), kill.point
        if "prepare-commit-msg" in kill.point:  # git revert --no-edit leaves no REVERT_HEAD, only these
            assert git(work, "rev-parse", "HEAD") == target and git(work, "diff", "--cached", "--name-only")
            assert (work / ".git" / "MERGE_MSG").exists() and not (work / ".git" / "REVERT_HEAD").exists()
        if "post-commit" in kill.point:  # committed, not pushed
            assert git(work, "rev-parse", "HEAD^") == target and git(remote, "rev-parse", "refs/heads/main") == target
        figures.kills.append(kill.point)

    rc, out = run_playbook(state, "rollback_git.yml", args)
    figures.reruns += 1
    assert rc == 0, out[-4000:]
    pushed = git(remote, "rev-parse", "refs/heads/main")
    assert git(remote, "rev-parse", "refs/heads/main^") == target, "reverted exactly once, on top of the commit"
    assert git(remote, "rev-parse", "refs/heads/main^{tree}") == parent_tree
    assert git(work, "rev-parse", "HEAD") == pushed and f"Already reverted by {pushed}" in out
    assert git(work, "status", "--porcelain", "--untracked-files=no") == ""
    assert not (work / ".git" / "MERGE_MSG").exists() and not (work / ".git" / "REVERT_HEAD").exists()
    figures.record()


def remote_is_unchanged_or_reverted_once(remote, target: str, parent_tree: str) -> bool:
    if git(remote, "rev-parse", "refs/heads/main") == target:
        return True
    return (git(remote, "rev-parse", "refs/heads/main^") == target
            and git(remote, "rev-parse", "refs/heads/main^{tree}") == parent_tree)
