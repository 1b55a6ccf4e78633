"""apprunner_metrics_info and the configuration modules (apprunner_config, config_snapshot,
config_snapshot_info) on ECS and ECS Express Mode services, in-process against the ECS emulator
and moto (CloudWatch, CloudWatch Logs and SSM): metrics we publish ourselves, configurations
changed through new task definition revisions."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import boto3
import pytest

from tests.integration.ecs_emulator.ecs_helpers import container, describe_service, wait_deployment
from tests.integration.ecs_emulator.test_express import create as create_express
from tests.integration.emulator_process import REGION

ACCOUNT = "123456789012"
SECRET_VALUE = "s3cr3t-never-shown-4417"


@pytest.fixture
def env(ecs_emulator, moto_endpoint, monkeypatch):
    values = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
              "AWS_ENDPOINT_URL_ECS": ecs_emulator.url, "AWS_ENDPOINT_URL_CLOUDWATCH": moto_endpoint,
              "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": moto_endpoint, "AWS_ENDPOINT_URL_SSM": moto_endpoint}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def module(run_module, env):
    from ansible.module_utils.common import warnings

    warnings._global_warnings.clear()  # pylint: disable=protected-access
    return lambda name, check_mode=False, **args: run_module(name, dict(args, max_attempts=2), check_mode=check_mode)


def client(name: str, env: dict):
    return boto3.client(name, region_name=REGION, endpoint_url=env[f"AWS_ENDPOINT_URL_{name.upper().replace('LOGS', 'CLOUDWATCH_LOGS')}"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def create_service(ecs, image, name: str, balancers: list, log_group: str | None = None) -> str:
    logs = {"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": log_group}}} if log_group else {}
    ecs.register_task_definition(family=name, containerDefinitions=[container(image(), **logs)])
    created = ecs.create_service(cluster="sandbox", serviceName=name, taskDefinition=name, desiredCount=1,
                                 loadBalancers=balancers, deploymentConfiguration={
                                     "deploymentCircuitBreaker": {"enable": True, "rollback": True}})["service"]
    assert wait_deployment(ecs, created["currentServiceDeployment"])["status"] == "SUCCESSFUL"
    return name


def publish(cloudwatch, at: float, namespace: str, dimensions: list, **values) -> None:
    stamp = datetime.fromtimestamp(at, timezone.utc)
    data = []
    for name, value in values.items():
        datum = {"MetricName": name, "Dimensions": dimensions, "Timestamp": stamp}
        data.append({**datum, "StatisticValues": value} if isinstance(value, dict) else {**datum, "Value": float(value)})
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def test_an_ecs_service_is_read_from_aws_ecs_and_its_own_target_group(ecs, image, env, module):
    suffix = uuid.uuid4().hex[:8]
    name, group = f"metrics-{suffix}", f"/ecs/metrics-{suffix}"
    target_group, balancer = f"targetgroup/api-{suffix}/0123456789abcdef", f"app/shared-{suffix}/fedcba9876543210"
    create_service(ecs, image, name, [{"targetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{target_group}",
                                       "containerName": "web", "containerPort": 8000}], group)
    cloudwatch = client("cloudwatch", env)
    base = int(time.time() // 60 * 60) - 7 * 60
    publish(cloudwatch, base + 30, "AWS/ECS", [{"Name": "ClusterName", "Value": "sandbox"},
                                               {"Name": "ServiceName", "Value": name}],
            CPUUtilization=40, MemoryUtilization=55)
    own = [{"Name": "TargetGroup", "Value": target_group}, {"Name": "LoadBalancer", "Value": balancer}]
    publish(cloudwatch, base + 30, "AWS/ApplicationELB", own, RequestCount=100, HTTPCode_Target_5XX_Count=10,
            HTTPCode_Target_2XX_Count=90,
            TargetResponseTime={"SampleCount": 100, "Sum": 5.0, "Minimum": 0.01, "Maximum": 0.4})
    # another service behind the same load balancer, and the load balancer as a whole: not counted
    other = [{"Name": "TargetGroup", "Value": f"targetgroup/other-{suffix}/aaaa"}, {"Name": "LoadBalancer", "Value": balancer}]
    publish(cloudwatch, base + 30, "AWS/ApplicationELB", other, RequestCount=999, HTTPCode_Target_5XX_Count=500)
    publish(cloudwatch, base + 30, "AWS/ApplicationELB", [{"Name": "LoadBalancer", "Value": balancer}], RequestCount=1099)
    logs = client("logs", env)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="ecs/web/1")
    logs.put_log_events(logGroupName=group, logStreamName="ecs/web/1", logEvents=[
        {"timestamp": (base + 20) * 1000, "message": "ERROR django.request: Internal Server Error: /api/x/"},
        {"timestamp": (base + 21) * 1000, "message": "GET /health/ 200"}])

    result = module("apprunner_metrics_info", cluster="sandbox", service=name, start_time=str(base),
                    end_time=str(base + 120), period="60s", health_thresholds={"error_rate": 0.05})
    assert not result.get("failed"), result
    first = result["intervals"][0]
    assert (first["requests"], first["responses_5xx"], first["error_rate"]) == (100.0, 10.0, 0.1)
    assert (first["latency_avg_ms"], first["latency_max_ms"]) == (50.0, 400.0)  # seconds -> ms
    assert (first["cpu_percent"], first["memory_percent"], first["error_log_lines"]) == (40.0, 55.0, 1)
    assert first["breaches"] == ["error_rate 0.1 > 0.05"]
    assert result["service"]["platform"] == "ecs" and result["service"]["log_group"] == group
    assert result["service"]["metrics"]["requests"] == {
        "namespace": "AWS/ApplicationELB", "metric_name": "RequestCount",
        "dimensions": {"TargetGroup": target_group, "LoadBalancer": balancer}}
    assert result["service"]["metrics"]["cpu"]["namespace"] == "AWS/ECS"
    assert result["latest_error_lines"] == ["ERROR django.request: Internal Server Error: /api/x/"]

    # the dimensions given (as ARNs) rather than found: the same reading
    given = module("apprunner_metrics_info", cluster="sandbox", service=name, start_time=str(base),
                   end_time=str(base + 120), period="60s", target_group=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{target_group}",
                   load_balancer=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/{balancer}")
    assert given["intervals"][0]["requests"] == 100.0 and given["service"]["metrics"] == result["service"]["metrics"]


def test_without_a_target_group_only_cpu_memory_and_logs_are_read(ecs, image, env, module):
    name = create_service(ecs, image, f"no-lb-{uuid.uuid4().hex[:8]}", [])
    base = int(time.time() // 60 * 60) - 7 * 60
    publish(client("cloudwatch", env), base + 30, "AWS/ECS", [{"Name": "ClusterName", "Value": "sandbox"},
                                                              {"Name": "ServiceName", "Value": name}], CPUUtilization=12)
    result = module("apprunner_metrics_info", cluster="sandbox", service=name, start_time=str(base),
                    end_time=str(base + 60), period="60s")
    assert result["intervals"][0]["cpu_percent"] == 12.0 and result["intervals"][0]["requests"] is None
    assert result["service"]["metrics"]["requests"] is None and result["service"]["log_group"] is None
    warned = " ".join(str(w) for w in result.get("warnings", []))
    assert "has no target group" in warned and "no awslogs group" in warned


def test_a_target_group_without_metrics_yet_is_said(ecs, image, env, module):
    suffix = uuid.uuid4().hex[:8]
    name = create_service(ecs, image, f"quiet-{suffix}", [{
        "targetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/quiet-{suffix}/0a", "containerName": "web",
        "containerPort": 8000}])
    base = int(time.time() // 60 * 60) - 7 * 60
    result = module("apprunner_metrics_info", cluster="sandbox", service=name, start_time=str(base), end_time=str(base + 60),
                    period="60s")
    assert result["service"]["metrics"]["requests"] is None and result["verdict"]["status"] == "no_data", result
    assert f"no AWS/ApplicationELB metric of target group targetgroup/quiet-{suffix}/0a" in str(result["warnings"])


def test_bad_service_options_are_refused_before_any_call(module):
    both = module("apprunner_metrics_info", service="api", service_arn="arn:aws:apprunner:us-east-1:1:service/a/b")
    assert both["failed"] and "mutually exclusive" in both["msg"]
    missing = module("apprunner_metrics_info", cluster="sandbox", service="does-not-exist")
    assert missing["failed"] and "ECS service does-not-exist is not in cluster sandbox" in missing["msg"]


def variables(ecs, name: str) -> tuple[dict, dict]:
    definition = ecs.describe_task_definition(taskDefinition=describe_service(ecs, name)["taskDefinition"])["taskDefinition"]
    web = definition["containerDefinitions"][0]
    return ({e["name"]: e["value"] for e in web.get("environment") or []},
            {s["name"]: s["valueFrom"] for s in web.get("secrets") or []})


def test_configuration_of_an_ecs_service_is_a_new_revision_with_only_env_and_secrets_changed(ecs, image, env, module,
                                                                                             ecs_emulator):
    name = create_service(ecs, image, f"config-{uuid.uuid4().hex[:8]}", [])
    first = ecs.describe_task_definition(taskDefinition=f"{name}:1")["taskDefinition"]["containerDefinitions"][0]
    token = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:api-token-AbCdEf"
    wanted = dict(cluster="sandbox", service=name, environment_variables={"FEATURE": "off", "DJANGO_SECRET_KEY": SECRET_VALUE},
                  environment_secrets={"API_TOKEN": token})

    predicted = module("apprunner_config", check_mode=True, **wanted)
    assert predicted["changed"] and predicted["platform"] == "ecs", predicted
    assert len(ecs.list_task_definitions(familyPrefix=name)["taskDefinitionArns"]) == 1  # check mode wrote nothing

    applied = module("apprunner_config", **wanted)
    assert applied["changed"] and applied["status"] == "SUCCESSFUL", applied
    assert applied["registered_task_definition"].endswith(f"task-definition/{name}:2")
    assert applied["operation_id"] == applied["deployment_arn"] and applied["snapshot"]["version"] == 1
    assert applied["environment_variables"]["DJANGO_SECRET_KEY"] == "********" and SECRET_VALUE not in str(applied)
    assert variables(ecs, name) == ({"FEATURE": "off", "DJANGO_SECRET_KEY": SECRET_VALUE}, {"API_TOKEN": token})
    second = ecs.describe_task_definition(taskDefinition=f"{name}:2")["taskDefinition"]["containerDefinitions"][0]
    assert {k: v for k, v in second.items() if k not in ("environment", "secrets")} == \
        {k: v for k, v in first.items() if k not in ("environment", "secrets")}

    again = module("apprunner_config", **wanted)
    assert not again["changed"] and again["snapshot"] is None, again

    listed = module("config_snapshot_info", cluster="sandbox", service=name, version="previous")
    assert [s["version"] for s in listed["snapshots"]] == [1] and listed["service_name"] == name
    assert listed["snapshot"]["environment_variables"] == {}

    back = module("apprunner_config", cluster="sandbox", service=name, from_snapshot="previous")
    assert back["changed"] and back["status"] == "SUCCESSFUL", back
    assert variables(ecs, name) == ({}, {}) and describe_service(ecs, name)["taskDefinition"].endswith(f"{name}:3")
    saved = module("config_snapshot", cluster="sandbox", service=name, reason="after the rollback")
    assert saved["saved"] and saved["snapshot"]["version"] == 3

    ecs_emulator.control("faults", {"fail_next_deployment": 1})
    broken = module("apprunner_config", cluster="sandbox", service=name, environment_variables={"FEATURE": "on"},
                    wait_timeout=120)
    assert broken["failed"] and broken["status"] == "ROLLBACK_SUCCESSFUL", broken
    assert f"{name}:3" in broken["msg"] and variables(ecs, name) == ({}, {})


def test_configuration_of_an_express_service_changes_its_primary_container(ecs, image, env, module):
    arn = create_express(ecs, image())
    changed = module("apprunner_config", express_service_arn=arn, environment_variables={"FEATURE": "off"})
    assert changed["changed"] and changed["status"] == "SUCCESSFUL" and changed["platform"] == "ecs_express", changed
    serving = ecs.describe_express_gateway_service(serviceArn=arn)["service"]["activeConfigurations"][0]
    assert serving["primaryContainer"]["environment"] == [{"name": "FEATURE", "value": "off"}]
    assert not module("apprunner_config", express_service_arn=arn, environment_variables={"FEATURE": "off"})["changed"]


def test_an_express_service_is_read_like_an_ecs_service(ecs, image, env, module):
    from sandbox.ecs.ids import load_balancer

    arn = create_express(ecs, image())
    balancer, target_group = load_balancer("express-api", arn)  # the target group Express Mode put it behind
    base = int(time.time() // 60 * 60) - 7 * 60
    publish(client("cloudwatch", env), base + 30, "AWS/ApplicationELB",
            [{"Name": "TargetGroup", "Value": target_group}, {"Name": "LoadBalancer", "Value": balancer}], RequestCount=7)
    result = module("apprunner_metrics_info", express_service_arn=arn, start_time=str(base), end_time=str(base + 60),
                    period="60s")
    assert result["service"]["platform"] == "ecs_express" and result["service"]["name"] == "express-api", result
    assert result["service"]["metrics"]["cpu"]["dimensions"] == {"ClusterName": "sandbox", "ServiceName": "express-api"}
    assert result["intervals"][0]["requests"] == 7.0
    assert result["service"]["log_group"] == "/aws/ecs/sandbox/express-api"  # Express Mode's default awslogs group
