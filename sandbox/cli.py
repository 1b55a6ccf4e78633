"""`python -m sandbox up|down|status|env`: the local stand-in for AWS (and, later, the live app).

`up` is idempotent: what already runs is reused. `down` stops every process the sandbox
registered, by PID. AWS data lives as long as moto runs (in memory): an `up` that has to start
moto again also starts the App Runner side afresh (a new service on v1.2.0), so the two never
disagree about what ran. State lives in $SANDBOX_DIR (default .sandbox/), and `.sandbox/env`
holds every endpoint and name as KEY=VALUE lines.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlparse

from sandbox import aws_servers, envfile, pipeline, postgres, procs, release_history, responder as sandbox_responder, seed, seed_ecs

LIVE_RUNTIME = "sandbox.live.runtime:LiveRuntime"
ECS_LIVE_RUNTIME = "sandbox.live.ecs:EcsLiveRuntime"


def _port_of(url: str | None) -> int | None:
    return urlparse(url).port if url else None


def _runtime() -> str | None:
    """The live runtime (real processes behind the service URL) once it is part of the sandbox."""
    try:
        return LIVE_RUNTIME if importlib.util.find_spec("sandbox.live.runtime") else None
    except ModuleNotFoundError:
        return None


def start_database(state, previous: dict):
    server = postgres.external_server() or postgres.start_cluster(state, _int(previous.get("PGPORT")))
    postgres.create_database(server, seed.DATABASE, owner=server.app_user)
    return server


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _write_pgpass(state, server) -> str:
    app = server.for_app()
    path = state / "pgpass"
    path.write_text(f"{app.host}:{app.port}:*:{app.user}:{app.password or ''}\n")
    path.chmod(0o600)
    return str(path)


def _write_aws_credentials(state, values: dict) -> str:
    """The sandbox's AWS credentials as a shared credentials file (mode 0600): playbooks name the
    file (AWS_SHARED_CREDENTIALS_FILE), so the secret key never rides in a play's ``environment``,
    which Ansible puts on each module's command line."""
    path = state / "aws-credentials"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(f"[default]\naws_access_key_id = {values['AWS_ACCESS_KEY_ID']}\n"
                    f"aws_secret_access_key = {values['AWS_SECRET_ACCESS_KEY']}\n")
    return str(path)


def _seeded_secret_key() -> dict:
    """Known secrets for leak scans (tools/molecule.sh seeds them): $SANDBOX_AWS_SECRET_ACCESS_KEY
    replaces the sandbox's AWS secret key (moto takes any)."""
    key = os.environ.get("SANDBOX_AWS_SECRET_ACCESS_KEY")
    return {"AWS_SECRET_ACCESS_KEY": key} if key else {}


def _seeded_service_secrets() -> dict:
    """$SANDBOX_SERVICE_API_TOKEN: a secret variable (API_TOKEN) in the service's environment when it
    is first created."""
    token = os.environ.get("SANDBOX_SERVICE_API_TOKEN")
    return {"API_TOKEN": token} if token else {}


