"""The Python API tests' own fixture playbooks (a module of its own name, so test files can
import it whatever else pytest has collected)."""
from __future__ import annotations

from pathlib import Path

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"


def playbook(name: str) -> Path:
    return PLAYBOOKS / f"{name}.yml"
