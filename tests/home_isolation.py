"""The test run's own HOME and XDG folders, so no test writes into the person's home.

``isolate()`` (called by tests/conftest.py when it is imported, before any test or fixture)
points ``HOME`` and the ``XDG_*_HOME`` variables at a temporary folder and remembers the real
home in ``LACREI_TEST_REAL_HOME``. Every subprocess a test starts (ansible-playbook, molecule,
``python -m sandbox``) inherits them, so the runbooks' default audit trail
(``~/.local/state/lacrei-rollback/audit.jsonl``) resolves inside the temporary folder. pytest-xdist
workers inherit the controller's folder (``LACREI_TEST_HOME`` is already set) and keep it.

``guard()`` returns a fingerprint of the real audit trail; the controller compares it at the end
of the session and fails the run when a test wrote there.
"""
from __future__ import annotations

import atexit
import os
import pwd
import shutil
import tempfile
from pathlib import Path

MARKER = "LACREI_TEST_HOME"
REAL_HOME = "LACREI_TEST_REAL_HOME"
XDG = {"XDG_STATE_HOME": ".local/state", "XDG_CACHE_HOME": ".cache", "XDG_CONFIG_HOME": ".config",
       "XDG_DATA_HOME": ".local/share"}
AUDIT = Path(".local") / "state" / "lacrei-rollback" / "audit.jsonl"


def real_home() -> Path:
    """The home this run must not write to (the HOME before isolation, else the account's)."""
    return Path(os.environ.get(REAL_HOME) or os.environ.get("HOME") or pwd.getpwuid(os.getuid()).pw_dir)


def isolate() -> Path:
    """Point HOME and XDG_*_HOME at the run's temporary folder (made once per run); return it."""
    if os.environ.get(MARKER) and Path(os.environ[MARKER]).is_dir():
        return Path(os.environ[MARKER])
    os.environ[REAL_HOME] = str(real_home())
    home = Path(tempfile.mkdtemp(prefix="lacrei-test-home-"))
    atexit.register(shutil.rmtree, home, True)
    # ANSIBLE_REMOTE_TMP: for runs without the project's ansible.cfg (whose remote_tmp is under $HOME),
    # Ansible's default ~/.ansible/tmp is the account's home (~root), not HOME.
    os.environ.update({MARKER: str(home), "HOME": str(home), "ANSIBLE_REMOTE_TMP": str(home / ".ansible" / "tmp"),
                       **{name: str(home / relative) for name, relative in XDG.items()}})
    return home


def real_audit_trail() -> Path:
    return real_home() / AUDIT


def fingerprint(path: Path) -> tuple | None:
    """(size, mtime) of ``path``, None when it does not exist."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns
