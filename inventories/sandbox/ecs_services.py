#!/usr/bin/env python3
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox's ECS hosts, only when its ECS side runs (an inventory script beside hosts.yml).

`python -m sandbox up --ecs` writes ECS_SERVICE and friends into the sandbox's env file; only
then does this add `lacrei-saude-backend-ecs` (platform ecs) and `lacrei-saude-backend-express`
(platform ecs_express) to `app_services`. Without them the inventory is hosts.yml alone, so a
sandbox without ECS runs every playbook exactly as before. The env file is found as
group_vars/all.yml finds it: $SANDBOX_DIR/env, else .sandbox/env at the checkout's root.
"""
import json
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}


def read_env(path):
    values = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return values
    for line in lines:
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            parts = shlex.split(value) if value[:1] in "'\"" else [value]
            values[key.strip()] = parts[0] if parts else ""
    return values


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
    sandbox_dir = os.environ.get("SANDBOX_DIR") or os.path.join(HERE, "..", "..", ".sandbox")
    found = hosts(read_env(os.path.join(sandbox_dir, "env")))
    if "--host" in argv:
        name = argv[argv.index("--host") + 1] if argv.index("--host") + 1 < len(argv) else ""
        print(json.dumps(found.get(name, {})))
        return 0
    inventory = {"_meta": {"hostvars": found}}
    if found:
        inventory["app_services"] = {"hosts": sorted(found)}
    print(json.dumps(inventory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
