"""What actually runs a service: the pluggable part of a deployment.

The emulator owns the App Runner API, the operation lifecycle and the state; a *runtime* owns
what a deployment means for the outside world. It is chosen with ``--runtime module:Class``
(default ``sandbox.apprunner.runtime:EcrRuntime``) and built as ``Class(context)``.

Interface (every ``service`` is the API's ``Service`` dict as DescribeService returns it:
``ServiceName``, ``ServiceArn``, ``ServiceUrl``, ``SourceConfiguration``,
``InstanceConfiguration``, ``HealthCheckConfiguration``, ...)::

    class Runtime:
        def __init__(self, context: RuntimeContext) -> None
        def deploy(self, service: dict, previous: dict | None) -> DeployResult
        def deploy_operation(self, service, previous, operation: dict) -> DeployResult  # optional
        def stop(self, service: dict) -> None
        def restore(self, service: dict) -> None

- ``deploy`` runs in the emulator's background deployment thread (never under its lock) and
  may block; the operation stays in progress at least ``--deploy-seconds``, longer if
  ``deploy`` takes longer. ``previous`` is the service as it was before the operation (None
  on CreateService and ResumeService). Return ``DeployResult(ok=True)`` when the new version
  is serving. On ``ok=False`` the emulator ends the operation ``ROLLBACK_SUCCEEDED`` (service
  back to ``previous``), so the runtime must leave ``previous`` serving, or restore it, before
  returning. ``DeployResult.service_url`` (optional) becomes the service's ``ServiceUrl``
  (e.g. a local proxy); exceptions count as ``ok=False``.
- ``stop`` is called when a service is paused, deleted, or on ``POST /_emulator/reset``.
- ``restore`` is called at emulator start for every ``RUNNING`` service of the state file
  (after interrupted operations have been resolved), to bring back what was serving.

The default ``EcrRuntime`` starts nothing: a deployment succeeds when its image exists in ECR
(looked up with boto3 through the standard AWS environment, i.e. moto in the sandbox).
The forced-failure fault (``fail_next_deployment``) is applied by the emulator before the
runtime is called, so every runtime honours it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from .images import EcrImages


@dataclass(frozen=True)
class DeployResult:
    ok: bool
    reason: str = ""
    service_url: str | None = None


@dataclass(frozen=True)
class RuntimeContext:
    region: str
    account_id: str
    state_dir: Path  # folder of the state file, for the runtime's own files
    images: EcrImages


class Runtime:
    """Base runtime: every deployment succeeds, nothing is started."""

    def __init__(self, context: RuntimeContext) -> None:
        self.context = context

    def deploy(self, service: dict, previous: dict | None) -> DeployResult:
        return DeployResult(ok=True)

    def deploy_operation(self, service: dict, previous: dict | None, operation: dict) -> DeployResult:
        """What the emulator calls: ``deploy`` plus the operation (``{"Id", "Type"}``, the
        OperationId the API returned); runtimes that report per operation override this."""
        return self.deploy(service, previous)

    def stop(self, service: dict) -> None:
        return None

    def restore(self, service: dict) -> None:
        return None


class EcrRuntime(Runtime):
    """Succeeds when the service's image exists in ECR; code repositories are trusted."""

    def deploy(self, service: dict, previous: dict | None) -> DeployResult:
        image = service.get("SourceConfiguration", {}).get("ImageRepository")
        if not image:
            return DeployResult(ok=True)
        reason = self.context.images.missing_reason(image["ImageIdentifier"])
        return DeployResult(ok=reason is None, reason=reason or "")


def load_runtime(spec: str, context: RuntimeContext) -> Runtime:
    """Build the runtime named ``module:Class``."""
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"--runtime must look like module:Class, got {spec!r}")
    runtime_class = getattr(importlib.import_module(module_name), class_name)
    return runtime_class(context)
