"""playbooks/rollback_git.yml end to end: the sample API's release history in a local bare
remote, a clone as the application checkout, ansible-playbook as a person runs it."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.sandbox_fixture import ANSIBLE_PLAYBOOK, REPO, process_env
from tests.unit.plugins.modules.git_fixtures import build_template, fresh_pair, git, state


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("git-template"))


@pytest.fixture
def repos(template, tmp_path):
    remote, work = fresh_pair(template, tmp_path)
    return {"remote": remote, "work": work, "state": tmp_path / "sandbox-state"}


def playbook(repos, *args: str) -> tuple[int, str]:
    done = subprocess.run([ANSIBLE_PLAYBOOK, "playbooks/rollback_git.yml", "-e", f"app_repo_path={repos['work']}", *args],
                          cwd=REPO, env=process_env(repos["state"]), capture_output=True, text=True, timeout=120,
                          check=False)
    return done.returncode, done.stdout + done.stderr


def audit(repos) -> list[dict]:
    path = repos["state"] / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_check_then_revert_head_then_again(repos):
    work, remote = repos["work"], repos["remote"]
    before = state(work, remote)
    parent_tree = git(work, "rev-parse", "HEAD~1^{tree}")

    rc, checked = playbook(repos, "-e", "commit=HEAD", "--check")
    assert rc == 0, checked
    assert "Release v1.5.0" in checked and "changed" in checked  # message and diffstat
    assert state(work, remote) == before

    rc, out = playbook(repos, "-e", "commit=HEAD")
    assert rc == 0, out
    assert git(remote, "rev-parse", "refs/heads/main^") == before["head"]
    assert git(remote, "rev-parse", "refs/heads/main^{tree}") == parent_tree
    assert "pushed to origin/main" in out

    pushed = git(remote, "rev-parse", "refs/heads/main")
    rc, again = playbook(repos, "-e", f"commit={before['head']}")
    assert rc == 0 and "Already reverted by" in again, again
    assert git(remote, "rev-parse", "refs/heads/main") == pushed

    lines = audit(repos)
    assert [(a["runbook"], a["result"], a["check_mode"], a["changed"]) for a in lines] == [
        ("git-revert", "ok", True, True), ("git-revert", "ok", False, True), ("git-revert", "ok", False, False)]
    assert lines[1]["revert_commit"] == pushed and lines[1]["commit"] == before["head"]


def test_refusals_change_nothing(repos):
    work, remote = repos["work"], repos["remote"]
    rc, out = playbook(repos)
    assert rc != 0 and "Say which commit to revert" in out
    (work / "manage.py").write_text("# edited\n")
    before = state(work, remote)
    rc, out = playbook(repos, "-e", "commit=HEAD")
    assert rc != 0 and "uncommitted changes" in out
    assert state(work, remote) == before
    assert [a["result"] for a in audit(repos)] == ["refused", "refused"]
