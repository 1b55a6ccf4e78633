"""How `make test` spreads the test files over its pytest-xdist workers (``--dist loadfile``).

Files run whole on one worker, and so does each folder of SHARED_SANDBOX_FOLDERS: its files share
one sandbox brought up by a session- or package-scoped fixture of its conftest.py, and a fixture of
that scope lives once per worker, so every worker given one of its files would start a sandbox of its
own (plain ``loadfile`` spread tests/integration/ecs_runbooks over three workers: three ECS sandboxes
where one serves). The files that bring up a sandbox or run many playbooks go first, longest first,
so that none starts last and runs alone at the end; the rest follow in collection order (xdist's own
order, by number of tests, put 30 cheap unit files before them).

tests/conftest.py imports the two hooks; ``-p tests.scheduling`` loads them into any other run.
See docs/reliability.md ("Suite time").
"""
from __future__ import annotations

import pytest

SHARED_SANDBOX_FOLDERS = ("tests/integration/python_api/", "tests/integration/ecs_runbooks/")
LONGEST_FIRST = (
    "tests/integration/app_rollback/test_schema_rollback.py",
    "tests/integration/reliability/test_secrets_never_leak.py",
    "tests/integration/python_api/",
    "tests/integration/reliability/test_two_operators.py",
    "tests/integration/reliability/test_hostile_input.py",
    "tests/integration/installed/",
    "tests/integration/app_rollback/",
    "tests/integration/db_playbooks/",
    "tests/integration/config_rollback/",
    "tests/integration/ecs_runbooks/",
    "tests/integration/emergency/",
    "tests/integration/monitor/",
    "tests/integration/ecs_emulator/",
    "tests/integration/sandbox/test_any_state.py",
    "tests/integration/readme/",
    "tests/integration/git_revert/",
    "tests/integration/drills/",
    "tests/integration/live/",
    "tests/integration/reliability/",
    "tests/integration/db/",
    "tests/integration/",
)


def rank(nodeid: str) -> int:
    """The place of ``nodeid``'s file in LONGEST_FIRST (the unlisted files after every listed one)."""
    return next((place for place, prefix in enumerate(LONGEST_FIRST) if nodeid.startswith(prefix)), len(LONGEST_FIRST))


def unit_of_work(nodeid: str) -> str:
    """What runs whole on one worker: the SHARED_SANDBOX_FOLDERS folder ``nodeid`` is in, else its file."""
    path = nodeid.split("::", 1)[0]
    return next((folder for folder in SHARED_SANDBOX_FOLDERS if path.startswith(folder)), path)


def pytest_collection_modifyitems(config, items):
    """Longest files first (a stable sort: each file's tests keep their order and stay together)."""
    items.sort(key=lambda item: rank(item.nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` in the collection order above, each SHARED_SANDBOX_FOLDERS folder one unit;
    other modes keep xdist's own scheduler."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    config.option.loadscopereorder = False
    return LongestFirst(config, log)
