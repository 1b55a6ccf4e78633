"""The baseline app rollback: the AWS calls a person would script with boto3, nothing more.

describe the image in ECR, describe the service, update the service to the image, poll
ListOperations every 1 s until the operation ends, then GET each critical endpoint once (the
same validation the playbook does). Prints JSON: operation id, status, when the end was seen.

    python bench/baselines/rollback_boto3.py SERVICE_ARN REPOSITORY SHA [URL...]
"""
import json
import sys
import time
import urllib.request

import boto3

TERMINAL = {"SUCCEEDED", "FAILED", "ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED"}


def main(arn, repository, sha, *urls):
    ecr, apprunner = boto3.client("ecr"), boto3.client("apprunner")
    image = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": sha}])["imageDetails"][0]
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    source = service["SourceConfiguration"]["ImageRepository"]
    uri = source["ImageIdentifier"].rsplit(":", 1)[0] + ":" + sha
    operation_id = apprunner.update_service(
        ServiceArn=arn, SourceConfiguration={"ImageRepository": dict(source, ImageIdentifier=uri)})["OperationId"]
    while True:
        time.sleep(1)
        ops = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
        status = next(op["Status"] for op in ops if op["Id"] == operation_id)
        if status in TERMINAL:
            seen_at = time.time()
            break
    answers = [urllib.request.urlopen(url, timeout=10).status for url in urls]
    print(json.dumps({"operation_id": operation_id, "status": status, "seen_at": seen_at,
                      "digest": image["imageDigest"], "endpoints": answers}))
    return 0 if status == "SUCCEEDED" and all(a == 200 for a in answers) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
