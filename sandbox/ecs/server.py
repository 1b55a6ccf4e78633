"""ECS's JSON 1.1 protocol (``X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>``) on
the shared front (``sandbox.awsjson.server``), plus the ``/_emulator/`` endpoints:

- ``GET  /_emulator/health``  -> ``{"status": "ok"}``
- ``GET  /_emulator/state``   -> the state file's sections plus ``faults``
- ``GET  /_emulator/urls``    -> ``{"<serviceArn>": "http://127.0.0.1:<port>" | null}``: where each
  service answers (its stand-in load balancer; Express Mode's ingress endpoint)
- ``POST /_emulator/faults``  the shared faults (``sandbox.awsjson.faults``) plus
  ``fail_canary: N`` (the next N canaries' alarm goes off during their bake time)
- ``POST /_emulator/reset``   stop every service's tasks, forget all state, clear faults
"""
from __future__ import annotations

from dataclasses import dataclass

from sandbox.awsjson import server as front
from sandbox.awsjson.errors import ApiError
from sandbox.awsjson.faults import Faults

from .api import Ecs
from .errors import invalid_parameter, server_error

PROTOCOL = front.Protocol(service="ecs", target_prefix="AmazonEC2ContainerServiceV20141113.",
                          content_type="application/x-amz-json-1.1",
                          invalid=invalid_parameter, internal=server_error)
EXTRA_FAULTS = ("fail_canary",)


@dataclass
class Emulator:
    api: Ecs
    faults: Faults
    deploy_seconds: float
    protocol: front.Protocol = PROTOCOL

    def aws_call(self, target: str, body: bytes) -> dict:
        return front.aws_call(self.protocol, self.faults, self.api.call, target, body)

    def control(self, method: str, path: str, body: dict) -> dict:
        route = {("GET", "/_emulator/health"): lambda: {"status": "ok"},
                 ("GET", "/_emulator/state"): self.state,
                 ("GET", "/_emulator/urls"): self.urls,
                 ("POST", "/_emulator/faults"): lambda: self.faults.configure(body),
                 ("POST", "/_emulator/reset"): self.reset}.get((method, path.rstrip("/")))
        if route is None:
            raise ApiError("NotFound", f"No emulator endpoint {method} {path}", 404)
        return route()

    def state(self) -> dict:
        return {**self.api.store.snapshot(), "faults": self.faults.snapshot()}

    def urls(self) -> dict:
        with self.api.store.lock:
            return {arn: record.get("url") for arn, record in self.api.store.services.items()}

    def reset(self) -> dict:
        records = self.api.store.clear()
        self.faults.reset(self.deploy_seconds)
        return {"stopped": self.api.lifecycle.stop_all(records)}


def make_server(host: str, port: int, emulator: Emulator):
    return front.make_server(host, port, emulator)
