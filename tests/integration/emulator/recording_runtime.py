"""A runtime for the tests of ``--runtime``: records each call as a JSON line in
$RUNTIME_RECORD_FILE, answers a service URL, and fails deployments of images tagged ``bad-*``
(raising for ``crash-*``)."""
from __future__ import annotations

import json
import os

from sandbox.apprunner.runtime import DeployResult, Runtime


class RecordingRuntime(Runtime):
    def deploy(self, service: dict, previous: dict | None) -> DeployResult:
        self._record("deploy", service, previous)
        tag = service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"].rsplit(":", 1)[-1]
        if tag.startswith("crash-"):
            raise RuntimeError("runtime crashed")
        if tag.startswith("bad-"):
            return DeployResult(ok=False, reason="health check failed")
        return DeployResult(ok=True, service_url=f"127.0.0.1:9{len(tag):03d}")

    def stop(self, service: dict) -> None:
        self._record("stop", service, None)

    def restore(self, service: dict) -> None:
        self._record("restore", service, None)

    def _record(self, call: str, service: dict, previous: dict | None) -> None:
        line = {"call": call, "arn": service["ServiceArn"], "status": service["Status"],
                "image": _image(service), "previous_image": _image(previous) if previous else None,
                "account": self.context.account_id}
        with open(os.environ["RUNTIME_RECORD_FILE"], "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def _image(service: dict) -> str:
    return service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]
