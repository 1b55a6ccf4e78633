"""Requests are checked against botocore's ECS model: the same report botocore's own validator
writes, then the constraints it leaves to the server (enums, ranges); ECS's error codes."""
from __future__ import annotations

import pytest
from botocore.validate import ParamValidator

from sandbox.awsjson.model import service_model

TARGET = "AmazonEC2ContainerServiceV20141113."
CLIENT_SIDE = [
    ("CreateService", {}),
    ("UpdateService", {"service": "api", "launchRockets": True}),
    ("DescribeServices", {"services": "api"}),
    ("ListServiceDeployments", {"service": "api", "maxResults": "10"}),
    ("RegisterTaskDefinition", {"family": "api", "containerDefinitions": [{"name": "web", "portMappings": [{"containerPort": "80"}]}]}),
    ("CreateExpressGatewayService", {"primaryContainer": {"image": "x"}}),
    ("StopServiceDeployment", {}),
]


@pytest.mark.parametrize(("operation", "params"), CLIENT_SIDE, ids=[case[0] for case in CLIENT_SIDE])
def test_the_report_is_botocores_own(ecs_emulator, operation, params):
    report = ParamValidator().validate(params, service_model("ecs").operation_model(operation).input_shape)
    assert report.has_errors()
    assert ecs_emulator.raw(TARGET + operation, params) == (
        400, {"__type": "InvalidParameterException", "Message": report.generate_report()})


@pytest.mark.parametrize(("operation", "params", "member"), [
    ("StopServiceDeployment", {"serviceDeploymentArn": "arn", "stopType": "LATER"}, "stopType"),
    ("DescribeServices", {"services": ["api"], "include": ["EVERYTHING"]}, "include[0]"),
    ("UpdateService", {"service": "api", "deploymentConfiguration": {"strategy": "SIDEWAYS"}},
     "deploymentConfiguration.strategy"),
])
def test_server_side_constraints_name_the_member(ecs_emulator, operation, params, member):
    status, body = ecs_emulator.raw(TARGET + operation, params)
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert f"at '{member}' failed to satisfy constraint" in body["Message"]


def test_errors_are_ecs_modelled_exceptions(ecs, ecs_emulator):
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.list_services(cluster="nowhere")
    with pytest.raises(ecs.exceptions.ServiceNotFoundException):
        ecs.update_service(cluster="sandbox", service="nothing", forceNewDeployment=True)
    with pytest.raises(ecs.exceptions.ServiceDeploymentNotFoundException):
        ecs.stop_service_deployment(
            serviceDeploymentArn="arn:aws:ecs:us-east-1:123456789012:service-deployment/sandbox/x/abc")
    with pytest.raises(ecs.exceptions.ClientException, match="unique"):
        ecs.register_task_definition(family="api", containerDefinitions=[{"name": "web"}, {"name": "web"}])
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="task definition"):
        ecs.describe_task_definition(taskDefinition="nothing:3")
    ecs.register_task_definition(family="gone", containerDefinitions=[{"name": "web", "image": "img"}])
    ecs.create_service(cluster="sandbox", serviceName="gone", taskDefinition="gone", desiredCount=0)
    ecs.delete_service(cluster="sandbox", service="gone")
    with pytest.raises(ecs.exceptions.ServiceNotActiveException):
        ecs.update_service(cluster="sandbox", service="gone", desiredCount=1)
    missing = ecs.describe_services(cluster="sandbox", services=["ghost"])
    assert missing["services"] == [] and missing["failures"][0]["reason"] == "MISSING"
    assert ecs_emulator.raw(TARGET + "LaunchRockets", {}) == (
        400, {"__type": "UnknownOperationException", "Message": "Unknown operation: LaunchRockets"})
    assert ecs_emulator.raw(TARGET + "RunTask", {"taskDefinition": "api"})[1]["__type"] == "UnsupportedFeatureException"


def test_injected_request_faults(ecs, ecs_emulator):
    ecs_emulator.control("faults", {"throttle": 1, "internal_error": 1})
    with pytest.raises(ecs.exceptions.ClientError, match="ThrottlingException"):
        ecs.list_clusters()
    with pytest.raises(ecs.exceptions.ServerException):
        ecs.list_clusters()
    assert ecs.list_clusters()["clusterArns"] == ["arn:aws:ecs:us-east-1:123456789012:cluster/sandbox"]
    status, body = ecs_emulator.control("faults", {"fail_everything": 1})
    assert (status, body["__type"]) == (400, "InvalidParameterException")


def test_task_definitions_list_and_paginate(ecs):
    for _ in range(3):
        ecs.register_task_definition(family="api", containerDefinitions=[{"name": "web", "image": "img"}])
    first = ecs.list_task_definitions(familyPrefix="api", maxResults=2)
    assert [arn.rsplit(":", 1)[-1] for arn in first["taskDefinitionArns"]] == ["1", "2"]
    rest = ecs.list_task_definitions(familyPrefix="api", nextToken=first["nextToken"])
    assert [arn.rsplit(":", 1)[-1] for arn in rest["taskDefinitionArns"]] == ["3"]
    assert ecs.describe_task_definition(taskDefinition="api")["taskDefinition"]["revision"] == 3
    ecs.deregister_task_definition(taskDefinition="api:3")
    assert ecs.describe_task_definition(taskDefinition="api")["taskDefinition"]["revision"] == 2
    assert ecs.list_task_definitions(sort="DESC")["taskDefinitionArns"][0].endswith("api:2")
