"""Several deployments at once in one emulator with the live runtime (a fleet rollback, `make bench`'s
fleet): every good release comes up, however long the shared CPUs make its start, and release v1.4.0,
whose health check answers 500, still ends ROLLBACK_SUCCEEDED among them."""
from __future__ import annotations

from sandbox import seed

from live_helpers import get, wait_operation

SERVICES = 4
START_BUDGET = 600  # a bound for a very busy machine; a deployment takes seconds on a quiet one


def source(image: str) -> dict:
    return {"ImageRepository": {"ImageIdentifier": image, "ImageRepositoryType": "ECR",
                                "ImageConfiguration": {"Port": seed.APP_PORT, "RuntimeEnvironmentVariables": {}}},
            "AuthenticationConfiguration": {"AccessRoleArn": seed.ACCESS_ROLE}, "AutoDeploymentsEnabled": False}


def test_concurrent_starts_succeed_and_a_failing_release_still_rolls_back(emulator, image_uris):
    apprunner = emulator.client()
    created = [apprunner.create_service(ServiceName=f"fleet-{n}", SourceConfiguration=source(image_uris["v1.2.0"]),
                                        HealthCheckConfiguration=seed.HEALTH_CHECK)
               for n in range(SERVICES)]
    arns = [answer["Service"]["ServiceArn"] for answer in created]
    statuses = [wait_operation(apprunner, arn, answer["OperationId"], timeout=START_BUDGET)["Status"]
                for arn, answer in zip(arns, created)]
    assert statuses == ["SUCCEEDED"] * SERVICES

    # All at once again: the first service to v1.4.0 (unhealthy), the others to v1.3.0 (healthy).
    targets = ["v1.4.0"] + ["v1.3.0"] * (SERVICES - 1)
    operations = [apprunner.update_service(ServiceArn=arn, SourceConfiguration=source(image_uris[version]))["OperationId"]
                  for arn, version in zip(arns, targets)]
    statuses = [wait_operation(apprunner, arn, operation, timeout=START_BUDGET)["Status"]
                for arn, operation in zip(arns, operations)]
    assert statuses == ["ROLLBACK_SUCCEEDED"] + ["SUCCEEDED"] * (SERVICES - 1)

    served = [get(apprunner.describe_service(ServiceArn=arn)["Service"]["ServiceUrl"] + "/health/")[1]["version"]
              for arn in arns]
    assert served == ["1.2.0"] + ["1.3.0"] * (SERVICES - 1)
    for arn in arns:
        apprunner.delete_service(ServiceArn=arn)
