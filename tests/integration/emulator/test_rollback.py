"""Failed deployments roll back: the previous configuration keeps serving."""
from __future__ import annotations

from tests.integration.emulator.emulator_helpers import image_uri, source

from tests.apprunner_operations import wait_operation


def image_of(client, arn: str) -> str:
    return client.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]


def test_update_to_a_missing_tag_rolls_back(apprunner, running_service):
    arn, good_image = running_service(InstanceConfiguration={"Cpu": "1024", "Memory": "2048"})
    repository = good_image.split("/", 1)[1].split(":")[0]
    answer = apprunner.update_service(ServiceArn=arn, SourceConfiguration=source(image_uri(repository, "never-pushed")),
                                      InstanceConfiguration={"Memory": "4096"})
    assert answer["Service"]["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"].endswith(":never-pushed")
    summary = wait_operation(apprunner, arn, answer["OperationId"])
    assert (summary["Type"], summary["Status"]) == ("UPDATE_SERVICE", "ROLLBACK_SUCCEEDED")
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    assert service["Status"] == "RUNNING"
    assert image_of(apprunner, arn) == good_image
    assert service["InstanceConfiguration"]["Memory"] == "2048"


def test_update_by_digest_checks_the_digest(apprunner, running_service, ecr):
    arn, image = running_service()
    repository, tag = image.split("/", 1)[1].split(":")
    digest = ecr.describe_images(repositoryName=repository)["imageDetails"][0]["imageDigest"]
    base = image.split(":")[0]
    answer = apprunner.update_service(ServiceArn=arn, SourceConfiguration=source(f"{base}@sha256:{'f' * 64}"))
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "ROLLBACK_SUCCEEDED"
    answer = apprunner.update_service(ServiceArn=arn, SourceConfiguration=source(f"{base}@{digest}"))
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
    assert image_of(apprunner, arn) == f"{base}@{digest}"


def test_forced_health_check_failure_rolls_back_a_deployment(emulator, apprunner, running_service):
    arn, image = running_service()
    assert emulator.control("faults", {"fail_next_deployment": True})[1]["fail_next_deployment"] == 1
    failed = apprunner.start_deployment(ServiceArn=arn)["OperationId"]
    assert wait_operation(apprunner, arn, failed)["Status"] == "ROLLBACK_SUCCEEDED"
    next_one = apprunner.start_deployment(ServiceArn=arn)["OperationId"]
    assert wait_operation(apprunner, arn, next_one)["Status"] == "SUCCEEDED"
    assert image_of(apprunner, arn) == image


def test_create_with_a_missing_image_fails(apprunner):
    answer = apprunner.create_service(ServiceName="no-image", SourceConfiguration=source(image_uri("absent/repo", "v1")))
    arn = answer["Service"]["ServiceArn"]
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "FAILED"
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "CREATE_FAILED"
    deletion = apprunner.delete_service(ServiceArn=arn)["OperationId"]
    assert wait_operation(apprunner, arn, deletion)["Status"] == "SUCCEEDED"
