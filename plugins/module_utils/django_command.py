# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ``manage.py`` commands and the migration probe in a Django project checkout.

The project runs with its own interpreter (``python``: a path to an interpreter or a
virtualenv folder; default ``<project_path>/.venv`` when present, else ``python3``), in
``project_path``, with ``environment`` (``DATABASE_URL``, secrets: ``no_log``) and
``DJANGO_SETTINGS_MODULE`` from ``settings`` added to the module's own environment.
"""
from __future__ import annotations

import json
import os

from ansible_collections.lacrei.rollback.plugins.module_utils import django_probe
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.command import run

DJANGO_PROJECT_SPEC = dict(
    project_path=dict(type="path", required=True),
    settings=dict(type="str"),
    python=dict(type="path"),
    environment=dict(type="dict", no_log=True, default={}),
    database=dict(type="str", default="default"),
)
PROBE_VARIABLE = "LACREI_DJANGO_PROBE"
PROBE_BOOTSTRAP = f"import os; exec(os.environ['{PROBE_VARIABLE}'])"


def probe_source() -> str:
    """The probe module's text (also when module_utils travel zipped inside AnsiballZ)."""
    loader = getattr(django_probe, "__loader__", None)
    source = loader.get_source(django_probe.__name__) if loader else None
    if isinstance(source, bytes):  # Ansible's collection loader (a module run in-process) gives bytes
        source = source.decode("utf-8")
    if source is None:
        with open(django_probe.__file__, encoding="utf-8") as handle:
            source = handle.read()
    return source + "\nmain()\n"


class DjangoProject:
    """A project checkout as the DJANGO_PROJECT_SPEC options describe it."""

    def __init__(self, module, params: dict):
        self.module = module
        self.path = os.path.abspath(params["project_path"])
        self.settings = params.get("settings")
        self.database = params.get("database") or "default"
        self.environment = {str(k): str(v) for k, v in (params.get("environment") or {}).items()}
        self.python = self._interpreter(params.get("python"))
        self.manage_py = os.path.join(self.path, "manage.py")
        if not os.path.isfile(self.manage_py):
            raise ActionFailed(f"No manage.py in project_path {self.path}")

    def _interpreter(self, python: str | None) -> str:
        if python is None and os.path.isdir(os.path.join(self.path, ".venv")):
            python = os.path.join(self.path, ".venv")
        if python is None:
            return self.module.get_bin_path("python3", required=True)
        if os.path.isdir(python):
            python = os.path.join(python, "bin", "python")
        if not os.access(python, os.X_OK):
            raise ActionFailed(f"Python interpreter {python} is not an executable file")
        return python

    def env(self, extra: dict | None = None) -> dict:
        env = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", **self.environment}
        if self.settings:
            env["DJANGO_SETTINGS_MODULE"] = self.settings
        return {**env, **(extra or {})}

    def manage(self, args: list, action: str, **kwargs):
        """``python manage.py <args>`` in the project folder."""
        return run(self.module, [self.python, self.manage_py, *args], action, env=self.env(),
                   cwd=self.path, **kwargs)

    def probe(self, action: str, **request) -> dict:
        """Answer of django_probe's ``action`` (info | plan) as a dict; ActionFailed on errors."""
        request = {"action": action, "database": self.database, **request}
        argv = [self.python, self.manage_py, "shell", "-v", "0", "-c", PROBE_BOOTSTRAP]
        env = self.env({PROBE_VARIABLE: probe_source(), django_probe.ARGS_VARIABLE: json.dumps(request)})
        result = run(self.module, argv, f"read the migrations of the Django project in {self.path}", env=env, cwd=self.path)
        answer = _probe_answer(result.stdout)
        if answer is None:
            raise ActionFailed(f"The Django project in {self.path} gave no migration data",
                               stdout=result.stdout[-2000:], stderr=result.stderr[-2000:], cmd=result.cmd)
        if not answer.pop("ok"):
            raise ActionFailed(answer["error"])
        return answer


def _probe_answer(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(django_probe.MARKER):
            return json.loads(line[len(django_probe.MARKER):])
    return None
