"""The sandbox's AWS App Runner emulator (moto has no App Runner).

Speaks App Runner's JSON 1.0 protocol, validates every request against botocore's own service
model, and gives operations a lifecycle (in progress for ``--deploy-seconds``, then SUCCEEDED
or ROLLBACK_SUCCEEDED). Run it with ``python -m sandbox.apprunner --port P --state-file F``.

Modules: ``server`` (HTTP + dispatch), ``validation`` (model-driven checks), ``model``
(shape walkers), ``services`` (operations), ``lifecycle`` (background operations, restart
recovery), ``runtime`` (the pluggable part of a deployment), ``images`` (ECR lookups),
``state`` (JSON state file), ``faults`` + ``control`` (``/_emulator/`` endpoints),
``pagination``, ``defaults``, ``errors``.
"""
