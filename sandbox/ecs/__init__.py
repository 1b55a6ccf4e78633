"""The sandbox's Amazon ECS emulator (moto stores ECS resources but never progresses a deployment,
and has no ServiceDeployment or Express Mode operations).

Speaks ECS's JSON 1.1 protocol on the shared front (``sandbox.awsjson``: every request validated
against botocore's ECS model, faults, pagination), and gives service deployments a lifecycle
(``lifecycle.py``): rolling deployments with the circuit breaker and its rollback, Express
Mode's canary with its automatic rollback, StopServiceDeployment. Run it with
``python -m sandbox.ecs --port P --state-file F [--runtime sandbox.live.ecs:EcsLiveRuntime]``.

Modules: ``api`` (dispatch), ``clusters``, ``task_definitions``, ``services`` (services and
service deployments), ``express`` (Express Mode), ``lifecycle`` (deployments in the
background, restart recovery), ``view`` (what the runtime sees of a revision), ``lookups``,
``ids``, ``state``, ``errors``, ``server`` (protocol and ``/_emulator/`` endpoints).
The runtime is App Runner's pluggable one (``sandbox.apprunner.runtime``). See docs/sandbox-ecs.md.
"""
