"""rollback_git through the Python API: the sample release history in a local bare remote, a clone
as the application checkout given as an argument; the revert is pushed."""
from __future__ import annotations

from tests.unit.plugins.modules.git_fixtures import build_template, fresh_pair, git


def test_revert_head_and_push(sandbox_client, tmp_path):
    remote, work = fresh_pair(build_template(tmp_path / "template"), tmp_path)
    head = git(work, "rev-parse", "HEAD")
    # A checkout of its own, with no pipeline behind its remote: nothing to wait for.
    result = sandbox_client.rollback_git("HEAD", app_repo_path=work, app_repo_remote="origin", wait_for_deploy=False)
    assert result.ok and result.changed
    audit = result.audit
    assert (audit["commit"], audit["head_before"], audit["pushed"]) == (head, head, True)
    assert audit["subject"] == git(work, "log", "-1", "--format=%s", head)
    assert git(remote, "rev-parse", "refs/heads/main") == audit["revert_commit"]
    assert git(remote, "rev-parse", "refs/heads/main^{tree}") == git(work, "rev-parse", f"{head}~1^{{tree}}")
