"""5. Fleet: roll back 1 service and 10 services with one rollback_app.yml run (forks in ansible.cfg)."""
from __future__ import annotations

import json
from pathlib import Path

from sandbox import seed

from bench.app_rollback import SKIP_SCHEMA_CHECK, other_release
from bench.session import ROOT, Session
from bench.stats import Goal, Row, interleave, median, ratio, seconds

FLEET_SIZE = 10
FIRST_HOST = seed.SERVICE_NAME


def run(session: Session, runs: int, workdir: Path) -> tuple[list[Row], dict]:
    apprunner = session.client("apprunner")
    services = _create_services(session, apprunner)
    inventory = _inventory(workdir / "fleet-inventory", services)
    first_arn = session.env["APPRUNNER_SERVICE_ARN"]
    try:
        def one(_i: int) -> dict:
            sha = other_release(session, apprunner, first_arn)
            result = session.playbook("rollback_app.yml", "-e", f"sha={sha}", *SKIP_SCHEMA_CHECK, "--limit", FIRST_HOST,
                                      inventory=inventory).check("rollback_app.yml (1 service)")
            _align(session, apprunner, first_arn, services)  # untimed: all services on one release again
            return {"seconds": result.seconds, "sha": sha}

        def fleet(_i: int) -> dict:
            sha = other_release(session, apprunner, first_arn)
            result = session.playbook("rollback_app.yml", "-e", f"sha={sha}", *SKIP_SCHEMA_CHECK, inventory=inventory).check(
                "rollback_app.yml (10 services)")
            lines = session.audit_lines()[-(len(services) + 1):]
            # App Runner's own time per service (the emulator starts each service's gunicorn on this machine).
            return {"seconds": result.seconds, "sha": sha, "services": len(services) + 1,
                    "phase_seconds": [line.get("phase_seconds", {}) for line in lines],
                    "deployment_seconds": [line.get("deployment_seconds") for line in lines]}

        one_runs, fleet_runs = interleave(runs, one, fleet)
    finally:
        for arn in services.values():
            apprunner.delete_service(ServiceArn=arn["arn"])
    one_s, fleet_s = median([r["seconds"] for r in one_runs]), median([r["seconds"] for r in fleet_runs])
    row = Row.judged(f"fleet rollback ({FLEET_SIZE} services vs 1)", f"1 service {seconds(one_s)}",
                     f"{FLEET_SIZE} services {seconds(fleet_s)}", ratio(fleet_s, one_s), Goal("<= 2x", 2.0))
    return [row], {"one": one_runs, "fleet": fleet_runs}


def _create_services(session: Session, apprunner) -> dict:
    """Nine more services on the release the first one runs; host name -> {arn, url}."""
    current = apprunner.describe_service(ServiceArn=session.env["APPRUNNER_SERVICE_ARN"])["Service"]
    image = current["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]
    services = {}
    for n in range(2, FLEET_SIZE + 1):
        name = f"{FIRST_HOST}-{n}"
        service = seed.ensure_service(apprunner, image, seed.SERVICE_ENV, name=name)
        url = service["ServiceUrl"]
        services[name] = {"arn": service["ServiceArn"], "url": url if "://" in url else "https://" + url}
    return services


def _align(session: Session, apprunner, first_arn: str, services: dict) -> None:
    """Put the first service back on the release of the others (after a 1-service run)."""
    other = apprunner.describe_service(ServiceArn=next(iter(services.values()))["arn"])["Service"]
    source = other["SourceConfiguration"]["ImageRepository"]
    apprunner.update_service(ServiceArn=first_arn, SourceConfiguration={"ImageRepository": source})
    seed.wait_settled(apprunner, first_arn)


def _inventory(path: Path, services: dict) -> Path:
    """The sandbox inventory's group_vars, with ten hosts (JSON is YAML)."""
    path.mkdir(parents=True, exist_ok=True)
    group_vars = path / "group_vars"
    if not group_vars.exists():
        group_vars.symlink_to(ROOT / "inventories" / "sandbox" / "group_vars")
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    hosts = {FIRST_HOST: dict(local)}
    hosts.update({name: dict(local, service_arn=svc["arn"], service_url=svc["url"]) for name, svc in services.items()})
    (path / "hosts.yml").write_text(json.dumps({"app_services": {"hosts": hosts}}, indent=2))
    return path