def up(args: argparse.Namespace) -> int:
    state = procs.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    env_path = state / "env"
    previous = envfile.read(env_path)

    server = start_database(state, previous)
    repo, shas = seed.release_repo(state)
    try:
        done = seed.prepare_schema(state, repo, server)
        seed.seed_database(server, args.rows, state)
    except RuntimeError as err:
        print(f"sandbox up: {err}", file=sys.stderr)
        return 1
    if done:
        print(f"sandbox up: {done}")
    database_url = server.for_app().dsn(seed.DATABASE)

    moto_port = _port_of(previous.get("AWS_ENDPOINT_URL_ECR"))
    moto_reused = aws_servers.running("moto", moto_port, state)
    if not moto_reused:
        aws_servers.forget_apprunner(state)
    moto_port = aws_servers.start_moto(state, moto_port)
    moto_url = f"http://127.0.0.1:{moto_port}"
    runtime_env = {"APP_REPO": str(repo), "SANDBOX_DATABASE_URL": database_url}
    apprunner_port = aws_servers.start_apprunner(
        state, _port_of(previous.get("AWS_ENDPOINT_URL_APPRUNNER")), moto_url, runtime_env,
        args.deploy_seconds, _runtime())

    ecs_port = None
    if args.ecs or previous.get("AWS_ENDPOINT_URL_ECS"):  # asked for once, kept
        ecs_port = aws_servers.start_ecs(state, _port_of(previous.get("AWS_ENDPOINT_URL_ECS")), moto_url,
                                         runtime_env, args.deploy_seconds, ECS_LIVE_RUNTIME if _runtime() else None)

    # The receiver keeps the token it was started with: a reused receiver, the previous token.
    status_page_token = previous.get("LACREI_STATUS_PAGE_TOKEN") or secrets.token_hex(16)
    webhook_port = aws_servers.start_webhook(state, _port_of(previous.get("WEBHOOK_URL")), status_page_token)

    values = {**aws_servers.CREDENTIALS, **_seeded_secret_key(), **aws_servers.moto_endpoints(moto_url),
              "WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/hooks/{os.environ.get('SANDBOX_WEBHOOK_TOKEN') or 'on-call'}",
              "STATUS_PAGE_URL": f"http://127.0.0.1:{webhook_port}",
              "STATUS_PAGE_ID": aws_servers.STATUS_PAGE_ID,
              "STATUS_PAGE_COMPONENT_ID": aws_servers.STATUS_PAGE_COMPONENT_ID,
              "LACREI_STATUS_PAGE_TOKEN": status_page_token,
              "AWS_ENDPOINT_URL_APPRUNNER": f"http://127.0.0.1:{apprunner_port}",
              "ECR_REPOSITORY": os.environ.get("ECR_REPOSITORY", seed.REPOSITORY),
              "SANDBOX_DIR": str(state), "APP_REPO": str(repo), "APP_PYTHON": release_history.app_python()}
    ecr, apprunner = seed.clients(values)
    repository_uri = seed.push_releases(ecr, values["ECR_REPOSITORY"], shas)
    service = seed.ensure_service(apprunner, f"{repository_uri}:{shas[seed.INITIAL_RELEASE]}",
                                  {**seed.SERVICE_ENV, **_seeded_service_secrets()})
    values.update(pipeline.install(state, repo, shas[seed.INITIAL_RELEASE], service["ServiceName"]))
    app = server.for_app()
    values.update({
        "ECR_REPOSITORY_URI": repository_uri,
        "APPRUNNER_SERVICE_ARN": service["ServiceArn"],
        "APPRUNNER_SERVICE_NAME": service["ServiceName"],
        "SERVICE_URL": _url(service["ServiceUrl"]),
        "PGHOST": app.host, "PGPORT": str(app.port), "PGUSER": app.user, "PGDATABASE": seed.DATABASE,
        "PGPASSFILE": _write_pgpass(state, server), "DATABASE_URL": database_url,
        **{"RELEASE_" + version.upper().replace(".", "_") + "_SHA": sha
           for version, sha in shas.items()},
    })
    if ecs_port:
        values["AWS_ENDPOINT_URL_ECS"] = f"http://127.0.0.1:{ecs_port}"
        values.update(seed_ecs.ensure(seed_ecs.client(values), f"{repository_uri}:{shas[seed.INITIAL_RELEASE]}",
                                      seed.SERVICE_ENV))
    values["AWS_SHARED_CREDENTIALS_FILE"] = _write_aws_credentials(state, values)
    # The alarm evaluator's subscribers (the responder) check this bearer token; the responder's
    # URL, once `sandbox responder` wrote it, is kept for the inventory's alarm_subscriptions.
    values["SANDBOX_RESPONDER_TOKEN"] = previous.get("SANDBOX_RESPONDER_TOKEN") or secrets.token_urlsafe(24)
    if previous.get("SANDBOX_RESPONDER_URL"):
        values["SANDBOX_RESPONDER_URL"] = previous["SANDBOX_RESPONDER_URL"]
    aws_servers.start_alarms(state, moto_url, values["SANDBOX_RESPONDER_TOKEN"], restart=not moto_reused)
    envfile.write(env_path, values)
    print(f"sandbox up: state in {state}; `set -a; . {env_path}; set +a` to use it from a shell")
    return 0


