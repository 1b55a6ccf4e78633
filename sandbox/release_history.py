"""The sample API's release history as a real git repository: one commit and tag per release.

Releases live in ``sandbox/consultas/releases/<version>/``: ``v1.0.0`` is the full project tree,
every later folder holds only the files that release adds or changes (an overlay on the one
before). ``sandbox/consultas/releases.json`` gives their order and commit messages.

Commits have a fixed author, committer and dates, and git's user/system config is ignored, so
the same releases always give the same SHAs. Tags are lightweight (``v1.0.0`` ...), so a tag
names the commit SHA itself. ``consultas/REVISION`` is stamped with the commit SHA by
``git archive`` (export-subst), so an exported release reports its own SHA on /health/ even
without ``GIT_SHA``.

Running a release (cwd = an exported tree, ``export_release``)::

    DATABASE_URL=postgresql://consultas:PW@127.0.0.1:PORT/consultas python manage.py migrate
    DATABASE_URL=... GIT_SHA=<sha> python -m gunicorn consultas.wsgi --bind 127.0.0.1:PORT --workers 2
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

CONSULTAS_DIR = Path(__file__).resolve().parent / "consultas"
RELEASES_DIR = CONSULTAS_DIR / "releases"
# The releases' own requirements (Django, gunicorn, psycopg2-binary): what their image installs,
# and all `make setup` puts into the app's interpreter (APP_VENV).
APP_REQUIREMENTS = RELEASES_DIR / "v1.0.0" / "requirements.txt"
APP_VENV = Path(__file__).resolve().parent.parent / ".venv-app"
AUTHOR = ("Equipe Consultas Médicas", "dev@consultas.example")
FIRST_RELEASE_AT = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)
RELEASE_INTERVAL = timedelta(days=7)
IGNORED = {"__pycache__", ".pytest_cache"}


def releases() -> list[dict]:
    """[{"version", "summary"}], oldest first."""
    return json.loads((CONSULTAS_DIR / "releases.json").read_text())


def versions() -> list[str]:
    return [release["version"] for release in releases()]


def release_files(version: str) -> dict[str, Path]:
    """Relative path -> source file of the full tree of ``version`` (overlays merged)."""
    order = versions()
    files: dict[str, Path] = {}
    for name in order[: order.index(version) + 1]:
        root = RELEASES_DIR / name
        for path in sorted(root.rglob("*")):
            if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts) \
                    and path.suffix != ".pyc":
                files[path.relative_to(root).as_posix()] = path
    return files


def materialize(version: str, dest: Path) -> Path:
    """Write the full tree of ``version`` into ``dest`` (files only added or replaced)."""
    dest = Path(dest)
    for rel, source in release_files(version).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        target.chmod(0o644)
    return dest


def build_history(repo: Path) -> dict[str, str]:
    """Create the git repository at ``repo`` (absent or empty); returns {version: commit sha}.

    Reuses a repository that already holds every release tag.
    """
    repo = Path(repo)
    existing = _existing_tags(repo)
    if existing is not None and set(existing) >= set(versions()):
        return {version: existing[version] for version in versions()}
    if repo.exists() and any(repo.iterdir()):
        raise FileExistsError(f"{repo} exists and is not a complete release history")
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    shas = {}
    for index, release in enumerate(releases()):
        shas[release["version"]] = _commit_release(repo, index, release)
    return shas


def export_release(repo: Path, rev: str, dest: Path) -> Path:
    """Extract commit/tag ``rev`` of ``repo`` into ``dest`` with ``git archive`` (REVISION stamped)."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=repo, env=_git_env(),
                             check=True, capture_output=True).stdout
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def app_python() -> str:
    """The interpreter the releases run on, as their image would: ``$SANDBOX_APP_PYTHON``, else
    ``.venv-app`` (``make setup``: the releases' requirements.txt and nothing else, so Django talks
    to PostgreSQL through psycopg2 as in the image; the tools' venv also holds psycopg 3, which
    ansible-rulebook brings and Django would prefer), else this interpreter."""
    chosen = os.environ.get("SANDBOX_APP_PYTHON")
    if chosen:
        return chosen
    venv = APP_VENV / "bin" / "python"
    return str(venv) if os.access(venv, os.X_OK) else sys.executable


def gunicorn_argv(fd: int, workers: int = 2) -> list[str]:
    """The command that serves a release on the listening socket ``fd`` (``procs.listening_socket``,
    passed with ``procs.spawn(pass_fds=...)``): a port chosen by number could be taken by another
    process before gunicorn binds it. Run it with cwd = the exported tree. ``--preload``: the
    master imports Django and the app once and forks its workers (each imported them itself before:
    0.9 CPU-s a start instead of 0.6, and a sandbox test starts a release at every deployment)."""
    return [app_python(), "-m", "gunicorn", "consultas.wsgi", "--bind", f"fd://{fd}", "--preload",
            "--workers", str(workers), "--access-logfile", "-", "--error-logfile", "-"]


def manage_argv(*args: str) -> list[str]:
    """``python manage.py <args>``; run it with cwd = the exported tree."""
    return [app_python(), "manage.py", *args]


def _commit_release(repo: Path, index: int, release: dict) -> str:
    materialize(release["version"], repo)
    _git(repo, "add", "--all")
    when = (FIRST_RELEASE_AT + index * RELEASE_INTERVAL).isoformat()
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    _git(repo, "commit", "--quiet", "--no-verify", "-m",
         f"Release {release['version']}: {release['summary']}", extra_env=env)
    _git(repo, "tag", release["version"])
    return _git(repo, "rev-parse", "HEAD")


def _existing_tags(repo: Path) -> dict[str, str] | None:
    if not (repo / ".git").exists():
        return None
    out = _git(repo, "tag", "--list", "--format=%(refname:short) %(objectname)")
    return dict(line.split() for line in out.splitlines() if line.strip())


def _git_env(extra: dict | None = None) -> dict:
    name, email = AUTHOR
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/nonexistent",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
        "LC_ALL": "C",
        **(extra or {}),
    }


def _git(repo: Path, *args: str, extra_env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=_git_env(extra_env),
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()
