"""The client: bound to a project checkout and an inventory; runs playbooks with checked inputs."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lacrei_rollback import secrets as secret_env
from lacrei_rollback.execution import DEFAULT_TIMEOUT, Control, Job, run_job
from lacrei_rollback.project import find_project, inventory_path, playbook_path, project_folder
from lacrei_rollback.results import RunResult
from lacrei_rollback.validate import flag, host_pattern, positive_int, secret_value, text_value, variable_name

ExtraValue = str | int | bool | list | dict


class ClientBase:
    """Where and how runbooks run.

    ``inventory`` is sandbox|staging|prod or a path. ``project_dir`` is the checkout or the
    installed collection (or a collections path holding it) whose playbooks run; without it,
    :func:`~lacrei_rollback.project.find_project` looks ($LACREI_ROLLBACK_PROJECT, the checkout
    holding this package, the collection on ANSIBLE_COLLECTIONS_PATH). ``sandbox_dir`` is passed to the playbooks
    as $SANDBOX_DIR (else the caller's $SANDBOX_DIR applies). ``environment`` adds plain
    variables; ``secrets`` are environment variables that reach the playbooks only through
    memory (AWS keys, PGPASSWORD...). ``control`` is the default watch of every run (streaming,
    cancel, timeout, raising); each call can give its own.
    """

    def __init__(self, inventory: str | os.PathLike = "sandbox", *, project_dir: str | os.PathLike | None = None,
                 sandbox_dir: str | os.PathLike | None = None, environment: Mapping[str, str] | None = None,
                 secrets: Mapping[str, str] | None = None, control: Control | None = None,
                 runs_dir: str | os.PathLike | None = None, keep_runs: int = 10):
        self.project_dir = project_folder(project_dir) if project_dir else find_project()
        self.inventory = inventory_path(self.project_dir, inventory)
        self.environment = {variable_name("environment key", k): text_value(f"environment[{k}]", v)
                            for k, v in (environment or {}).items()}
        if sandbox_dir is not None:
            self.environment["SANDBOX_DIR"] = str(Path(sandbox_dir).absolute())
        self._secrets = {variable_name("secrets key", k): secret_value(f"secrets[{k}]", v)
                         for k, v in (secrets or {}).items()}
        self.control = control or Control()
        positive_int("control.timeout", self.control.timeout)
        self.runs_dir = Path(runs_dir) if runs_dir else None
        self.keep_runs = keep_runs

    def __repr__(self) -> str:
        return f"{type(self).__name__}(inventory={str(self.inventory)!r})"

    def run_playbook(self, playbook: str | os.PathLike, extravars: Mapping[str, ExtraValue] | None = None, *,
                     secret_vars: Mapping[str, str | None] | None = None, check: bool = False,
                     limit: str | None = None, control: Control | None = None) -> RunResult:
        """Run a playbook (a runbook name from playbooks/, or a path) — the layer under every runbook.

        ``secret_vars`` are extra vars whose values travel only in memory (see ``secrets.py``).
        """
        flag("check", check)
        if limit is not None:
            host_pattern("limit", limit)
        name = os.fspath(playbook)
        path = Path(name) if os.sep in name or name.endswith((".yml", ".yaml")) else playbook_path(self.project_dir, name)
        references, hidden = secret_env.secret_arguments(secret_vars or {})
        job = Job(runbook=path.stem, playbook=path.absolute(), project_dir=self.project_dir, inventory=self.inventory,
                  extravars={key: value for key, value in {**(extravars or {}), **references}.items() if value is not None},
                  environment=self.environment, secrets={**self._secrets, **hidden}, check=check, limit=limit)
        return run_job(job, control or self.control, self.runs_dir, self.keep_runs)


__all__ = ["ClientBase", "Control", "DEFAULT_TIMEOUT"]
