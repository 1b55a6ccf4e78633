"""Where the live runtime keeps its files, and atomic JSON files (readers never see half a file)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def live_dir(state: Path) -> Path:
    return Path(state) / "live"


def checkouts_dir(state: Path) -> Path:
    return live_dir(state) / "checkouts"


def service_dir(state: Path, service_id: str) -> Path:
    path = live_dir(state) / "services" / service_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, sort_keys=True)
    os.replace(tmp, path)
