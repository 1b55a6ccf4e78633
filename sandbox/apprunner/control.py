"""The emulator's own endpoints under ``/_emulator/`` (not part of the AWS API).

- ``GET  /_emulator/health``      -> ``{"status": "ok"}`` (readiness)
- ``GET  /_emulator/state``       -> ``{"services": {...state file records...}, "faults": {...}}``
- ``POST /_emulator/faults``      body ``{"throttle": N, "internal_error": N,
  "fail_next_deployment": true|N, "deploy_seconds": S, "apply_then_500": N,
  "apply_then_drop": N}`` -> the faults now armed (see faults.py)
- ``POST /_emulator/reset``       stop every service (``Runtime.stop``), forget all state, clear
  faults, deploy seconds back to ``--deploy-seconds`` -> ``{"stopped": [arns]}``
- ``POST /_emulator/service-url`` body ``{"ServiceArn": ..., "ServiceUrl": ...}`` -> the
  service's URL overridden (e.g. a local proxy ``127.0.0.1:8123``), persisted, kept across
  deployments and rollbacks

The AWS requests received are counted by the HTTP front (``GET /_emulator/requests``, see
``sandbox.awsjson.server``).

Errors answer 400/404 with the same ``{"__type", "Message"}`` body as the AWS API.
"""
from __future__ import annotations

from .errors import ApiError, invalid_request, not_found


class Control:
    def __init__(self, emulator):
        self.emulator = emulator

    def handle(self, method: str, path: str, body: dict) -> dict:
        route = {
            ("GET", "/_emulator/health"): self.health,
            ("GET", "/_emulator/state"): self.state,
            ("POST", "/_emulator/faults"): self.faults,
            ("POST", "/_emulator/reset"): self.reset,
            ("POST", "/_emulator/service-url"): self.service_url,
        }.get((method, path.rstrip("/")))
        if route is None:
            raise ApiError("NotFound", f"No emulator endpoint {method} {path}", 404)
        return route(body)

    def health(self, _body: dict) -> dict:
        return {"status": "ok"}

    def state(self, _body: dict) -> dict:
        return {"services": self.emulator.store.snapshot(), "faults": self.emulator.faults.snapshot()}

    def faults(self, body: dict) -> dict:
        return self.emulator.faults.configure(body)

    def reset(self, _body: dict) -> dict:
        records = self.emulator.store.clear()
        self.emulator.faults.reset(self.emulator.deploy_seconds)
        stopped = []
        for record in records:
            if record["service"]["Status"] in ("RUNNING", "OPERATION_IN_PROGRESS"):
                self.emulator.runtime.stop(record["service"])
                stopped.append(record["service"]["ServiceArn"])
        return {"stopped": stopped}

    def service_url(self, body: dict) -> dict:
        arn, url = body.get("ServiceArn"), body.get("ServiceUrl")
        if not isinstance(arn, str) or not isinstance(url, str) or not url:
            raise invalid_request("Body must give ServiceArn and ServiceUrl as strings")
        store = self.emulator.store
        with store.lock:
            record = store.services.get(arn)
            if record is None:
                raise not_found(arn)
            record["service"]["ServiceUrl"] = url
            if record.get("pending") and record["pending"]["previous"]:
                record["pending"]["previous"]["ServiceUrl"] = url
            store.save()
            return {"ServiceArn": arn, "ServiceUrl": url}
