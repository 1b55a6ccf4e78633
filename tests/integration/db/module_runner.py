"""Run one collection module's main() in a process of its own (so a test can SIGKILL it).

    python module_runner.py <module name> <args.json>

Prints the module's result JSON (its last stdout line) like Ansible would receive it.
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(REPO / ".collections"), str(REPO)]


def main() -> None:
    from ansible.module_utils.testing import patch_module_args

    name, args_file = sys.argv[1], sys.argv[2]
    module = importlib.import_module(f"ansible_collections.lacrei.rollback.plugins.modules.{name}")
    with patch_module_args(json.loads(Path(args_file).read_text())):
        module.main()


if __name__ == "__main__":
    main()
