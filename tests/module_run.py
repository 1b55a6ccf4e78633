"""The in-process module runner behind the ``run_module`` fixture, for fixtures of any scope:
``with pytest.MonkeyPatch.context() as patch: result = module_runner(patch)(name, args)``."""
from __future__ import annotations

import contextlib
import io
import json

import pytest


def import_module(name: str):
    """Import a collection module by short name (e.g. 'ecr_image_info')."""
    import importlib

    return importlib.import_module(f"ansible_collections.lacrei.rollback.plugins.modules.{name}")


def module_runner(monkeypatch):
    """run_module's function, for fixtures of a wider scope (``pytest.MonkeyPatch.context()``)."""
    from ansible.module_utils import _internal as module_side
    from ansible.module_utils.common import warnings as module_warnings
    from ansible.module_utils.testing import patch_module_args

    # A module runs outside the controller: once a test imported controller code (a callback
    # plugin), ansible-core would send module warnings to the display instead of the result.
    monkeypatch.setattr(module_side, "is_controller", False)

    def _run(module, args: dict, check_mode: bool = False, diff: bool = False) -> dict:
        # Warnings are process-global in ansible-core: start each in-process run clean.
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()
        mod = import_module(module) if isinstance(module, str) else module
        full_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        out = io.StringIO()
        with patch_module_args(full_args), contextlib.redirect_stdout(out):
            with pytest.raises(SystemExit):
                mod.main()
        text = out.getvalue().strip().splitlines()
        return json.loads(text[-1])

    return _run
