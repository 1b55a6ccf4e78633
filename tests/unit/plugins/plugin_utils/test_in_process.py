"""The in-process module runner (plugins/plugin_utils/in_process.py) on real modules of the collection."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

from ansible.module_utils import _internal as module_side
from ansible.module_utils import basic

from ansible_collections.lacrei.rollback.plugins.plugin_utils import in_process

REPO = Path(__file__).resolve().parents[4]


def test_only_this_python_counts_as_the_same_python():
    assert in_process.same_python(sys.executable)
    assert not in_process.same_python(None)
    assert not in_process.same_python("/bin/sh")
    assert not in_process.same_python("/nonexistent/python3")


def test_a_module_runs_and_prints_its_json_result():
    out = in_process.run_module("input_check", {"inputs": {"sha": {"value": "0123abc", "kind": "git_sha"}}})
    result = json.loads(out.strip().splitlines()[-1])
    assert not result.get("failed") and result["changed"] is False


def test_a_refusal_comes_back_as_the_modules_failure():
    out = in_process.run_module("input_check", {"inputs": {"sha": {"value": "--upload-pack=x", "kind": "git_sha"}}})
    result = json.loads(out.strip().splitlines()[-1])
    assert result["failed"] is True and "sha" in result["msg"]


def test_check_mode_reaches_the_module():
    out = in_process.run_module("input_check", {"inputs": {}, "_ansible_check_mode": True})
    assert json.loads(out.strip().splitlines()[-1])["changed"] is False


def test_the_environment_holds_only_while_the_module_runs(monkeypatch):
    monkeypatch.delenv("LACREI_IN_PROCESS_PROBE", raising=False)
    before = (basic._ANSIBLE_ARGS, module_side.is_controller)
    seen = {}
    with in_process._module_process({"x": 1}, {"LACREI_IN_PROCESS_PROBE": 42}):
        seen["env"] = os.environ.get("LACREI_IN_PROCESS_PROBE")
        seen["args"] = json.loads(basic._ANSIBLE_ARGS)["ANSIBLE_MODULE_ARGS"]
        seen["controller"] = module_side.is_controller
    assert seen == {"env": "42", "args": {"x": 1}, "controller": False}
    assert "LACREI_IN_PROCESS_PROBE" not in os.environ
    assert (basic._ANSIBLE_ARGS, module_side.is_controller) == before


def test_every_module_has_its_in_process_action():
    modules = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
    actions = sorted(path.stem for path in (REPO / "plugins" / "action").glob("*.py") if path.stem != "__init__")
    assert actions == modules
    for name in actions:
        action = importlib.import_module(f"ansible_collections.lacrei.rollback.plugins.action.{name}")
        assert action.ActionModule is in_process.InProcessAction


IN_PROCESS = "from ansible_collections.lacrei.rollback.plugins.plugin_utils import in_process"


def import_in_a_fresh_playbook_process(measure: str, importing: str = IN_PROCESS) -> tuple:
    """``measure`` (a Python expression) in a new interpreter before and after ``importing`` (a
    statement; in_process unless told) there, the plugin loader set up first as ansible-playbook does."""
    probe = (
        "import gc, json, sys\n"
        "from ansible.plugins.loader import init_plugin_loader\n"
        f"init_plugin_loader([{str(REPO / '.collections')!r}])\n"
        f"before = {measure}\n"
        f"{importing}\n"
        f"print(json.dumps([before, {measure}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return tuple(json.loads(done.stdout))


def test_importing_it_loads_the_filters_tests_and_lookups_every_forked_worker_needs():
    """Imported in the playbook's process, it leaves Ansible's filter and test plugins, this
    collection's filters and the inventories' lookups loaded, so the workers forked from there do
    not load them per task."""
    before, after = import_in_a_fresh_playbook_process(
        "sorted(name for name in sys.modules if name.startswith(('ansible.plugins.filter.core',"
        " 'ansible.plugins.test.core', 'ansible_collections.lacrei.rollback.plugins.filter.',"
        " 'ansible_collections.lacrei.rollback.plugins.lookup.')))")
    assert before == []
    filters = {path.stem for path in (REPO / "plugins" / "filter").glob("*.py") if path.stem != "__init__"}
    assert {f"ansible_collections.lacrei.rollback.plugins.filter.{name}" for name in filters} <= set(after)
    assert any(name.startswith("ansible.plugins.filter.core") for name in after)
    assert any(name.startswith("ansible.plugins.test.core") for name in after)
    assert "ansible_collections.lacrei.rollback.plugins.lookup.env_file" in after


def test_importing_it_puts_what_the_process_holds_out_of_the_collectors_reach():
    """gc.freeze() in the playbook's process: the forked workers' collections do not walk (and copy)
    what it held when the first in-process action was loaded."""
    before, after = import_in_a_fresh_playbook_process("gc.get_freeze_count()")
    assert before == 0 and after > 10000


def test_importing_it_parses_the_botocore_data_every_client_reads():
    """The endpoints and the usual service models are parsed in the playbook's process, so a forked
    worker's clients do not parse them again (about 45 ms a client otherwise)."""
    before, after = import_in_a_fresh_playbook_process(
        "sorted(str(key[1]) for key in getattr(sys.modules.get("
        "'ansible_collections.lacrei.rollback.plugins.module_utils.aws_client'), '_LOADER', None)._cache)"
        " if getattr(sys.modules.get('ansible_collections.lacrei.rollback.plugins.module_utils.aws_client'),"
        " '_LOADER', None) else []")
    assert before == []
    assert {"endpoints", "partitions", "apprunner", "ecr", "sts", "ssm"} <= set(after)


