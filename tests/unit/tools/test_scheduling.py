"""tests/scheduling.py: how `make test` hands test files to its workers. The files of a folder that
shares one sandbox (a session- or package-scoped fixture of its conftest.py) run on one worker, so
the sandbox comes up once; the long files go first; every other file is a unit of its own."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from tests.scheduling import SHARED_SANDBOX_FOLDERS, pytest_xdist_make_scheduler, rank, unit_of_work

REPO = Path(__file__).resolve().parents[3]

RECORD = """
import json, os

def record(name):
    with open(os.environ["SCHEDULE_LOG"], "a") as log:
        log.write(json.dumps([name, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")
"""

SHARED_CONFTEST = """
import pytest
from record import record

@pytest.fixture(scope="package")
def box():
    record("box")
"""


def shares_a_sandbox(conftest: Path) -> bool:
    """Whether a session- or package-scoped fixture of ``conftest`` brings up a sandbox."""
    for node in ast.walk(ast.parse(conftest.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        scopes = {keyword.value.value for decorator in node.decorator_list if isinstance(decorator, ast.Call)
                  for keyword in decorator.keywords if keyword.arg == "scope" and isinstance(keyword.value, ast.Constant)}
        calls = {call.func.id for call in ast.walk(node) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)}
        if scopes & {"session", "package"} and "private_sandbox" in calls:
            return True
    return False


def test_every_folder_sharing_a_sandbox_is_one_unit_of_work():
    sharing = {conftest.parent.relative_to(REPO).as_posix() + "/"
               for conftest in (REPO / "tests" / "integration").glob("*/conftest.py") if shares_a_sandbox(conftest)}
    assert "tests/integration/ecs_runbooks/" in sharing
    assert sharing == set(SHARED_SANDBOX_FOLDERS)
    for folder in sharing:
        for test_file in (REPO / folder).glob("test_*.py"):
            assert unit_of_work(f"{folder}{test_file.name}::test_x") == folder


def test_any_other_file_is_a_unit_of_its_own_and_the_long_ones_go_first():
    assert unit_of_work("tests/integration/app_rollback/test_rollback_ecs.py::test_x") == \
        "tests/integration/app_rollback/test_rollback_ecs.py"
    assert rank("tests/integration/app_rollback/test_schema_rollback.py::test_x") == 0
    assert rank("tests/integration/ecs_runbooks/test_x.py::t") < rank("tests/unit/tools/test_scheduling.py::t")


def test_other_dist_modes_keep_xdists_own_scheduler():
    config = SimpleNamespace(getoption=lambda name: {"dist": "load"}[name])
    assert pytest_xdist_make_scheduler(config, None) is None


def test_a_real_run_brings_a_shared_sandbox_up_once_for_all_its_files(tmp_path):
    """Two workers, three ecs_runbooks files sharing a package fixture and three other files: plain
    ``loadfile`` spreads the three over both workers (the fixture up twice); the plugin keeps them on one."""
    (tmp_path / "record.py").write_text(RECORD)
    folder = tmp_path / "tests" / "integration" / "ecs_runbooks"
    folder.mkdir(parents=True)
    (folder / "conftest.py").write_text(SHARED_CONFTEST)
    for name in "abc":
        (folder / f"test_{name}.py").write_text(f"from record import record\n\ndef test_{name}(box):\n    record('box/{name}')\n")
        (tmp_path / "tests" / f"test_plain_{name}.py").write_text(
            f"from record import record\n\ndef test_{name}():\n    record('plain/{name}')\n")
    log = tmp_path / "schedule.jsonl"
    env = dict(os.environ, SCHEDULE_LOG=str(log), PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cov",
                           "-p", "tests.scheduling", "-n", "2", "--dist", "loadfile", "--rootdir", str(tmp_path),
                           "-c", os.devnull, "tests"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(name for name, _ in runs) == ["box", "box/a", "box/b", "box/c", "plain/a", "plain/b", "plain/c"]
    assert len({worker for name, worker in runs if name.startswith("box")}) == 1
