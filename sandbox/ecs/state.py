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

from sandbox.awsjson import state


class Store(state.Store):
    """The records plus one lock (sandbox.awsjson.state.Store: load, save, clear)."""

    SECTIONS = ("clusters", "task_definitions", "services")

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps({name: getattr(self, name) for name in self.SECTIONS}))
