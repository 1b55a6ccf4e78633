"""Seed the sandbox: the release images in ECR, the database at a release, the App Runner service."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import boto3
import psycopg2

from sandbox import images, release_history, seed_data
from sandbox.postgres import PgServer

SERVICE_NAME = "lacrei-saude-backend"
REPOSITORY = "lacrei-saude-backend"
DATABASE = "consultas_medicas"
INITIAL_RELEASE = "v1.2.0"
APP_PORT = "8000"
HEALTH_CHECK = {"Protocol": "HTTP", "Path": "/health/", "Interval": 1, "Timeout": 2,
                "HealthyThreshold": 1, "UnhealthyThreshold": 3}
SERVICE_ENV = {"FEATURE_APPOINTMENTS": "on", "ALLOWED_HOSTS": "*", "LOG_LEVEL": "info"}
ACCESS_ROLE = "arn:aws:iam::123456789012:role/AppRunnerECRAccessRole"


def clients(env: dict[str, str]):
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                    region_name=env["AWS_REGION"])
    return (session.client("ecr", endpoint_url=env["AWS_ENDPOINT_URL_ECR"]),
            session.client("apprunner", endpoint_url=env["AWS_ENDPOINT_URL_APPRUNNER"]))


def release_repo(state: Path) -> tuple[Path, dict[str, str]]:
    """The sample API's git history under the state folder: (path, {version: sha})."""
    repo = state / "app-repo"
    return repo, release_history.build_history(repo)


def push_releases(ecr, repository: str, shas: dict[str, str]) -> str:
    images.push_release_images(ecr, repository, shas)
    return ecr.describe_repositories(repositoryNames=[repository])["repositories"][0]["repositoryUri"]


def migrate_database(state: Path, repo: Path, database_url: str, version: str = INITIAL_RELEASE) -> str:
    """Bring the database to ``version``'s schema (a tag or SHA), as the release pipeline's migrate
    step does; manage.py's output."""
    checkout = release_history.export_release(repo, version, state / "checkouts" / f"migrate-{version}")
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(release_history.manage_argv("migrate", "--no-input"), cwd=checkout, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"manage.py migrate at {version} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# The tables seeding writes (release v1.0.0's), and the one that says migrate ever ran.
SEEDED_TABLES = ("professionals_professional", "appointments_appointment")
RESET_HINT = ("To start the sandbox's database afresh: make sandbox-down, remove the state folder "
              "({state}), then make sandbox.")


def missing_tables(server: PgServer) -> list[str]:
    """The tables of django_migrations and SEEDED_TABLES the database lacks."""
    names = ("django_migrations", *SEEDED_TABLES)
    conn = server.connect(DATABASE)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass('public.' || name) IS NULL",
                        (list(names),))
            return [name for (name,) in cur.fetchall()]
    finally:
        conn.close()


def prepare_schema(state: Path, repo: Path, server: PgServer) -> str | None:
    """Make sure the schema holds what seeding needs, from whatever state the database is in.

    A fresh database, or one migrated back so far that the seeded tables are gone, is migrated
    forward to INITIAL_RELEASE's schema (Django's migrate applies what is missing and never
    unapplies). A database merely behind (a migration unapplied by a runbook, an older backup
    restored) keeps its schema: it is a state the runbooks leave on purpose. Returns what was
    done, for the person (None when nothing was).
    """
    missing = missing_tables(server)
    if not missing:
        return None
    try:
        migrate_database(state, repo, server.for_app().dsn(DATABASE))
    except RuntimeError as err:
        raise RuntimeError(f"{err}\n{RESET_HINT.format(state=state)}") from None
    if "django_migrations" in missing:
        return None  # a new database: the usual first start, nothing to tell
    return (f"the database had no {', '.join(missing)} (migrated back?): migrated forward to "
            f"{INITIAL_RELEASE}'s schema")


def seed_database(server: PgServer, rows: int | None = None, state: Path | None = None) -> dict:
    """Top the seeded tables up by key (idempotent whatever rows were deleted or restored)."""
    try:
        return seed_data.seed(server.for_app(), rows, dbname=DATABASE)
    except psycopg2.Error as err:
        raise RuntimeError(f"seeding {DATABASE} failed: {str(err).strip()}\n"
                           + RESET_HINT.format(state=state or "$SANDBOX_DIR")) from None


def find_service(apprunner, name: str) -> dict | None:
    kwargs: dict = {}
    while True:
        page = apprunner.list_services(**kwargs)
        for summary in page["ServiceSummaryList"]:
            if summary["ServiceName"] == name:
                return apprunner.describe_service(ServiceArn=summary["ServiceArn"])["Service"]
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def ensure_service(apprunner, image_identifier: str, env: dict[str, str] | None = None,
                   name: str = SERVICE_NAME) -> dict:
    """Create the App Runner service (through the emulator's own API) unless it exists."""
    service = find_service(apprunner, name)
    if service is not None:
        return wait_settled(apprunner, service["ServiceArn"])
    service = apprunner.create_service(
        ServiceName=name,
        SourceConfiguration={
            "ImageRepository": {
                "ImageIdentifier": image_identifier,
                "ImageRepositoryType": "ECR",
                "ImageConfiguration": {"Port": APP_PORT, "RuntimeEnvironmentVariables": env or {}},
            },
            "AutoDeploymentsEnabled": False,
            "AuthenticationConfiguration": {"AccessRoleArn": ACCESS_ROLE},
        },
        HealthCheckConfiguration=HEALTH_CHECK,
    )["Service"]
    return wait_settled(apprunner, service["ServiceArn"])


def wait_settled(apprunner, service_arn: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        service = apprunner.describe_service(ServiceArn=service_arn)["Service"]
        if service["Status"] != "OPERATION_IN_PROGRESS":
            return service
        if time.monotonic() > deadline:
            raise TimeoutError(f"service {service_arn} still OPERATION_IN_PROGRESS after {timeout:.0f}s")
        time.sleep(0.2)
