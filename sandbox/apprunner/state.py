"""Emulator state and its JSON file.

Layout (``version`` 1)::

    {"version": 1,
     "services": {"<ServiceArn>": {
         "service": {...},          # the API's Service, as DescribeService answers it
         "tags": [{"Key": ..., "Value": ...}],
         "operations": [{...}],     # OperationSummary records, oldest first
         "pending": null | {"OperationId": ..., "Type": ..., "prior_status": ...,
                            "previous": {...} | null}}}}

The file is rewritten after every change: written to a temporary file in the same folder,
fsync'ed, then renamed over the old one, so a crash never leaves a torn file.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from sandbox.awsjson.state import write_atomically

VERSION = 1


class Store:
    """The records plus one lock; callers hold ``lock`` across read-modify-write + ``save``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.RLock()
        self.services: dict[str, dict] = {}
        self.generation = 0  # bumped by clear(): background work of an older generation is dropped

    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return
        if data.get("version") != VERSION:
            raise ValueError(f"{self.path}: unsupported state version {data.get('version')!r}")
        self.services = data["services"]

    def save(self) -> None:
        with self.lock:
            text = json.dumps({"version": VERSION, "services": self.services}, indent=1, sort_keys=True)
            write_atomically(self.path, text)

    def clear(self) -> list[dict]:
        """Forget everything; returns the records that were held."""
        with self.lock:
            records = list(self.services.values())
            self.services = {}
            self.generation += 1
            self.save()
            return records

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.services))

