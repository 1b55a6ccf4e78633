"""``LiveRuntime``: each App Runner deployment really starts the image's commit behind the service URL.

Select it with ``python -m sandbox.apprunner ... --runtime sandbox.live.runtime:LiveRuntime``.
The emulator's environment must give:

- ``APP_REPO``: the app's git repository (``sandbox.release_history.build_history``);
- ``SANDBOX_DATABASE_URL``: the database the app uses (its ``DATABASE_URL``, unless the
  service's own variables or secrets set one);
- the standard AWS variables pointing at moto: ``AWS_REGION``, credentials,
  ``AWS_ENDPOINT_URL_{ECR,SSM,SECRETS_MANAGER,CLOUDWATCH,CLOUDWATCH_LOGS}``;
- optional: ``SANDBOX_LIVE_FLUSH_SECONDS`` (telemetry interval, default 5),
  ``SANDBOX_LIVE_STARTUP_TIMEOUT`` (how long a new instance has to answer its health check,
  default 60 s, multiplied by the number of instances starting at once: see ``health.py``),
  ``SANDBOX_LIVE_WORKERS`` (gunicorn workers, default 2).

A deployment: ImageIdentifier (tag or ``@sha256:`` digest) -> ECR manifest -> annotation
``org.opencontainers.image.revision`` (the SHA) -> ``git archive`` of that commit (cached per
SHA) -> gunicorn on a loopback socket the runtime binds and hands over (``sandbox.procs`` name
``app-<service-id>-<sha7>-<n>``, cwd the tree, environment: RuntimeEnvironmentVariables + RuntimeEnvironmentSecrets resolved from
SSM / Secrets Manager + ``DATABASE_URL`` + ``PORT`` + ``GIT_SHA``; no migrations) -> App
Runner's health check (``health.py``) -> healthy: the service URL's proxy is pointed at it and
every other instance of the service is stopped; unhealthy: it is stopped and the previous
instance keeps serving. Every step is told in the service event log (``events.py``).

``DeployResult.service_url`` is ``http://127.0.0.1:<proxy port>`` (stored as ``ServiceUrl``).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sandbox import procs, release_history
from sandbox.apprunner.runtime import DeployResult, Runtime, RuntimeContext

from . import checkout, health, proxy, secrets
from .events import ServiceEvents
from .files import read_json, service_dir, write_json
from .image import Image, ImageError, resolve

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Instance:
    name: str
    port: int
    pid: int
    sha: str
    identifier: str
    fingerprint: str
    instance: dict  # InstanceConfiguration (Cpu, Memory) for the utilisation metrics


class StartError(Exception):
    pass


def image_configuration(service: dict) -> dict:
    return service.get("SourceConfiguration", {}).get("ImageRepository", {}).get("ImageConfiguration") or {}


def identifier_of(service: dict | None) -> str | None:
    return ((service or {}).get("SourceConfiguration", {}).get("ImageRepository") or {}).get("ImageIdentifier")


def fingerprint(service: dict) -> str:
    """What makes two configurations run the same instance (image + environment)."""
    config = image_configuration(service)
    key = [identifier_of(service), config.get("RuntimeEnvironmentVariables") or {},
           config.get("RuntimeEnvironmentSecrets") or {}]
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


class LiveRuntime(Runtime):
    def __init__(self, context: RuntimeContext) -> None:
        super().__init__(context)
        self.state = Path(context.state_dir)
        self.flush_seconds = float(os.environ.get("SANDBOX_LIVE_FLUSH_SECONDS") or 5)
        self.startup_timeout = float(os.environ.get("SANDBOX_LIVE_STARTUP_TIMEOUT") or 60)
        self.workers = int(os.environ.get("SANDBOX_LIVE_WORKERS") or 2)
        self.counter_lock = threading.Lock()
        self.starting = 0  # instances between start and health verdict, in every service

    # -- the Runtime interface -----------------------------------------------------------------
    def deploy(self, service: dict, previous: dict | None) -> DeployResult:
        """Without the operation (an emulator that does not pass it): the id is unknown."""
        op_type = "UPDATE_SERVICE" if previous else "CREATE_SERVICE"
        return self.deploy_operation(service, previous, {"Id": "unknown", "Type": op_type})

    def deploy_operation(self, service: dict, previous: dict | None, operation: dict) -> DeployResult:
        events = self._events(service)
        op_id, identifier = operation["Id"], identifier_of(service)
        if identifier is None:
            return DeployResult(ok=False, reason="the live sandbox runs only ImageRepository sources")
        events.started(op_id, operation["Type"], identifier)
        result = self._deploy(service, events, op_id)
        if not result.ok and identifier_of(previous):
            events.rolled_back(identifier_of(previous))
        return result

    def stop(self, service: dict) -> None:
        sid = service["ServiceId"]
        procs.stop(proxy.proc_name(sid), self.state)
        self._stop_instances(sid, keep=None)
        (service_dir(self.state, sid) / "backend.json").unlink(missing_ok=True)

    def restore(self, service: dict) -> None:
        """Reuse the instance still running this configuration, else start it again."""
        sid = service["ServiceId"]
        if identifier_of(service) is None:
            return
        current = read_json(service_dir(self.state, sid) / "backend.json")
        if current and current.get("fingerprint") == fingerprint(service) \
                and procs.read_pid(current["name"], self.state):
            self._stop_instances(sid, keep=current["name"])
            proxy.ensure(self.state, service, self.flush_seconds)
            return
        try:
            image = resolve(identifier_of(service))
            instance = self._start(service, image)
        except (ImageError, StartError) as err:
            LOG.warning("cannot restore %s: %s", service["ServiceArn"], err)
            return
        result = self._check(service, instance)
        if result.ok:
            self._switch(service, instance)
            self._events(service).restarted(instance.identifier)
        else:
            procs.stop(instance.name, self.state)
            LOG.warning("cannot restore %s: %s", service["ServiceArn"], result.summary)

    # -- one deployment ------------------------------------------------------------------------
    def _deploy(self, service: dict, events: ServiceEvents, op_id: str) -> DeployResult:
        try:
            image = resolve(identifier_of(service))
        except ImageError as err:
            events.pull_failed(op_id, str(err))
            return DeployResult(ok=False, reason=str(err))
        events.pulled(image.repository_uri, image.sha)
        with self._starting():
            try:
                instance = self._start(service, image)
            except StartError as err:
                events.start_failed(op_id, str(err))
                return DeployResult(ok=False, reason=str(err))
            events.checking(health.target(self._health_config(service), self._image_port(service)))
            result = self._check(service, instance)
        if not result.ok:
            procs.stop(instance.name, self.state)
            events.unhealthy(op_id, result.target, result.detail)
            return DeployResult(ok=False, reason=result.summary)
        port = self._switch(service, instance)
        events.succeeded(op_id, result.target)
        return DeployResult(ok=True, service_url=proxy.url(port))

    def _start(self, service: dict, image: Image) -> Instance:
        try:
            tree = checkout.tree(self.state, image.sha)
            env = self._environment(service, image.sha)
        except (checkout.CheckoutError, secrets.SecretError) as err:
            raise StartError(str(err)) from None
        name = f"app-{service['ServiceId']}-{image.sha[:7]}-{self._next_number(service['ServiceId'])}"
        with procs.listening_socket() as sock:  # gunicorn inherits it: nobody else can take the port
            port = sock.getsockname()[1]
            env["PORT"] = str(port)
            pid = procs.spawn(name, release_history.gunicorn_argv(sock.fileno(), self.workers), env=env,
                              cwd=tree, state=self.state, pass_fds=(sock.fileno(),))
        LOG.info("started %s (pid %d, port %d) for %s", name, pid, port, image.identifier)
        return Instance(name=name, port=port, pid=pid, sha=image.sha, identifier=image.identifier,
                        fingerprint=fingerprint(service), instance=service.get("InstanceConfiguration") or {})

    def _environment(self, service: dict, sha: str) -> dict:
        config = image_configuration(service)
        env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8",
               "PYTHONUNBUFFERED": "1"}
        if os.environ.get("SANDBOX_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["SANDBOX_DATABASE_URL"]
        env.update(config.get("RuntimeEnvironmentVariables") or {})
        env.update(secrets.resolve_all(config.get("RuntimeEnvironmentSecrets") or {}, self.context.region))
        env["GIT_SHA"] = sha
        return env

    def _check(self, service: dict, instance: Instance) -> health.HealthResult:
        with self.counter_lock:
            load = max(1, self.starting)
        return health.wait_healthy(self._health_config(service), instance.port, instance.pid,
                                   image_port=self._image_port(service), startup_timeout=self.startup_timeout,
                                   load=load)

    @contextmanager
    def _starting(self):
        """Count an instance as starting (for the health check's load) while the block runs."""
        with self.counter_lock:
            self.starting += 1
        try:
            yield
        finally:
            with self.counter_lock:
                self.starting -= 1

    def _switch(self, service: dict, instance: Instance) -> int:
        """Point the service URL at ``instance``, then stop every other instance of the service."""
        sid = service["ServiceId"]
        try:
            port = proxy.ensure(self.state, service, self.flush_seconds)
        except Exception:
            procs.stop(instance.name, self.state)
            raise
        write_json(service_dir(self.state, sid) / "backend.json", asdict(instance))
        self._stop_instances(sid, keep=instance.name)
        return port

    # -- helpers -------------------------------------------------------------------------------
    def _stop_instances(self, sid: str, keep: str | None) -> None:
        for pidfile in procs.pid_dir(self.state).glob(f"app-{sid}-*.pid"):
            if pidfile.stem != keep:
                procs.stop(pidfile.stem, self.state)

    def _next_number(self, sid: str) -> int:
        path = service_dir(self.state, sid) / "runtime.json"
        with self.counter_lock:
            number = (read_json(path) or {}).get("deployments", 0) + 1
            write_json(path, {"deployments": number})
        return number

    def _events(self, service: dict) -> ServiceEvents:
        return ServiceEvents(service, service_dir(self.state, service["ServiceId"]) / "service-events.log")

    @staticmethod
    def _health_config(service: dict) -> dict:
        return service.get("HealthCheckConfiguration") or {}

    @staticmethod
    def _image_port(service: dict) -> str:
        return str(image_configuration(service).get("Port") or "8080")
