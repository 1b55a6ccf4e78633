#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: git_revert
short_description: Revert a commit of the application repository and push the revert
description:
  - In a local checkout, fetches the remote branch, makes sure the local branch is exactly the
    remote branch, runs C(git revert --no-edit) for the commit and pushes the branch, so that the
    team's pipeline deploys the reverted code (runbook section 1, "Rollback via Git").
  - Refuses, changing nothing, when the working tree has changes to tracked files, the checkout is
    on another branch, the branch is ahead of, behind or diverged from the remote, the commit is
    not on the branch, or it is a merge commit and O(mainline) is not given.
  - A commit already reverted (by a revert still in effect) is reported C(ok), not reverted again.
  - Picks up after an interrupted run of itself (killed, or the machine died). A revert of the same
    commit left staged and uncommitted (exactly its changes, nothing else) is dropped and done
    again. A revert commit of the same commit made but not pushed (the branch is then one commit
    ahead of the remote) is pushed, not made twice. A revert of another commit in progress, or one
    mixed with other changes, is refused, naming it.
  - A revert that conflicts is aborted, leaving the branch and the working tree exactly as they
    were; the conflicting files are listed. A push that fails undoes the local revert commit.
  - git runs with argument lists, never through a shell. A O(commit), O(remote) or O(branch) that git
    could take for an option (starting with C(-)), or with C(..), control characters or spaces, is
    refused before any git command.
version_added: "0.1.0"
options:
  repo_path:
    description: Path of the local checkout.
    type: path
    required: true
  commit:
    description: The commit to revert (SHA, C(HEAD), C(HEAD~1), a tag...).
    type: str
    default: HEAD
  remote:
    description: The remote to fetch from and push to.
    type: str
    default: origin
  branch:
    description: The branch to revert on (must be checked out).
    type: str
    default: main
  mainline:
    description: For a merge commit, the parent number (1 is the branch merged into) to revert against.
    type: int
  push:
    description: Push the revert commit. Without it the revert stays local (and the branch is then ahead).
    type: bool
    default: true
notes:
  - Supports check mode (fetches, runs every check, and returns the commit that would be reverted with
    its message and diffstat; changes neither the branch nor the remote).
  - The commit author/committer come from git's own configuration (C(user.name), C(user.email)) or the
    E(GIT_AUTHOR_NAME)/E(GIT_COMMITTER_NAME) family of variables.
requirements:
  - git
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Revert the last commit of main and push it
  lacrei.rollback.git_revert:
    repo_path: /srv/checkouts/consultas-api
    commit: HEAD

- name: Revert a merge commit, keeping the main line
  lacrei.rollback.git_revert:
    repo_path: "{{ app_repo_path }}"
    commit: 3f2a9c1
    mainline: 1
"""

RETURN = r"""
commit:
  description: Full SHA of the commit reverted (or that would be, or that was already reverted).
  returned: when the commit was resolved
  type: str
  sample: 6365d10145497df2c7421d7c08b20690e1c19b13
subject:
  description: First line of that commit's message.
  returned: when the commit was resolved
  type: str
  sample: "Release v1.4.0: Report uptime in the health check"
message:
  description: That commit's whole message.
  returned: when the commit was resolved
  type: str
  sample: "Release v1.4.0: Report uptime in the health check\n"
diffstat:
  description: C(git diff --stat) of the commit (what the revert undoes).
  returned: when the commit was resolved
  type: str
  sample: " consultas/health.py | 12 +++++++-----\n 1 file changed, 7 insertions(+), 5 deletions(-)"
revert_commit:
  description: SHA of the new revert commit (null in check mode and when nothing was done).
  returned: always
  type: str
  sample: 0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5
already_reverted_by:
  description: The commit that already reverts O(commit), when there is one.
  returned: always
  type: str
  sample: null
pushed:
  description: Whether the revert was pushed.
  returned: always
  type: bool
  sample: true
head_before:
  description: The branch's commit before this run.
  returned: when the branch was read
  type: str
  sample: 6365d10145497df2c7421d7c08b20690e1c19b13
head_after:
  description: The branch's commit after this run (the prediction in check mode is head_before).
  returned: when the branch was read
  type: str
  sample: 0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5
resumed:
  description: Whether the revert commit was one an interrupted run made and did not push (pushed now).
  returned: always
  type: bool
  sample: false
aborted_interrupted_revert:
  description: The commit whose revert an interrupted run left in progress, aborted before reverting again
    (would be, in check mode).
  returned: always
  type: str
  sample: null
