"""module_utils.django_command and the probe: interpreter resolution, environment, probe transport."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lacrei.rollback.plugins.module_utils import django_probe
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.django_command import (
    DJANGO_PROJECT_SPEC,
    DjangoProject,
    _probe_answer,
    probe_source,
)

MINIPROJ = Path(__file__).resolve().parents[3] / "integration" / "db" / "fixtures" / "miniproj"


def project(**params) -> DjangoProject:
    args = dict(project_path=str(MINIPROJ), **params)
    with patch_module_args(args):
        module = AnsibleModule(argument_spec=dict(DJANGO_PROJECT_SPEC))
    return DjangoProject(module, module.params)


def test_probe_source_is_the_module_and_calls_main():
    source = probe_source()

    tree = ast.parse(source)
    assert source.rstrip().endswith("main()")
    assert {"main", "do_info", "do_plan", "reversible"} <= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_probe_answer_ignores_project_noise():
    stdout = f"some print from settings\n{django_probe.MARKER}{{\"ok\": true, \"x\": 1}}\ntrailing\n"

    assert _probe_answer(stdout) == {"ok": True, "x": 1}
    assert _probe_answer("nothing here") is None


def test_environment_settings_and_interpreter():
    proj = project(python=sys.executable, settings="miniproj.settings", environment={"DATABASE_URL": "x", "N": 1})

    assert proj.python == sys.executable
    assert proj.env()["DJANGO_SETTINGS_MODULE"] == "miniproj.settings"
    assert proj.env()["DATABASE_URL"] == "x" and proj.env()["N"] == "1"


def test_virtualenv_folder_means_its_bin_python():
    venv = Path(sys.executable).resolve().parent.parent
    if not (venv / "bin" / "python").exists():
        pytest.skip("not running from a virtualenv")

    assert project(python=str(venv)).python == str(venv / "bin" / "python")


def test_bad_interpreter_and_missing_manage_py_are_clear(tmp_path):
    with pytest.raises(ActionFailed, match="is not an executable file"):
        project(python=str(tmp_path / "nope"))
    with pytest.raises(ActionFailed, match="No manage.py in project_path"):
        with patch_module_args(dict(project_path=str(tmp_path))):
            module = AnsibleModule(argument_spec=dict(DJANGO_PROJECT_SPEC))
        DjangoProject(module, module.params)


def test_manage_runs_in_the_project_with_its_interpreter():
    result = project(python=sys.executable).manage(["check", "--deploy", "--fail-level", "CRITICAL"], "run check")

    assert result.rc == 0 and MINIPROJ.name in result.cmd


def test_reversible_sees_through_separate_database_and_state():
    from django.db import migrations

    def forwards(apps, schema_editor):
        return None

    irreversible = migrations.SeparateDatabaseAndState(database_operations=[migrations.RunPython(forwards)])
    reversible = migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL("SELECT 1", "SELECT 1")])

    assert django_probe.reversible(irreversible) is False
    assert django_probe.reversible(reversible) is True
    assert django_probe.reversible(migrations.RunSQL("SELECT 1")) is False
