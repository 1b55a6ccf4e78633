#!/usr/bin/env python3
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox's values and its ECS hosts, read from its env file once per run (an inventory script
beside hosts.yml; its name sorts before hosts.yml, so a host hosts.yml also names keeps hosts.yml's values).

The env file is $SANDBOX_DIR/env, else .sandbox/env at the checkout's root (written by
`python -m sandbox up`; absent, every value below has its default). Group `all` gets the values the
tasks read all the time as plain values: where the sandbox is (`sandbox_dir` and the folders in it),
the AWS endpoints (`lacrei_aws_environment`: the env file's AWS_* variables, the credentials left out;
they come from the file AWS_SHARED_CREDENTIALS_FILE names), the service, the repository and the
database connection (no password: that is in the pgpass file). As templates over the env file, each
cost a lookup and a template compilation every time a task used one (docs/reliability.md, "Suite time").
Values holding secrets (`sandbox_env` itself, the webhook URL, the status page token, DATABASE_URL)
stay templates in group_vars/all.yml, read when used and never part of the inventory's listing.

The ECS hosts come only when the ECS side runs (`python -m sandbox up --ecs` writes ECS_SERVICE and
friends): `lacrei-saude-backend-ecs` (platform ecs) and `lacrei-saude-backend-express` (platform
ecs_express) join `app_services`; without them the inventory is hosts.yml's one service.
"""
import json
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


# Not sandbox/envfile.read: Molecule runs this script from a copy of the inventory in its ephemeral
# folder, where the checkout's packages are not beside it; the script stands alone.
def read_env(path):
    """{NAME: value} of the env file's NAME=value lines ({} when there is none); quoted values unquoted."""
    values = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return values
    for line in lines:
        key, sep, value = line.strip().partition("=")
        key = key[len("export "):] if key.startswith("export ") else key
        if sep and key.strip() and not key.startswith("#"):
            value = value.strip()
            parts = shlex.split(value) if value[:1] in "'\"" else [value]
            values[key.strip()] = parts[0] if parts else ""
    return values


def group_vars(sandbox_dir, env):
    """What every host of the sandbox shares, from the env file (defaults when the sandbox is down)."""
    return {
        "sandbox_dir": sandbox_dir,
        "lacrei_aws_environment": {key: value for key, value in env.items()
                                   if key.startswith("AWS_") and key not in CREDENTIALS},
        "aws_region": env.get("AWS_REGION", "us-east-1"),
        "service_arn": env.get("APPRUNNER_SERVICE_ARN", ""),
        "service_url": env.get("SERVICE_URL", ""),
        "ecr_repository": env.get("ECR_REPOSITORY", "lacrei-saude-backend"),
        "app_repo_path": env.get("APP_REPO", ""),
        "audit_log_path": sandbox_dir + "/audit.jsonl",
        "backup_dir": sandbox_dir + "/backups",
        "reports_dir": sandbox_dir + "/reports",
        "django_checkouts_dir": sandbox_dir + "/checkouts",
        "db_name": env.get("PGDATABASE", "consultas_medicas"),
        "db_connection": {
            "login_host": env.get("PGHOST", "127.0.0.1"),
            "login_port": env.get("PGPORT", 5432),
            "login_user": env.get("PGUSER", "consultas"),
            "passfile": env.get("PGPASSFILE", sandbox_dir + "/pgpass"),
        },
    }


def hosts(env):
    if not env.get("ECS_SERVICE"):
        return {}
    found = {"lacrei-saude-backend-ecs": dict(
        LOCAL, platform="ecs", ecs_cluster=env.get("ECS_CLUSTER", ""), ecs_service=env["ECS_SERVICE"],
        service_url=env.get("ECS_SERVICE_URL", ""), service_arn="")}
    if env.get("ECS_EXPRESS_SERVICE_ARN"):
        found["lacrei-saude-backend-express"] = dict(
            LOCAL, platform="ecs_express", ecs_express_service_arn=env["ECS_EXPRESS_SERVICE_ARN"],
            service_url=env.get("ECS_EXPRESS_SERVICE_URL", ""), service_arn="")
    return found


def main(argv):
    sandbox_dir = os.environ.get("SANDBOX_DIR") or os.path.normpath(os.path.join(HERE, "..", "..", ".sandbox"))
    env = read_env(os.path.join(sandbox_dir, "env"))
    found = hosts(env)
    if "--host" in argv:
        name = argv[argv.index("--host") + 1] if argv.index("--host") + 1 < len(argv) else ""
        print(json.dumps(found.get(name, {})))
        return 0
    inventory = {"_meta": {"hostvars": found}, "all": {"vars": group_vars(sandbox_dir, env)}}
    if found:
        inventory["app_services"] = {"hosts": sorted(found)}
    print(json.dumps(inventory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
