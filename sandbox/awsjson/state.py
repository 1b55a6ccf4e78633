"""State files of the emulators: written whole, atomically (a crash never leaves a torn file)."""
from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """An emulator's records, one dict per name in ``SECTIONS``, plus one lock; callers hold ``lock``
    across read-modify-write + ``save``. The file is ``{"version": VERSION, <section>: {...}, ...}``."""

    VERSION = 1
    SECTIONS: tuple[str, ...] = ()

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.RLock()
        for name in self.SECTIONS:
            setattr(self, name, {})
        self.generation = 0  # bumped by clear(): background work of an older generation is dropped

    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return
        if data.get("version") != self.VERSION:
            raise ValueError(f"{self.path}: unsupported state version {data.get('version')!r}")
        for name in self.SECTIONS:
            setattr(self, name, data[name])

    def save(self) -> None:
        with self.lock:
            data = {"version": self.VERSION, **{name: getattr(self, name) for name in self.SECTIONS}}
            write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True))

    def clear(self) -> list[dict]:
        """Forget everything; returns the service records that were held."""
        with self.lock:
            records = list(self.services.values())
            for name in self.SECTIONS:
                setattr(self, name, {})
            self.generation += 1
            self.save()
            return records
