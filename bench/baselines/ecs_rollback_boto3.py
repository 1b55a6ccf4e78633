"""The baseline ECS rollback: the ECS calls a person would script with boto3, nothing more.

describe the service and its task definition; reuse the newest ACTIVE revision of the family whose
container runs the image, else register a copy of the current one with only the image changed;
UpdateService to it; poll DescribeServiceDeployments every 1 s until the service deployment ends;
then GET each critical endpoint once (the playbook's validation). Prints JSON: the service
deployment, its status, when the end was seen, the revision deployed and whether it was reused.

    python bench/baselines/ecs_rollback_boto3.py CLUSTER SERVICE SHA [URL...]
"""
import json
import sys
import time
import urllib.request

import boto3

TERMINAL = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}
# What RegisterTaskDefinition takes back from DescribeTaskDefinition.
REGISTER_KEYS = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
                 "placementConstraints", "requiresCompatibilities", "cpu", "memory", "runtimePlatform")


def with_tag(image, sha):
    return image.rsplit(":", 1)[0] + ":" + sha


def revision_for(ecs, definition, image):
    """The newest ACTIVE revision of the family running ``image``: (arn, reused)."""
    arns = ecs.list_task_definitions(familyPrefix=definition["family"], status="ACTIVE", sort="DESC")["taskDefinitionArns"]
    for arn in arns:
        found = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        if found["family"] == definition["family"] and found["containerDefinitions"][0]["image"] == image:
            return arn, True
    request = {key: definition[key] for key in REGISTER_KEYS if definition.get(key)}
    request["containerDefinitions"] = [dict(request["containerDefinitions"][0], image=image),
                                       *request["containerDefinitions"][1:]]
    return ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"], False


def main(cluster, service_name, sha, *urls):
    ecs = boto3.client("ecs")
    service = ecs.describe_services(cluster=cluster, services=[service_name])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    image = with_tag(definition["containerDefinitions"][0]["image"], sha)
    arn, reused = revision_for(ecs, definition, image)
    ecs.update_service(cluster=cluster, service=service_name, taskDefinition=arn)
    deployment = ecs.describe_services(cluster=cluster, services=[service_name])["services"][0]["currentServiceDeployment"]
    while True:
        time.sleep(1)
        status = ecs.describe_service_deployments(serviceDeploymentArns=[deployment])["serviceDeployments"][0]["status"]
        if status in TERMINAL:
            seen_at = time.time()
            break
    answers = [urllib.request.urlopen(url, timeout=10).status for url in urls]
    print(json.dumps({"deployment_arn": deployment, "status": status, "seen_at": seen_at, "task_definition": arn,
                      "reused": reused, "endpoints": answers}))
    return 0 if status == "SUCCESSFUL" and all(a == 200 for a in answers) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
