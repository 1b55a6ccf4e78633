"""ECS rollback: rollback_app.yml on the sandbox's ECS host (`sandbox up --ecs`) vs. the same ECS calls
scripted with boto3 (bench/baselines/ecs_rollback_boto3.py): describe the service, reuse (or register)
the task definition revision of the image, UpdateService, follow the service deployment to its end,
check the critical endpoints."""
from __future__ import annotations

import sys

from bench.app_rollback import ENDPOINTS, GOAL, SKIP_SCHEMA_CHECK, TARGETS, _last_json
from bench.session import ROOT, Session, timed
from bench.stats import Row, interleave, median, ratio, seconds

BASELINE = ROOT / "bench" / "baselines" / "ecs_rollback_boto3.py"
ECS_HOST = "lacrei-saude-backend-ecs"  # the sandbox inventory's ECS host (inventories/sandbox/from_env_file.py)


def run(session: Session, runs: int) -> tuple[list[Row], dict]:
    ecs = session.client("ecs")
    cluster, service = session.env["ECS_CLUSTER"], session.env["ECS_SERVICE"]

    def next_sha() -> str:
        return other_release(running_image(ecs, cluster, service), [session.env[name] for name in TARGETS])

    def ours(_i: int) -> dict:
        sha = next_sha()
        result = session.playbook("rollback_app.yml", "-l", ECS_HOST, "-e", f"sha={sha}", *SKIP_SCHEMA_CHECK
                                  ).check("rollback_app.yml on ECS")
        audit = session.audit_lines()[-1]
        return {"seconds": result.seconds, "sha": sha, "deployment_arn": audit.get("operation_id"),
                "task_definition_revision": audit.get("task_definition_revision"),
                "phase_seconds": audit.get("phase_seconds")}

    def baseline(_i: int) -> dict:
        sha = next_sha()
        urls = [session.env["ECS_SERVICE_URL"] + path for path in ENDPOINTS]
        result = timed([sys.executable, str(BASELINE), cluster, service, sha, *urls],
                       session.aws_env()).check("baseline ECS rollback script")
        out = _last_json(result.stdout)
        return {"seconds": result.seconds, "sha": sha, "deployment_arn": out["deployment_arn"],
                "task_definition": out["task_definition"], "reused": out["reused"]}

    ours_runs, base_runs = interleave(runs, ours, baseline)
    ours_s, base_s = median([r["seconds"] for r in ours_runs]), median([r["seconds"] for r in base_runs])
    rows = [Row.judged("ECS rollback wall time (deploy fixed at %gs)" % session.deploy_seconds,
                       f"boto3 script {seconds(base_s)}", f"rollback_app.yml {seconds(ours_s)}",
                       ratio(ours_s, base_s), GOAL)]  # the App Runner line's goal: the same comparison
    return rows, {"ours": ours_runs, "baseline": base_runs}


def running_image(ecs, cluster: str, service: str) -> str:
    found = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=found["taskDefinition"])["taskDefinition"]
    return definition["containerDefinitions"][0]["image"]


def other_release(image: str, shas: list[str]) -> str:
    """Whichever of the two target SHAs ``image`` (repository:tag) does not run."""
    first, second = shas
    return second if image.rsplit(":", 1)[-1] == first else first
