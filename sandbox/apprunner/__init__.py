"""The sandbox's AWS App Runner emulator (moto has no App Runner).

Speaks App Runner's JSON 1.0 protocol, validates every request against botocore's own service
model, and gives operations a lifecycle (in progress for ``--deploy-seconds``, then SUCCEEDED
or ROLLBACK_SUCCEEDED). Run it with ``python -m sandbox.apprunner --port P --state-file F``.

Modules: ``server`` (the protocol on the shared front), ``model`` (App Runner's botocore model),
``services`` (operations), ``lifecycle`` (background operations, restart recovery), ``runtime``
(the pluggable part of a deployment), ``images`` (ECR lookups), ``state`` (JSON state file),
``control`` (``/_emulator/`` endpoints), ``defaults``, ``errors``. Validation, pagination,
faults, the HTTP front and the shape walkers are shared with the ECS emulator
(``sandbox.awsjson``).
"""
