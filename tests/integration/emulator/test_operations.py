"""Every implemented App Runner operation through boto3, as a client would use them."""
from __future__ import annotations

import re
import uuid

import pytest
from tests.integration.emulator.emulator_helpers import ACCOUNT, REGION, source

from tests.apprunner_operations import wait_operation

ARN = re.compile(rf"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/(?P<name>[\w-]+)/(?P<id>[0-9a-f]{{32}})")


def test_create_service_runs_after_its_operation(apprunner, push_image):
    image = push_image()
    answer = apprunner.create_service(ServiceName="consultas-api", SourceConfiguration=source(image),
                                      Tags=[{"Key": "team", "Value": "lacrei"}])
    service = answer["Service"]
    match = ARN.fullmatch(service["ServiceArn"])
    assert match and match["name"] == "consultas-api" and match["id"] == service["ServiceId"]
    assert re.fullmatch(rf"[0-9a-f]+\.{REGION}\.awsapprunner\.com", service["ServiceUrl"])
    assert service["Status"] == "OPERATION_IN_PROGRESS"
    assert str(uuid.UUID(answer["OperationId"])) == answer["OperationId"]

    summary = wait_operation(apprunner, service["ServiceArn"], answer["OperationId"])
    assert (summary["Type"], summary["Status"]) == ("CREATE_SERVICE", "SUCCEEDED")
    assert summary["EndedAt"] >= summary["StartedAt"]
    described = apprunner.describe_service(ServiceArn=service["ServiceArn"])["Service"]
    assert described["Status"] == "RUNNING"
    assert described["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image
    assert described["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "2048"}
    tags = apprunner.list_tags_for_resource(ResourceArn=service["ServiceArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "lacrei"}]


def test_service_name_must_be_unique(apprunner, running_service, push_image):
    running_service("taken-name")
    with pytest.raises(apprunner.exceptions.InvalidRequestException, match="already exists"):
        apprunner.create_service(ServiceName="taken-name", SourceConfiguration=source(push_image()))


def test_source_needs_image_or_code(apprunner):
    with pytest.raises(apprunner.exceptions.InvalidRequestException, match="ImageRepository or CodeRepository"):
        apprunner.create_service(ServiceName="no-source", SourceConfiguration={"AutoDeploymentsEnabled": False})


def test_list_services_shows_summaries_newest_first(apprunner, running_service):
    first, _ = running_service()
    second, _ = running_service()
    summaries = apprunner.list_services()["ServiceSummaryList"]
    assert [s["ServiceArn"] for s in summaries] == [second, first]
    assert {s["Status"] for s in summaries} == {"RUNNING"}


def test_update_service_keeps_what_the_request_leaves_out(apprunner, running_service, push_image):
    arn, _ = running_service(InstanceConfiguration={"Cpu": "512", "Memory": "1024"})
    new_image = push_image()
    answer = apprunner.update_service(
        ServiceArn=arn, SourceConfiguration=source(new_image, Port="8000", RuntimeEnvironmentVariables={"A": "1"}),
        HealthCheckConfiguration={"Protocol": "HTTP", "Path": "/health/"})
    assert answer["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"

    answer = apprunner.update_service(ServiceArn=arn, InstanceConfiguration={"Memory": "2048"},
                                      SourceConfiguration={"ImageRepository": {
                                          "ImageIdentifier": new_image, "ImageRepositoryType": "ECR",
                                          "ImageConfiguration": {"StartCommand": "gunicorn app"}}})
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    assert service["Status"] == "RUNNING"
    assert service["InstanceConfiguration"] == {"Cpu": "512", "Memory": "2048"}
    assert service["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"] == {
        "Port": "8000", "RuntimeEnvironmentVariables": {"A": "1"}, "StartCommand": "gunicorn app"}
    assert service["SourceConfiguration"]["AuthenticationConfiguration"]["AccessRoleArn"].endswith("role/apprunner-ecr")
    health = service["HealthCheckConfiguration"]
    assert (health["Protocol"], health["Path"], health["UnhealthyThreshold"]) == ("HTTP", "/health/", 5)


def test_mutating_calls_are_refused_while_an_operation_runs(emulator, push_image):
    emulator.control("faults", {"deploy_seconds": 30})
    client = emulator.client()
    answer = client.create_service(ServiceName="busy-service", SourceConfiguration=source(push_image()))
    arn = answer["Service"]["ServiceArn"]
    calls = [
        lambda: client.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2048"}),
        lambda: client.start_deployment(ServiceArn=arn),
        lambda: client.pause_service(ServiceArn=arn),
        lambda: client.resume_service(ServiceArn=arn),
        lambda: client.delete_service(ServiceArn=arn),
    ]
    for call in calls:
        with pytest.raises(client.exceptions.InvalidStateException, match=f"CREATE_SERVICE \\({answer['OperationId']}\\)"):
            call()
    # Reads still answer while the deployment thread works.
    assert client.describe_service(ServiceArn=arn)["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    assert client.list_operations(ServiceArn=arn)["OperationSummaryList"][0]["Status"] == "IN_PROGRESS"


def test_start_deployment_redeploys_the_same_configuration(apprunner, running_service):
    arn, image = running_service()
    op_id = apprunner.start_deployment(ServiceArn=arn)["OperationId"]
    summary = wait_operation(apprunner, arn, op_id)
    assert (summary["Type"], summary["Status"]) == ("START_DEPLOYMENT", "SUCCEEDED")
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    assert service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image


def test_pause_resume_delete(apprunner, running_service):
    arn, _ = running_service()
    with pytest.raises(apprunner.exceptions.InvalidStateException, match="RUNNING"):
        apprunner.resume_service(ServiceArn=arn)
    answer = apprunner.pause_service(ServiceArn=arn)
    assert wait_operation(apprunner, arn, answer["OperationId"])["Type"] == "PAUSE_SERVICE"
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "PAUSED"
    with pytest.raises(apprunner.exceptions.InvalidStateException, match="PAUSED"):
        apprunner.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2048"})

    answer = apprunner.resume_service(ServiceArn=arn)
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"

    answer = apprunner.delete_service(ServiceArn=arn)
    assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    assert service["Status"] == "DELETED" and service["DeletedAt"] >= service["CreatedAt"]
    assert apprunner.list_services()["ServiceSummaryList"] == []
    with pytest.raises(apprunner.exceptions.ResourceNotFoundException):
        apprunner.start_deployment(ServiceArn=arn)
    types = [op["Type"] for op in apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]]
    assert types == ["DELETE_SERVICE", "RESUME_SERVICE", "PAUSE_SERVICE", "CREATE_SERVICE"]


def test_tags_can_be_added_and_removed(apprunner, running_service):
    arn, _ = running_service()
    apprunner.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "app", "Value": "api"}])
    apprunner.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    apprunner.untag_resource(ResourceArn=arn, TagKeys=["app"])
    assert apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]


@pytest.mark.parametrize("call", ["describe_service", "update_service", "start_deployment", "list_operations",
                                  "pause_service", "resume_service", "delete_service"])
def test_unknown_service_arn_is_not_found(apprunner, call):
    arn = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/ghost/{uuid.uuid4().hex}"
    with pytest.raises(apprunner.exceptions.ResourceNotFoundException, match="ghost"):
        getattr(apprunner, call)(ServiceArn=arn)