def test_importing_it_loads_the_lookups_the_runbooks_use():
    """The lookups the roles call (the lease's run id, the production gate, the reports) are loaded in
    the playbook's process, not in each worker that templates them."""
    before, after = import_in_a_fresh_playbook_process(
        "sorted(name for name in sys.modules if name.startswith('ansible_collections.ansible.builtin.plugins.lookup.'))")
    assert before == []
    assert {f"ansible_collections.ansible.builtin.plugins.lookup.{name}" for name in ("env", "file", "password", "vars", "template",
                                                          "inventory_hostnames")} <= set(after)


def test_importing_it_loads_the_json_profile_of_the_module_runs():
    before, after = import_in_a_fresh_playbook_process(
        "sorted(name for name in sys.modules if name.endswith(('_module_legacy_c2m', '_module_legacy_m2c')))")
    assert before == []
    assert len(after) == 2


def test_loading_an_action_imports_its_module_and_module_utils():
    """The strategy loads a task's action in the playbook's process before it forks the worker: the
    module is imported then, so the workers of later tasks of the same module do not compile it again."""
    module = "ansible_collections.lacrei.rollback.plugins.modules.service_lease"
    before, after = import_in_a_fresh_playbook_process(
        f"[name for name in ({module!r}, 'ansible_collections.lacrei.rollback.plugins.module_utils.lease')"
        " if name in sys.modules]",
        importing="from ansible_collections.lacrei.rollback.plugins.action import service_lease")
    assert before == []
    assert after == [module, "ansible_collections.lacrei.rollback.plugins.module_utils.lease"]


def test_an_action_whose_module_cannot_be_imported_still_loads():
    """The module's own import error is for the task that runs it to report, not for the action's load."""
    assert in_process.action_for("ansible_collections.lacrei.rollback.plugins.action.no_such_module") \
        is in_process.InProcessAction


def test_the_audit_callback_loads_it_at_the_playbook_start():
    """The collection's playbooks always load the audit callback: at the playbook's start it imports
    in_process, before the first task's worker is forked (the first tasks are builtin actions)."""
    before, after = import_in_a_fresh_playbook_process(
        "'ansible_collections.lacrei.rollback.plugins.plugin_utils.in_process' in sys.modules",
        importing="from ansible_collections.lacrei.rollback.plugins.callback.audit import CallbackModule\n"
                  "CallbackModule().v2_playbook_on_start(None)")
    assert before is False and after is True
