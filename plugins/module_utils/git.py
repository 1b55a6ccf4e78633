# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""git in a local checkout, always as an argument list through the one command runner.

``GitRepo`` offers the questions a runbook asks (is the tree clean, is the branch the remote
branch, is a commit on it, was it reverted) and the few commands it runs. Output is parsed
with ``LC_ALL=C``; git never prompts for credentials (``GIT_TERMINAL_PROMPT=0``).
"""
from __future__ import annotations

import os
import re
import tempfile

from ansible_collections.lacrei.rollback.plugins.module_utils import command
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

GIT_ENV = {"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_MERGE_AUTOEDIT": "no"}
REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{40})", re.MULTILINE)


class GitRefused(ActionFailed):
    """The repository is not in a state to act on; nothing was changed."""


class GitRepo:
    def __init__(self, module, path: str):
        self.module = module
        self.path = path
        self.git = module.get_bin_path("git", required=True)

    def run(self, *args: str, action: str, check: bool = True) -> command.CommandResult:
        return command.run(self.module, [self.git, *args], action, env=GIT_ENV, cwd=self.path, check=check)

    def out(self, *args: str, action: str) -> str:
        return self.run(*args, action=action).stdout.strip()

    # -- questions ---------------------------------------------------------------------------
    def ensure_repository(self) -> None:
        done = self.run("rev-parse", "--is-inside-work-tree", action="inspect the repository", check=False)
        if done.rc != 0 or done.stdout.strip() != "true":
            raise GitRefused(f"{self.path} is not a git working tree; nothing was changed")

    def resolve(self, ref: str) -> str | None:
        """The full commit SHA of ``ref``, None when it names no commit."""
        done = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", action=f"resolve {ref}", check=False)
        return done.stdout.strip() if done.rc == 0 else None

    def current_branch(self) -> str | None:
        done = self.run("symbolic-ref", "--quiet", "--short", "HEAD", action="read the current branch", check=False)
        return done.stdout.strip() if done.rc == 0 else None

    def dirty_paths(self) -> list[str]:
        """Tracked files modified in the working tree or the index (untracked files do not count)."""
        status = self.out("status", "--porcelain", "--untracked-files=no", action="read the working tree status")
        return [line[3:] for line in status.splitlines() if line.strip()]

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = self.run("merge-base", "--is-ancestor", ancestor, descendant,
                        action=f"compare {ancestor} and {descendant}", check=False)
        if done.rc not in (0, 1):
            raise command.failure(f"compare {ancestor} and {descendant}", done)
        return done.rc == 0

    def relation(self, local: str, remote: str) -> str:
        """``same``, ``ahead``, ``behind`` or ``diverged`` (local relative to remote)."""
        if local == remote:
            return "same"
        if self.is_ancestor(remote, local):
            return "ahead"
        return "behind" if self.is_ancestor(local, remote) else "diverged"

    def parents(self, sha: str) -> list[str]:
        return self.out("rev-list", "--parents", "-n", "1", sha, action=f"read the parents of {sha}").split()[1:]

    def message(self, sha: str) -> str:
        return self.out("log", "-1", "--format=%B", sha, action=f"read the message of {sha}")

    def tree(self, ref: str) -> str:
        return self.out("rev-parse", f"{ref}^{{tree}}", action=f"read the tree of {ref}")

    def diffstat(self, sha: str, mainline: int | None = None) -> str:
        base = f"{sha}^{mainline or 1}"
        return self.out("diff", "--stat", base, sha, action=f"read the changes of {sha}")

    def reverting_commits(self, sha: str, head: str = "HEAD") -> list[str]:
        """Commits in ``sha..head`` whose message says they revert ``sha`` (git revert's own line)."""
        log = self.out("log", "--format=%H%x00%B%x01", f"{sha}..{head}", action=f"search reverts of {sha}")
        found = []
        for entry in log.split("\x01"):
            commit, _, body = entry.strip().partition("\x00")
            if commit and sha in REVERTS.findall(body):
                found.append(commit)
        return found

    def is_reverted(self, sha: str, head: str = "HEAD", depth: int = 0) -> str | None:
        """The commit that reverts ``sha`` and is itself still in effect (not reverted back)."""
        for revert in self.reverting_commits(sha, head):
            if depth > 8 or not self.is_reverted(revert, head, depth + 1):
                return revert
        return None

    def git_path(self, name: str) -> str:
        """Path of ``name`` inside the repository's git folder (MERGE_MSG, REVERT_HEAD ...)."""
        found = self.out("rev-parse", "--git-path", name, action=f"locate {name}")
        return found if os.path.isabs(found) else os.path.join(self.path, found)

    def prepared_revert(self) -> str | None:
        """The commit a revert message left in MERGE_MSG names (git writes it before committing and
        removes it after; a killed ``git revert`` leaves it)."""
        try:
            with open(self.git_path("MERGE_MSG"), encoding="utf-8", errors="replace") as prepared:
                named = REVERTS.findall(prepared.read())
        except FileNotFoundError:
            return None
        return named[0] if named else None

    def has_staged_changes(self) -> bool:
        return self.run("diff", "--cached", "--quiet", action="look for staged changes", check=False).rc == 1

    def interrupted_revert(self) -> str | None:
        """The commit an interrupted ``git revert`` was reverting: the one REVERT_HEAD names (a revert
        that stopped), else the one the prepared message names while changes are staged (a revert
        killed before it committed leaves only its message and the index)."""
        pending = self.resolve("REVERT_HEAD")
        if pending:
            return pending
        named = self.prepared_revert()
        return named if named and self.has_staged_changes() else None

    def drop_stale_revert_message(self) -> None:
        """Remove a revert's MERGE_MSG left behind once its commit was made (a revert killed after
        committing): ``git commit`` would offer it as the next commit's message."""
        if self.prepared_revert() and not self.has_staged_changes() and not any(
                self.resolve(ref) for ref in ("REVERT_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD")):
            os.remove(self.git_path("MERGE_MSG"))

    def revert_tree(self, sha: str, mainline: int | None = None) -> str | None:
        """The tree HEAD would have with ``sha``'s changes taken back (its patch applied in reverse on a
        scratch index); None when that patch does not apply cleanly."""
        patch = self.run("diff", "--binary", f"{sha}^{mainline or 1}", sha, action=f"read the changes of {sha}").stdout
        with tempfile.TemporaryDirectory() as scratch:
            env = dict(GIT_ENV, GIT_INDEX_FILE=os.path.join(scratch, "index"))
            command.run(self.module, [self.git, "read-tree", "HEAD"], "read HEAD into a scratch index", env=env,
                        cwd=self.path)
            applied = command.run(self.module, [self.git, "apply", "--cached", "-R"], f"take back {sha}'s changes",
                                  env=env, cwd=self.path, data=patch, check=False)
            if applied.rc != 0:
                return None
            return command.run(self.module, [self.git, "write-tree"], "write the scratch tree", env=env,
                               cwd=self.path).stdout.strip()

    def index_tree(self) -> str:
        return self.out("write-tree", action="read the staged tree")

    def unmerged_paths(self) -> list[str]:
        return self.out("diff", "--name-only", "--diff-filter=U", action="list conflicting files").splitlines()

    def show_file(self, ref: str, path: str) -> str:
        """The content of ``path`` at commit ``ref`` (ActionFailed when either is unknown)."""
        sha = self.resolve(ref)
        if sha is None:
            raise GitRefused(f"{ref} names no commit in {self.path}; nothing was changed")
        done = self.run("show", f"{sha}:{path}", action=f"read {path} at {ref}", check=False)
        if done.rc != 0:
            raise GitRefused(f"{path} does not exist at {ref} ({sha[:12]}) in {self.path}; nothing was changed")
        return done.stdout
