# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run this collection's modules inside the task's worker process when the host is the control node.

Every host of the runbooks is the control node (``ansible_connection: local``, the playbook's own
Python): there, the usual way to run a module (build an AnsiballZ payload, write it to a temporary
folder, start a new Python that imports ansible and boto3 again, remove the folder) costs more CPU
than most of the modules' work. The worker Ansible forks for each task is already a throwaway
process with everything imported, so the module's ``main()`` runs there, with the same arguments
(module_defaults, check and diff mode, no_log) and the task's ``environment``; its JSON result is
parsed the way a module's always is. Anything else (another connection, become, async, another
interpreter) takes Ansible's usual path. See docs/dev/conventions.md ("Modules run in-process").
"""
from __future__ import annotations

import contextlib
import gc
import importlib
import io
import json
import os
import pkgutil
import sys

from ansible.module_utils import _internal as module_side
from ansible.module_utils import basic
from ansible.module_utils.common import json as module_json
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.lacrei.rollback.plugins.module_utils import aws_client, progress

MODULES_PACKAGE = "ansible_collections.lacrei.rollback.plugins.modules"
FILTERS_PACKAGE = "ansible_collections.lacrei.rollback.plugins.filter"
# the builtin lookups the runbooks use (env: the inventories' variables; file: the auto-rollback guard's audit read;
# password: the lease's run id and the sealed read's key; vars: the production gate; template: the reports;
# inventory_hostnames: the runbooks' service checks)
LOOKUPS = ("ansible.builtin.env", "ansible.builtin.file", "ansible.builtin.password", "ansible.builtin.vars",
           "ansible.builtin.template", "ansible.builtin.inventory_hostnames")
PROFILE = "legacy"  # the serialization profile of this collection's modules
display = Display()

if aws_client.boto3 is not None:  # without boto3 the modules say so themselves (missing_required_lib)
    # boto3 and the botocore data nearly every client reads (the endpoints, the runbooks' usual
    # service models), loaded once in the playbook's process: every fork has them parsed.
    aws_client.shared_loader(preload=True)


def load_jinja_plugins() -> None:
    """Ansible's own filters and tests, this collection's filters, and the lookups the runbooks use
    (``LOOKUPS`` and lacrei.rollback.env_file), loaded in this process.

    This module is first imported in the playbook's process (the strategy loads each task's action
    class before it forks the task's worker). A worker that compiles a template with a filter or a
    test loads every builtin filter and test file first, and a forked worker starts with only what
    the playbook's process had: each task paid that again, about a fifth of a runbook's CPU
    (docs/reliability.md, "Suite time"). Loaded here once, every later fork has them.
    """
    from ansible.plugins.loader import filter_loader, lookup_loader, test_loader

    filter_loader.get("ansible.builtin.bool")  # the first lookup loads every builtin filter file
    test_loader.get("ansible.builtin.truthy")  # and every builtin test file
    for name in LOOKUPS:
        lookup_loader.get(name, class_only=True)
    try:
        for plugin in pkgutil.iter_modules(importlib.import_module(FILTERS_PACKAGE).__path__):
            filter_loader.get(f"lacrei.rollback.{plugin.name}")
        lookup_loader.get("lacrei.rollback.env_file", class_only=True)
    except KeyError:  # imported outside a playbook (no collection loader): they load when used
        pass


load_jinja_plugins()
for _direction in module_json.Direction:  # the JSON profile of every module run (imported on first use otherwise)
    module_json.get_module_encoder(PROFILE, _direction)
    module_json.get_module_decoder(PROFILE, _direction)
# What the playbook's process holds by now (Ansible, the playbook, boto3 and its data, the plugins above) lives
# for the whole run: out of the garbage collector's reach, a worker's collections do not walk it
# and copy its pages (copy-on-write). About 6 % less CPU a run (docs/reliability.md, "Suite time").
gc.freeze()


def action_for(action_plugin: str) -> type:
    """The action of the module named like ``action_plugin`` (an action file's ``__name__``): ``InProcessAction``,
    the module imported here first.

    The strategy loads a task's action in the playbook's process before it forks the task's worker: the
    module (and its module_utils) imported then is there in every later worker, where each worker compiled
    it again from source (Ansible's collection loader keeps no bytecode), several times a run for the
    modules a run repeats (input_check, service_lease, the monitor's each interval). A module that fails
    to import here fails in the worker, as before, with its own message."""
    try:
        importlib.import_module(f"{MODULES_PACKAGE}.{action_plugin.rsplit('.', 1)[-1]}")
    except Exception:  # pylint: disable=broad-except  # said by the task that runs it, not by the action's load
        pass
    return InProcessAction


def same_python(interpreter: str | None) -> bool:
    """Whether ``interpreter`` is the Python this process runs (so its libraries are these)."""
    if not interpreter:
        return False
    try:
        return os.path.samefile(interpreter, sys.executable)
    except OSError:
        return False


@contextlib.contextmanager
def _module_process(args: dict, environment: dict):
    """The process-wide state a module's main() reads, set for the block and put back after it."""
    saved = (basic._ANSIBLE_ARGS, getattr(basic, "_ANSIBLE_PROFILE", None), module_side.is_controller,
             dict(os.environ))
    encoder = module_json.get_module_encoder(PROFILE, module_json.Direction.CONTROLLER_TO_MODULE)
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}, cls=encoder).encode()
    basic._ANSIBLE_PROFILE = PROFILE
    module_side.is_controller = False  # warnings go into the result, as a module's do
    os.environ.update({key: str(value) for key, value in environment.items()})
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, module_side.is_controller, environ = saved
        os.environ.clear()
        os.environ.update(environ)


def run_module(name: str, args: dict, environment: dict | None = None, show=None) -> str:
    """Run module ``name`` of this collection in this process; return what it printed (its JSON).
    ``show(line)`` shows the module's progress lines while it runs (module_utils/progress)."""
    module = importlib.import_module(f"{MODULES_PACKAGE}.{name}")
    out = io.StringIO()
    progress.set_sink(show)
    try:
        with _module_process(args, environment or {}), contextlib.redirect_stdout(out):
            try:
                module.main()
            except SystemExit:
                pass
    finally:
        progress.set_sink(None)
    return out.getvalue()


class InProcessAction(NormalAction):
    """The action of every module of this collection (plugins/action/<module>.py imports it); Ansible's
    usual one (``normal``) where the module cannot run in-process."""

    def _in_process(self, task_vars: dict) -> bool:
        connection = getattr(self._connection, "transport", None) or self._play_context.connection
        interpreter = task_vars.get("ansible_python_interpreter")
        if isinstance(interpreter, str) and "{{" in interpreter:
            interpreter = self._templar.template(interpreter)
        return (connection in ("local", "ansible.builtin.local") and not self._play_context.become
                and not self._task.async_val and same_python(interpreter))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        if not self._in_process(task_vars):
            return super().run(tmp, task_vars)
        result = super(NormalAction, self).run(tmp, task_vars)  # ActionBase's checks, not the module run
        name = self._task.resolved_action or self._task.action
        args = dict(self._task.args)
        self._update_module_args(name, args, task_vars)
        environment: dict = {}
        self._compute_environment_string(environment)
        host = task_vars.get("inventory_hostname", "")
        stdout = run_module(name.rsplit(".", 1)[-1], args, environment,
                            show=lambda line: display.display(f"  [{host}] {line}"))
        parsed = self._parse_returned_data({"stdout": stdout, "stderr": "", "rc": 0}, PROFILE)
        parsed.remove_internal_keys()
        return merge_hash(result, parsed.as_result_dict(for_round_trip=True))
