"""Change a service's environment variables the way someone outside the collection would.

    python set_service_variables.py <service arn> NAME=VALUE [NAME=VALUE ...]

boto3 UpdateService with the running image configuration, only the given variables changed (every
other variable, secret reference, port and the image kept); waits until the service is RUNNING
again and fails unless the operation SUCCEEDED. AWS settings come from the environment.
"""
from __future__ import annotations

import sys
import time

import boto3


def main(arn: str, assignments: list[str]) -> int:
    apprunner = boto3.client("apprunner")
    image = apprunner.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]["ImageRepository"]
    variables = image.setdefault("ImageConfiguration", {}).setdefault("RuntimeEnvironmentVariables", {})
    variables.update(assignment.split("=", 1) for assignment in assignments)
    operation = apprunner.update_service(ServiceArn=arn, SourceConfiguration={"ImageRepository": image})["OperationId"]
    deadline = time.monotonic() + 300  # a bound for a busy machine
    while apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] != "RUNNING":
        if time.monotonic() > deadline:
            print("the service is not RUNNING after 300 s", file=sys.stderr)
            return 1
        time.sleep(0.5)
    status = next(op["Status"] for op in apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
                  if op["Id"] == operation)
    print(f"operation {operation} {status}: {' '.join(assignments)}")
    return 0 if status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
