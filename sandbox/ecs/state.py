"""ECS emulator state and its JSON file (rewritten whole, atomically, after every change).

Layout (``version`` 1)::

    {"version": 1,
     "clusters": {"<clusterArn>": {...Cluster as DescribeClusters answers it...}},
     "task_definitions": {"<family>": [{...TaskDefinition...}, ...]},   # revision 1 first
     "services": {"<serviceArn>": {
         "service": {...Service as DescribeServices answers it (events newest first)...},
         "deployments": [{...ServiceDeployment...}],        # oldest first
         "revisions": {"<serviceRevisionArn>": {...ServiceRevision...}},
         "express": null | {...ECSExpressGatewayService members kept by the emulator...},
         "url": null | "http://127.0.0.1:<port>",           # where the service answers (runtime)
         "health_check_path": "/health/"}}}

A service deployment in flight also carries the emulator's own keys ``_stop`` (the stop type
asked for) and ``_source`` / ``_target`` (task definition ARNs); answers drop them (the output
shape has no such members).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from sandbox.awsjson.state import write_atomically

VERSION = 1
SECTIONS = ("clusters", "task_definitions", "services")


class Store:
    """The records plus one lock; callers hold ``lock`` across read-modify-write + ``save``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.RLock()
        self.clusters: dict[str, dict] = {}
        self.task_definitions: dict[str, list] = {}
        self.services: dict[str, dict] = {}
        self.generation = 0  # bumped by clear(): background work of an older generation is dropped

    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return
        if data.get("version") != VERSION:
            raise ValueError(f"{self.path}: unsupported state version {data.get('version')!r}")
        for name in SECTIONS:
            setattr(self, name, data[name])

    def save(self) -> None:
        with self.lock:
            data = {"version": VERSION, **{name: getattr(self, name) for name in SECTIONS}}
            write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True))

    def clear(self) -> list[dict]:
        """Forget everything; returns the service records that were held."""
        with self.lock:
            records = list(self.services.values())
            self.clusters, self.task_definitions, self.services = {}, {}, {}
            self.generation += 1
            self.save()
            return records

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps({name: getattr(self, name) for name in SECTIONS}))