def _url(service_url: str) -> str:
    return service_url if "://" in service_url else "https://" + service_url


def down(_args: argparse.Namespace) -> int:
    state = procs.state_dir()
    postgres.stop_cluster(state)  # a fast shutdown, before its clients are stopped
    # the responder with the playbook runs it started (sessions of their own) and its TMPDIR
    stopped = ["responder"] if sandbox_responder.stop(state) else []
    stopped += procs.stop_all(state)
    print("sandbox down: stopped " + (", ".join(stopped) if stopped else "nothing (nothing was running)"))
    return 0


def status(_args: argparse.Namespace) -> int:
    state = procs.state_dir()
    running = {path.stem: procs.read_pid(path.stem, state) for path in procs.pid_dir(state).glob("*.pid")}
    print(json.dumps({name: pid for name, pid in running.items() if pid}, indent=2, sort_keys=True))
    return 0 if any(running.values()) else 1


def deploy(args: argparse.Namespace) -> int:
    """Deploy a release the way the team's pipeline does, outside the collection: its release phase
    (``manage.py migrate`` with the new release's code) first, then UpdateService."""
    state = procs.state_dir()
    values = envfile.read(state / "env")
    if not values:
        print("sandbox deploy: the sandbox is not running; run `make sandbox` first", file=sys.stderr)
        return 2
    release = args.release
    sha = values.get("RELEASE_" + release.upper().replace(".", "_") + "_SHA", release)
    if not args.skip_migrate:
        try:
            output = seed.migrate_database(state, Path(values["APP_REPO"]), values["DATABASE_URL"], sha)
        except RuntimeError as exc:
            print(f"sandbox deploy: release phase failed, the service was not changed: {exc}", file=sys.stderr)
            return 1
        applied = [line.strip() for line in output.splitlines() if line.strip().startswith("Applying ")]
        print(f"sandbox deploy: release phase (manage.py migrate of {release}): "
              + ("; ".join(applied) if applied else "no migrations to apply"))
    if args.platform != "apprunner":
        return _deploy_ecs(args.platform, release, sha, values)
    _ecr, apprunner = seed.clients(values)
    arn = values["APPRUNNER_SERVICE_ARN"]
    current = apprunner.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]
    image = dict(current["ImageRepository"], ImageIdentifier=f"{values['ECR_REPOSITORY_URI']}:{sha}")
    operation = apprunner.update_service(ServiceArn=arn, SourceConfiguration={"ImageRepository": image})
    service = seed.wait_settled(apprunner, arn)
    ops = apprunner.list_operations(ServiceArn=arn, MaxResults=5)["OperationSummaryList"]
    status = next(op["Status"] for op in ops if op["Id"] == operation["OperationId"])
    print(f"sandbox deploy: {release} ({sha[:12]}) -> operation {operation['OperationId']} {status}; "
          f"service {service['Status']}")
    return 0 if status == "SUCCEEDED" else 1


def _deploy_ecs(platform: str, release: str, sha: str, values: dict) -> int:
    """The ECS half of ``deploy``: a task definition revision + UpdateService, or Express Mode's update."""
    if not values.get("AWS_ENDPOINT_URL_ECS"):
        print("sandbox deploy: the sandbox runs no ECS emulator; start it with `python -m sandbox up --ecs`",
              file=sys.stderr)
        return 2
    ecs = seed_ecs.client(values)
    image = f"{values['ECR_REPOSITORY_URI']}:{sha}"
    if platform == "ecs":
        deployment = seed_ecs.deploy_service(ecs, image)
    else:
        deployment = seed_ecs.deploy_express(ecs, values["ECS_EXPRESS_SERVICE_ARN"], image)
    reason = f" ({deployment['statusReason']})" if deployment.get("statusReason") else ""
    print(f"sandbox deploy: {release} ({sha[:12]}) -> service deployment {deployment['serviceDeploymentArn']} "
          f"{deployment['status']}{reason}")
    return 0 if deployment["status"] == "SUCCESSFUL" else 1


