"""One typed method per runbook playbook. Arguments are checked before anything runs.

Every method takes the playbook's own parameters, then ``check`` (--check, where the runbook
changes something), ``limit`` (--limit) and ``control`` (streaming, cancel, timeout, raising;
see :class:`Control`). Read-only runbooks return their data as records; the others a RunResult.
"""
from __future__ import annotations

from lacrei_rollback.app_runbooks import AppRunbooks
from lacrei_rollback.client import ClientBase
from lacrei_rollback.config_runbooks import ConfigRunbooks
from lacrei_rollback.database_runbooks import DatabaseRunbooks
from lacrei_rollback.prevention_runbooks import PreventionRunbooks


class Client(AppRunbooks, DatabaseRunbooks, ConfigRunbooks, PreventionRunbooks):
    """The runbooks of one inventory (sandbox|staging|prod or a path)."""


def runbook_names() -> list[str]:
    """The runbooks bound as Client methods (what the CLI offers)."""
    base = set(dir(ClientBase))
    return sorted(name for name in dir(Client)
                  if not name.startswith("_") and name not in base and callable(getattr(Client, name)))
