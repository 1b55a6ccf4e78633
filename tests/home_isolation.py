"""The test run's own HOME and XDG folders, so no test writes into the person's home.

``isolate()`` (called by tests/conftest.py when it is imported, before any test or fixture)
points ``HOME`` and the ``XDG_*_HOME`` variables at a temporary folder and remembers the real
home in ``LACREI_TEST_REAL_HOME``. Every subprocess a test starts (ansible-playbook, molecule,
``python -m sandbox``) inherits them, so the runbooks' default audit trail
(``~/.local/state/lacrei-rollback/audit.jsonl``) resolves inside the temporary folder. pytest-xdist
workers inherit the controller's folder (``LACREI_TEST_HOME`` is already set) and keep it.

``TMPDIR`` points at a second temporary folder of the run (short, mode 1777 like /tmp, so the OS
user ``postgres`` can traverse it), so what the processes the tests start leave in their temporary
folder goes with the run: the ``pymp-*`` folder of an ansible-playbook a test kills on purpose
(Ansible's local RPC server keeps its Unix socket there, which is why the folder's path stays short),
the ``eda*`` folder of a playbook run ansible-rulebook was running when it was stopped, a stopped
cluster's ``lacrei-pg-*`` folder. The controller removes both folders when it exits.
``leftovers()`` lists what the run's processes left in the system's temporary folder all the same;
the controller fails the run when that list grows.

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
REAL_TMP = "LACREI_TEST_REAL_TMPDIR"
# what the run's processes make in their temporary folder (ansible-playbook, ansible-rulebook, the sandbox)
LEFTOVER_PATTERNS = ("pymp-*", "eda*", "lacrei-pg-*", "lacrei-responder-*", "ansible-local-*")
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
    os.environ[REAL_TMP] = tempfile.gettempdir()
    home = Path(tempfile.mkdtemp(prefix="lacrei-test-home-"))
    atexit.register(shutil.rmtree, home, True)
    scratch = Path(tempfile.mkdtemp(prefix="lacrei-test-tmp-"))
    scratch.chmod(0o1777)
    atexit.register(shutil.rmtree, scratch, True)
    # ANSIBLE_REMOTE_TMP: for runs without the project's ansible.cfg (whose remote_tmp is under $HOME),
    # Ansible's default ~/.ansible/tmp is the account's home (~root), not HOME.
    os.environ.update({MARKER: str(home), "HOME": str(home), "ANSIBLE_REMOTE_TMP": str(home / ".ansible" / "tmp"),
                       "TMPDIR": str(scratch),
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


def system_tmp() -> Path:
    """The temporary folder the run's processes would use without the run's TMPDIR."""
    return Path(os.environ.get(REAL_TMP) or tempfile.gettempdir())


def leftovers() -> set[str]:
    """The names in the system's temporary folder that the run's processes make in theirs."""
    return {path.name for pattern in LEFTOVER_PATTERNS for path in system_tmp().glob(pattern)}
