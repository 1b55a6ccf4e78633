"""Real git repositories for the git_revert tests: the sample API's release history pushed to a
local bare repository (the remote), and clones of it.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sandbox import release_history

IDENTITY = {"user.name": "Rollback Tests", "user.email": "rollback-tests@example.invalid"}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(cwd), "LC_ALL": "C",
                               "GIT_CONFIG_NOSYSTEM": "1"})
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)} in {cwd}: {done.stderr.strip()}")
    return done.stdout.strip()


def build_template(root: Path) -> Path:
    """A bare repository holding the release history (built once, copied per test)."""
    source = root / "history"
    release_history.build_history(source)
    bare = root / "template.git"
    git(root, "clone", "--quiet", "--bare", str(source), str(bare))
    return bare


def clone(remote: Path, dest: Path) -> Path:
    git(remote.parent, "clone", "--quiet", str(remote), str(dest))
    for key, value in IDENTITY.items():
        git(dest, "config", key, value)
    return dest


def fresh_pair(template: Path, root: Path) -> tuple[Path, Path]:
    """(bare remote, working clone) copied from the template."""
    remote = root / "remote.git"
    shutil.copytree(template, remote)
    return remote, clone(remote, root / "work")


def commit_file(repo: Path, rel: str, text: str, message: str, push: bool = False) -> str:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", rel)
    git(repo, "commit", "--quiet", "-m", message)
    if push:
        git(repo, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    return git(repo, "rev-parse", "HEAD")


def state(work: Path, remote: Path) -> dict:
    """Everything a refused run must leave as it was."""
    files = {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(work).parts}
    return {
        "branch": git(work, "symbolic-ref", "--short", "HEAD"),
        "head": git(work, "rev-parse", "HEAD"),
        "status": git(work, "status", "--porcelain", "--untracked-files=all"),
        "index": git(work, "diff", "--cached"),
        "worktree": git(work, "diff"),
        "files": files,
        "in_progress": sorted(p.name for p in (work / ".git").iterdir()
                              if p.name in {"REVERT_HEAD", "sequencer", "MERGE_HEAD", "CHERRY_PICK_HEAD"}),
        "remote": git(remote, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"),
    }
