"""The tree of a commit of the app repository ($APP_REPO), exported once per SHA and reused."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sandbox import release_history

from .files import checkouts_dir


class CheckoutError(Exception):
    pass


def app_repo() -> Path:
    repo = os.environ.get("APP_REPO")
    if not repo:
        raise CheckoutError("APP_REPO (path of the app's git repository) is not set for the emulator")
    return Path(repo)


def tree(state: Path, sha: str) -> Path:
    """``<state>/live/checkouts/<sha>``, exported with ``git archive`` when not there yet."""
    dest = checkouts_dir(state) / sha
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sha}.", dir=dest.parent))
    try:
        release_history.export_release(app_repo(), sha, tmp)
    except Exception as err:  # noqa: BLE001 - git's own message says what is wrong
        shutil.rmtree(tmp, ignore_errors=True)
        raise CheckoutError(f"commit {sha} cannot be exported from {app_repo()}: {err}") from None
    try:
        os.rename(tmp, dest)
    except OSError:  # another deployment exported it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return dest
