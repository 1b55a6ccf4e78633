"""What the sandbox's AWS emulators share: the JSON protocols (1.0 for App Runner, 1.1 for ECS)
driven by botocore's own service models.

Modules: ``errors`` (the one error type), ``model`` (botocore models and shape walkers),
``validation`` (model-driven request checks), ``pagination`` (opaque next tokens), ``faults``
(injected throttling, 500s, lost answers, failed deployments), ``server`` (HTTP front: target
header -> fault -> operation -> validation -> the emulator's API -> answer reduced to the
output shape), ``state`` (atomic JSON state files).

An emulator is a :class:`~.server.Protocol` (which botocore model, target prefix, content type,
error codes) plus its own API object and ``/_emulator/`` control endpoints:
``sandbox.apprunner`` (App Runner) and ``sandbox.ecs`` (ECS, Express Mode).
"""