def traffic(args: argparse.Namespace) -> int:
    """Bounded, low-rate requests to the critical endpoints of the service URL (loopback only)."""
    from sandbox.live import traffic as live_traffic

    values = envfile.read(procs.state_dir() / "env")
    if not values:
        print("sandbox traffic: the sandbox is not running; run `make sandbox` first", file=sys.stderr)
        return 2
    return live_traffic.main(["--url", values["SERVICE_URL"], "--rate", str(args.rate),
                              "--seconds", str(args.seconds)])


def responder(args: argparse.Namespace) -> int:
    return sandbox_responder.main(args)


def show_env(_args: argparse.Namespace) -> int:
    sys.stdout.write((procs.state_dir() / "env").read_text())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="start (or reuse) the sandbox")
    up_parser.add_argument("--deploy-seconds", type=float,
                           default=float(os.environ.get("SANDBOX_DEPLOY_SECONDS", "3")),
                           help="how long an App Runner deployment takes in the emulator")
    up_parser.add_argument("--rows", type=int, default=None,
                           help="appointments to seed (default $SANDBOX_DB_ROWS or 2000)")
    up_parser.add_argument("--ecs", action="store_true", default=os.environ.get("SANDBOX_ECS") == "1",
                           help="also the ECS emulator, with an ECS service and an Express Mode service on the "
                                "initial release (kept by later `up`s while it runs; $SANDBOX_ECS=1)")
    up_parser.set_defaults(func=up)
    commands.add_parser("down", help="stop everything the sandbox started").set_defaults(func=down)
    commands.add_parser("status", help="list the running sandbox processes").set_defaults(func=status)
    commands.add_parser("env", help="print .sandbox/env").set_defaults(func=show_env)
    deploy_parser = commands.add_parser("deploy", help="deploy a release as the pipeline would (v1.3.0 or a SHA)")
    deploy_parser.add_argument("release")
    deploy_parser.add_argument("--platform", choices=("apprunner", "ecs", "ecs_express"), default="apprunner",
                               help="which service: App Runner's (default), the ECS service, the Express Mode one")
    deploy_parser.add_argument("--skip-migrate", action="store_true",
                               help="only UpdateService, without the release phase (manage.py migrate)")
    deploy_parser.set_defaults(func=deploy)
    traffic_parser = commands.add_parser("traffic", help="send bounded traffic to the service URL")
    traffic_parser.add_argument("--rate", type=float, default=2.0, help="requests per second")
    traffic_parser.add_argument("--seconds", type=float, default=30.0, help="how long (it stops by itself)")
    traffic_parser.set_defaults(func=traffic)
    responder_parser = commands.add_parser(
        "responder", help="the event-driven responder (ansible-rulebook, rulebooks/auto_rollback.yml) on the sandbox")
    responder_parser.add_argument("--background", action="store_true", help="return once it listens")
    responder_parser.add_argument("--stop", action="store_true", help="stop it and every process it started")
    responder_parser.add_argument("--cooldown", type=int, default=900,
                                  help="seconds after an automatic rollback during which alarms are left to a person")
    responder_parser.add_argument("--inventory", default="inventories/sandbox",
                                  help="the inventory its playbook runs use (default inventories/sandbox)")
    responder_parser.add_argument("--notify", metavar="ALARM_NAME",
                                  help="deliver an SNS alarm notification to the running responder (as the alarm "
                                       "evaluator does) and exit")
    responder_parser.add_argument("--state", default="ALARM", help="the state --notify announces (default ALARM)")
    responder_parser.set_defaults(func=responder)
    args = parser.parse_args(argv)
    return args.func(args)
