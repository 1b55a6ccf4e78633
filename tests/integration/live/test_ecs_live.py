"""The ECS emulator with the live runtime: an ECS service and an Express Mode service really run
the releases' code behind stable URLs; v1.4.0 (its /health/ answers 500) trips the circuit
breaker into a rollback, and fails Express Mode's canary; AWS/ECS and AWS/ApplicationELB
metrics and the container's log group reach (moto's) CloudWatch."""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from live_helpers import eventually, get

from sandbox.ecs.ids import load_balancer
from tests.integration.ecs_emulator.ecs_helpers import describe_service, wait_deployment

CLUSTER, SERVICE, EXPRESS = "live", "consultas-ecs", "consultas-express"
ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRole"
ENV = [{"name": "ALLOWED_HOSTS", "value": "*"}, {"name": "FEATURE_APPOINTMENTS", "value": "on"}]
STORY: dict = {}


@pytest.fixture(scope="module")
def ecs(ecs_emulator):
    client = ecs_emulator.client()
    client.create_cluster(clusterName=CLUSTER)
    return client


def url_of(ecs_emulator, arn: str) -> str:
    with urllib.request.urlopen(f"{ecs_emulator.url}/_emulator/urls", timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())[arn]


def deploy(ecs, image: str) -> dict:
    container = {"name": "api", "image": image, "portMappings": [{"containerPort": 8000}], "environment": ENV,
                 "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8000/health/ || exit 1"]},
                 "logConfiguration": {"logDriver": "awslogs", "options": {
                     "awslogs-group": f"/ecs/{SERVICE}", "awslogs-stream-prefix": "ecs"}}}
    arn = ecs.register_task_definition(family=SERVICE, containerDefinitions=[container], cpu="1024",
                                       memory="2048")["taskDefinition"]["taskDefinitionArn"]
    if not STORY:
        service = ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=arn, desiredCount=1,
                                     deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True,
                                                                                           "rollback": True}})
    else:
        service = ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=arn)
    return wait_deployment(ecs, service["service"]["currentServiceDeployment"], timeout=180)


def test_the_service_serves_v120_then_v130(ecs_emulator, ecs, image_uris, release_shas):
    assert deploy(ecs, image_uris["v1.2.0"])["status"] == "SUCCESSFUL"
    STORY["arn"] = describe_service(ecs, SERVICE, CLUSTER)["serviceArn"]
    STORY["url"] = url_of(ecs_emulator, STORY["arn"])
    assert get(STORY["url"] + "/health/")[1]["sha"] == release_shas["v1.2.0"]
    assert deploy(ecs, image_uris["v1.3.0"])["status"] == "SUCCESSFUL"
    assert url_of(ecs_emulator, STORY["arn"]) == STORY["url"]  # a stable URL
    assert get(STORY["url"] + "/health/")[1]["sha"] == release_shas["v1.3.0"]


def test_v140_trips_the_circuit_breaker_and_v130_keeps_serving(ecs, image_uris, release_shas):
    deployment = deploy(ecs, image_uris["v1.4.0"])
    assert deployment["status"] == "ROLLBACK_SUCCESSFUL"
    assert deployment["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    service = describe_service(ecs, SERVICE, CLUSTER)
    assert (service["deployments"][0]["rolloutState"], service["taskDefinition"].rsplit(":", 1)[-1]) == ("COMPLETED", "2")
    assert any("HTTP 500" in event["message"] for event in service["events"])
    assert get(STORY["url"] + "/health/")[1]["sha"] == release_shas["v1.3.0"]


def test_ecs_and_load_balancer_metrics_and_logs_reach_cloudwatch(aws):
    for _ in range(3):
        get(STORY["url"] + "/api/professionals/")
    balancer, _ = load_balancer(SERVICE, STORY["arn"])

    def names(namespace: str, dimension: dict) -> set:
        listed = aws["cloudwatch"].list_metrics(Namespace=namespace, Dimensions=[dimension])["Metrics"]
        return {metric["MetricName"] for metric in listed}

    elb = {"RequestCount", "HTTPCode_Target_2XX_Count", "HTTPCode_Target_5XX_Count", "TargetResponseTime"}
    dimension = {"Name": "LoadBalancer", "Value": balancer}
    assert elb <= eventually(lambda: names("AWS/ApplicationELB", dimension), lambda found: elb <= found)
    service = {"Name": "ServiceName", "Value": SERVICE}
    assert {"CPUUtilization", "MemoryUtilization"} <= eventually(
        lambda: names("AWS/ECS", service), lambda found: {"CPUUtilization", "MemoryUtilization"} <= found)
    now = datetime.now(timezone.utc)
    requests = aws["cloudwatch"].get_metric_statistics(
        Namespace="AWS/ApplicationELB", MetricName="RequestCount", Dimensions=[dimension],
        StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=5), Period=3600, Statistics=["Sum"])
    assert sum(point["Sum"] for point in requests["Datapoints"]) >= 3
    streams = eventually(lambda: aws["logs"].describe_log_streams(logGroupName=f"/ecs/{SERVICE}")["logStreams"],
                         lambda found: bool(found))
    assert streams and all(s["logStreamName"].startswith("ecs/api/app-") for s in streams)


def test_express_canary_of_v140_is_rolled_back(ecs_emulator, ecs, image_uris, release_shas):
    created = ecs.create_express_gateway_service(
        infrastructureRoleArn=ROLE, serviceName=EXPRESS, cluster=CLUSTER, healthCheckPath="/health/",
        primaryContainer={"image": image_uris["v1.2.0"], "containerPort": 8000, "environment": ENV})["service"]
    assert wait_deployment(ecs, created["currentDeployment"], timeout=180)["status"] == "SUCCESSFUL"
    described = ecs.describe_express_gateway_service(serviceArn=created["serviceArn"])["service"]
    url = described["activeConfigurations"][0]["ingressPaths"][0]["endpoint"]
    assert url == url_of(ecs_emulator, created["serviceArn"]) and url != STORY["url"]
    assert get(url + "/health/")[1]["sha"] == release_shas["v1.2.0"]

    ecs.update_express_gateway_service(serviceArn=created["serviceArn"], primaryContainer={"image": image_uris["v1.4.0"]})
    current = ecs.describe_express_gateway_service(serviceArn=created["serviceArn"])["service"]["currentDeployment"]
    deployment = wait_deployment(ecs, current, timeout=180)
    assert deployment["status"] == "ROLLBACK_SUCCESSFUL" and deployment["rollback"]["reason"].startswith("Canary failed")
    assert get(url + "/health/")[1]["sha"] == release_shas["v1.2.0"]