conflicting_files:
  description: Files that conflicted (the revert was aborted).
  returned: on a conflicting revert
  type: list
  elements: str
  sample: [consultas/settings.py]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.command import error_line
from ansible_collections.lacrei.rollback.plugins.module_utils.git import REVERTS, GitRefused, GitRepo
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params

ARGUMENT_SPEC = dict(
    repo_path=dict(type="path", required=True),
    commit=dict(type="str", default="HEAD"),
    remote=dict(type="str", default="origin"),
    branch=dict(type="str", default="main"),
    mainline=dict(type="int"),
    push=dict(type="bool", default=True),
)
# What git must never take for an option: checked before the first git command.
INPUT_KINDS = dict(repo_path="path", commit="git_ref", remote="git_remote", branch="git_ref")
RELATION_HINTS = {
    "ahead": "has local commits the remote does not have: push or drop them first",
    "behind": "is behind the remote: pull (fast-forward) first, then decide again what to revert",
    "diverged": "has diverged from the remote: reconcile it with the remote first",
}


def interrupted_revert(repo: GitRepo, params: dict, check_mode: bool) -> str | None:
    """A revert of the requested commit that an interrupted run left staged and uncommitted: undone, so
    the branch and working tree are as before it (not in check mode); that commit. Anything else
    that looks like an interrupted revert is refused, saying what it is."""
    pending = repo.interrupted_revert()
    if pending is None:
        if not check_mode:
            repo.drop_stale_revert_message()
        return None
    wanted = repo.resolve(params["commit"])
    what = f"{repo.path} has an interrupted revert of {pending[:12]} (staged, not committed)"
    if pending != wanted:
        raise GitRefused(f"{what}, not of {params['commit']}; nothing was changed. Commit it or drop it "
                         "(git revert --abort, or git reset --hard when git says no revert is in progress), then "
                         "run this again.", interrupted_revert=pending)
    unstaged = repo.run("diff", "--quiet", action="look for unstaged changes", check=False).rc == 1
    if unstaged or repo.index_tree() != repo.revert_tree(pending, params["mainline"]):
        raise GitRefused(f"{what}, with other changes besides it; nothing was changed. Look at git status and "
                         "git diff --cached, keep what you need, then git reset --hard and run this again.",
                         interrupted_revert=pending)
    if not check_mode:
        repo.run("reset", "--quiet", "--hard", "HEAD", action=f"drop the interrupted revert of {pending[:12]}")
    return pending


def unpushed_revert(repo: GitRepo, params: dict, head: str, upstream: str) -> str | None:
    """``head`` when it is a revert of the requested commit made on top of the remote branch and not
    pushed (an interrupted run of this module)."""
    wanted = repo.resolve(params["commit"])
    if wanted and repo.parents(head) == [upstream] and wanted in REVERTS.findall(repo.message(head)):
        return head
    return None


def ensure_branch_is_remote(repo: GitRepo, params: dict, interrupted: str | None = None) -> tuple[str, str | None]:
    """Fetch, then refuse unless the checkout is on the branch and it equals the remote branch, or is
    one unpushed revert of the requested commit ahead of it; (the remote branch's commit, that revert)."""
    branch, remote = params["branch"], params["remote"]
    on = repo.current_branch()
    if on != branch:
        raise GitRefused(f"{repo.path} is on {on or 'a detached HEAD'}, not {branch}; nothing was changed. "
                         f"Check out {branch} first.")
    dirty = [] if interrupted else repo.dirty_paths()  # check mode: the interrupted revert's own changes
    if dirty:
        raise GitRefused(f"{repo.path} has uncommitted changes to tracked files ({', '.join(dirty[:10])}); "
                         "nothing was changed. Commit or discard them first.", dirty_files=dirty)
    repo.run("fetch", "--quiet", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}",
             action=f"fetch {branch} from {remote}")
    head, upstream = repo.resolve("HEAD"), repo.resolve(f"refs/remotes/{remote}/{branch}")
    relation = repo.relation(head, upstream)
    if relation == "ahead" and (pending := unpushed_revert(repo, params, head, upstream)):
        return upstream, pending
    if relation != "same":
        raise GitRefused(f"Local {branch} ({head[:12]}) {RELATION_HINTS[relation]} ({remote}/{branch} is "
                         f"{upstream[:12]}); nothing was changed.", relation=relation)
    return head, None


