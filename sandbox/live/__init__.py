"""The live sandbox: an App Runner deployment really starts that commit's code behind the service URL.

Start the App Runner emulator with this runtime::

    APP_REPO=<release-history git repo>  SANDBOX_DATABASE_URL=postgresql://...  \\
    AWS_ENDPOINT_URL_{ECR,SSM,SECRETS_MANAGER,CLOUDWATCH,CLOUDWATCH_LOGS}=<moto> AWS_REGION=... \\
    python -m sandbox.apprunner --port P --state-file <state>/apprunner-state.json \\
        --runtime sandbox.live.runtime:LiveRuntime

Pieces:

- ``runtime.py``   ``LiveRuntime``: ImageIdentifier -> ECR manifest -> git SHA -> exported tree ->
  gunicorn on a free port -> App Runner health check -> switch the service URL -> stop the old one.
- ``proxy.py``     the service URL: one reverse proxy process per service, stable port.
- ``ecs.py``       ``EcsLiveRuntime``: the same behind the ECS emulator (``sandbox.ecs``); its
  proxies publish ``AWS/ECS`` and ``AWS/ApplicationELB`` metrics (``telemetry.py``).
- ``telemetry.py`` CloudWatch metrics (``AWS/AppRunner``) and logs (application + service events).
- ``events.py``    the service event log's wording (a contract: other components parse it).
- ``traffic.py``   bounded loopback traffic: ``python -m sandbox.live.traffic --url U --rate R --seconds S``.
- ``image.py``, ``checkout.py``, ``secrets.py``, ``health.py``, ``files.py``: the runtime's steps.

Files (``<state>`` is the folder of the emulator's state file, also the ``sandbox.procs`` state)::

    <state>/live/checkouts/<sha>/             git archive of each deployed commit (cache)
    <state>/live/services/<service-id>/
        proxy.json                            {"port": N}: the service URL's port, kept for ever
        backend.json                          what the proxy forwards to (replaced atomically)
        runtime.json                          deployment counter
        service-events.log                    local copy of the service event log
        log-offsets.json                      how far each app log was shipped to CloudWatch Logs
    <state>/pids/proxy-<service-id>.pid       the proxy process
    <state>/pids/app-<service-id>-<sha7>-<n>.pid   gunicorn of deployment n
    <state>/logs/app-<service-id>-<sha7>-<n>.log   its stdout/stderr (shipped to CloudWatch Logs)
"""
