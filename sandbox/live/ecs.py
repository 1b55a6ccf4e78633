"""``EcsLiveRuntime``: the live runtime behind the ECS emulator (``python -m sandbox.ecs ...
--runtime sandbox.live.ecs:EcsLiveRuntime``).

The same steps as App Runner's (``runtime.py``): image -> SHA -> exported tree -> gunicorn ->
health check -> the service's stable URL switched to it; only what is reported differs. The
view (``sandbox.ecs.view``) carries ``Telemetry``, so the service's proxy publishes ``AWS/ECS``
and ``AWS/ApplicationELB`` metrics and ships the app's output to the container's ``awslogs``
group (``telemetry.py``). Deployment events are the ECS emulator's own (DescribeServices
``events``); App Runner's service event log is not written, only its local copy
(``<state>/live/services/<id>/service-events.log``), for whoever debugs the sandbox.
"""
from __future__ import annotations

from .events import ServiceEvents
from .files import service_dir
from .runtime import LiveRuntime


class LocalEvents(ServiceEvents):
    """The runtime's step-by-step lines, kept in the local copy only (ECS has no such log group)."""

    def say(self, text: str) -> None:
        with open(self.local_copy, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")


class EcsLiveRuntime(LiveRuntime):
    def _events(self, service: dict) -> ServiceEvents:
        return LocalEvents(service, service_dir(self.state, service["ServiceId"]) / "service-events.log")