def resolve_commit(repo: GitRepo, params: dict, head: str) -> dict:
    sha = repo.resolve(params["commit"])
    if sha is None or not repo.is_ancestor(sha, head):
        raise GitRefused(f"{params['commit']} is not a commit on {params['branch']} of {repo.path}; nothing was changed.")
    parents = repo.parents(sha)
    if len(parents) > 1 and not params["mainline"]:
        raise GitRefused(f"{sha[:12]} is a merge commit ({len(parents)} parents): say which parent is the main "
                         "line with mainline (usually 1); nothing was changed.", commit=sha)
    if len(parents) < 2 and params["mainline"]:
        raise GitRefused(f"{sha[:12]} is not a merge commit; mainline applies to merge commits only. "
                         "Nothing was changed.", commit=sha)
    if not parents:
        raise GitRefused(f"{sha[:12]} is the repository's first commit; it cannot be reverted. Nothing was changed.")
    message = repo.message(sha)
    return {"commit": sha, "subject": message.splitlines()[0] if message else "", "message": message,
            "diffstat": repo.diffstat(sha, params["mainline"])}


def revert(repo: GitRepo, params: dict, head: str) -> str:
    """Run git revert; on failure abort it (branch and tree as before) and raise with the conflicts."""
    argv = ["revert", "--no-edit"] + (["-m", str(params["mainline"])] if params["mainline"] else []) + [params["commit_sha"]]
    done = repo.run(*argv, action=f"revert {params['commit_sha']}", check=False)
    if done.rc == 0:
        return repo.resolve("HEAD")
    conflicts = repo.unmerged_paths()
    repo.run("revert", "--abort", action="abort the revert", check=False)
    if repo.resolve("HEAD") != head:
        repo.run("reset", "--keep", head, action="restore the branch", check=False)
    why = (f"conflicts in {', '.join(conflicts)}" if conflicts
           else error_line(done.stderr) or error_line(done.stdout) or f"exit code {done.rc}")
    raise ActionFailed(f"Reverting {params['commit_sha'][:12]} failed ({why}); "
                       "the revert was aborted and the branch and working tree are as before. Resolve it by hand "
                       "or revert another commit.", conflicting_files=conflicts, rc=done.rc, stderr=done.stderr[-2000:])


def push(repo: GitRepo, params: dict, head: str, reverted: str) -> None:
    done = repo.run("push", "--quiet", params["remote"], f"HEAD:refs/heads/{params['branch']}",
                    action=f"push {params['branch']} to {params['remote']}", check=False)
    if done.rc != 0:
        repo.run("reset", "--keep", head, action="undo the local revert commit", check=False)
        raise ActionFailed(f"Pushing the revert {reverted[:12]} to {params['remote']}/{params['branch']} failed; the local "
                           f"revert commit was undone (branch back at {head[:12]}). Run this again.",
                           rc=done.rc, stderr=done.stderr[-2000:])


def run(module) -> dict:
    params = dict(module.params)
    repo = GitRepo(module, params["repo_path"])
    repo.ensure_repository()
    aborted = interrupted_revert(repo, params, module.check_mode)
    head, unpushed = ensure_branch_is_remote(repo, params, aborted)
    found = resolve_commit(repo, params, head)
    params["commit_sha"] = found["commit"]
    if unpushed:
        return resume_push(module, repo, params, dict(found, head_before=head, aborted_interrupted_revert=aborted), unpushed)
    result = dict(found, changed=False, revert_commit=None, pushed=False, head_before=head, head_after=head,
                  already_reverted_by=repo.is_reverted(found["commit"]), resumed=False,
                  aborted_interrupted_revert=aborted)
    if result["already_reverted_by"] or module.check_mode:
        return dict(result, changed=not result["already_reverted_by"])
    result.update(changed=True, revert_commit=revert(repo, params, head))
    result["head_after"] = result["revert_commit"]
    if params["push"]:
        push(repo, params, head, result["revert_commit"])
        result["pushed"] = True
    return result


def resume_push(module, repo: GitRepo, params: dict, result: dict, unpushed: str) -> dict:
    """Push the revert commit an interrupted run made (would, in check mode). Without push, that
    commit is what a run leaves anyway: nothing to do."""
    if not params["push"]:
        return dict(result, changed=False, revert_commit=None, head_after=unpushed, already_reverted_by=unpushed,
                    pushed=False, resumed=False)
    result.update(changed=True, revert_commit=unpushed, head_after=unpushed, already_reverted_by=None,
                  pushed=False, resumed=True)
    if module.check_mode:
        return result
    push(repo, params, result["head_before"], unpushed)
    return dict(result, pushed=True)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    refuse_bad_params(module, INPUT_KINDS)
    with fail_on_error(module):
        result = run(module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
