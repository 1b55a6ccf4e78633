"""ECS Express Mode: Create/Describe/Update/DeleteExpressGatewayService.

An Express gateway service is an ECS service the emulator creates for it (same ARN, in the
named cluster, ``default`` otherwise), with a task definition registered from the request
(family ``<cluster>-<serviceName>``, one container ``Main``), the CANARY deployment strategy
and the circuit breaker with rollback on: so ListServiceDeployments, DescribeServiceDeployments
and StopServiceDeployment work on it too. Each create/update registers a revision and starts a
service deployment (``lifecycle.py``: the canary bakes, a failed canary is rolled back).
``activeConfigurations`` lists the configuration of the revision that serves (two while a
canary bakes); ``ingressPaths`` the service URL.
"""
from __future__ import annotations

import copy
import secrets
import time

from . import ids
from .errors import invalid_parameter, resource_not_found
from .lookups import Lookups

CANARY = {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 3},
          "deploymentCircuitBreaker": {"enable": True, "rollback": True},
          "maximumPercent": 200, "minimumHealthyPercent": 100}
DEFAULT_HEALTH_CHECK_PATH = "/ping"
CONFIG_MEMBERS = ("executionRoleArn", "taskRoleArn", "cpu", "memory", "cpuArchitecture", "networkConfiguration",
                  "healthCheckPath", "primaryContainer", "scalingTarget")


class ExpressOps(Lookups):
    lifecycle = None  # set by api.Ecs

    def create_express_gateway_service(self, params: dict) -> dict:
        cluster = self.cluster(params.get("cluster"))
        name = params.get("serviceName") or f"express-{secrets.token_hex(4)}"
        if "primaryContainer" not in params and "taskDefinitionArn" not in params:
            raise invalid_parameter("primaryContainer must be specified.")
        arn = ids.service_arn(self.region, self.account, cluster["clusterName"], name)
        existing = self.store.services.get(arn)
        if existing and existing["service"]["status"] != "INACTIVE":
            raise invalid_parameter(f"An Express gateway service named {name} already exists.")
        config = self._config({"cpu": "1024", "memory": "2048", "cpuArchitecture": "X86_64",
                               "healthCheckPath": DEFAULT_HEALTH_CHECK_PATH}, params)
        task_definition = self._task_definition(cluster["clusterName"], name, config, params.get("taskDefinitionArn"))
        # Express Mode puts the service behind a load balancer it manages: the service's target group.
        balancer = {"targetGroupArn": ids.target_group_arn(self.region, self.account, name, arn), "containerName": "Main",
                    "containerPort": config["primaryContainer"]["containerPort"]}
        record = self.new_record({"serviceName": name, "desiredCount": (config.get("scalingTarget") or {}).get(
            "minTaskCount", 1), "deploymentConfiguration": CANARY, "tags": params.get("tags") or [],
            "loadBalancers": [balancer]},
            cluster, task_definition, config["healthCheckPath"])
        now = time.time()
        record["express"] = {"infrastructureRoleArn": params["infrastructureRoleArn"], "statusCode": "ACTIVE",
                             "createdAt": now, "updatedAt": now, "configurations": {},
                             "endpoint": f"https://{name}-{secrets.token_hex(4)}.ecs.{self.region}.on.aws"}
        self._begin(record, task_definition, config, "CreateExpressGatewayService")
        return {"service": self.express_view(record)}

    def update_express_gateway_service(self, params: dict) -> dict:
        record = self._express(params["serviceArn"])
        current = self._latest_config(record)
        config = self._config(current, params)
        service = record["service"]
        task_definition = self._task_definition(service["clusterArn"].rsplit("/", 1)[-1], service["serviceName"],
                                                config, params.get("taskDefinitionArn"))
        record["health_check_path"] = config.get("healthCheckPath") or DEFAULT_HEALTH_CHECK_PATH
        record["express"]["updatedAt"] = time.time()
        revision = self._begin(record, task_definition, config, "UpdateExpressGatewayService")
        express = self.express_view(record)
        return {"service": {"serviceArn": express["serviceArn"], "cluster": express["cluster"],
                            "serviceName": express["serviceName"], "status": express["status"],
                            "targetConfiguration": record["express"]["configurations"][revision],
                            "createdAt": express["createdAt"], "updatedAt": express["updatedAt"]}}

    def describe_express_gateway_service(self, params: dict) -> dict:
        return {"service": self.express_view(self._express(params["serviceArn"], active=False))}

    def delete_express_gateway_service(self, params: dict) -> dict:
        record = self._express(params["serviceArn"])
        record["express"].update(statusCode="DRAINING", updatedAt=time.time())
        self.lifecycle.delete(record)
        return {"service": self.express_view(record)}

    # -- helpers -----------------------------------------------------------------------------------
    def express_view(self, record: dict) -> dict:
        service, express = record["service"], record["express"]
        serving = [d["targetServiceRevision"]["arn"] for d in record["deployments"]
                   if d["status"] in ("IN_PROGRESS",) and d.get("lifecycleStage") == "BAKE_TIME"]
        active = [arn for arn in dict.fromkeys([record.get("serving"), *serving]) if arn]
        ingress = [{"accessType": "PUBLIC", "endpoint": record.get("url") or express["endpoint"]}]
        return {
            "cluster": service["clusterArn"].rsplit("/", 1)[-1], "serviceName": service["serviceName"],
            "serviceArn": service["serviceArn"], "infrastructureRoleArn": express["infrastructureRoleArn"],
            "status": {"statusCode": express["statusCode"]},
            "currentDeployment": service.get("currentServiceDeployment"),
            "activeConfigurations": [{**express["configurations"][arn], "ingressPaths": ingress}
                                     for arn in active if arn in express["configurations"]],
            "tags": service.get("tags") or [], "createdAt": express["createdAt"], "updatedAt": express["updatedAt"],
        }

    def _express(self, arn: str, active: bool = True) -> dict:
        record = self.store.services.get(arn)
        if record is None or not record.get("express") or (active and record["service"]["status"] != "ACTIVE"):
            raise resource_not_found(arn)
        return record

    def _config(self, current: dict, params: dict) -> dict:
        config = copy.deepcopy(current)
        for name in CONFIG_MEMBERS:
            if name == "primaryContainer" and name in params:
                config[name] = {**config.get(name, {}), **copy.deepcopy(params[name])}
            elif name in params:
                config[name] = copy.deepcopy(params[name])
        if not (config.get("primaryContainer") or {}).get("image"):
            raise invalid_parameter("primaryContainer.image must be specified.")
        config["primaryContainer"].setdefault("containerPort", 80)
        return config

    def _latest_config(self, record: dict) -> dict:
        """What an update starts from: the configuration that serves (not one rolled back)."""
        configurations = record["express"]["configurations"]
        serving = record.get("serving")
        latest = serving if serving in configurations else record["deployments"][-1]["targetServiceRevision"]["arn"]
        config = dict(configurations[latest])
        for name in ("serviceRevisionArn", "taskDefinitionArn", "createdAt", "ingressPaths"):
            config.pop(name, None)
        return config

    def _task_definition(self, cluster: str, name: str, config: dict, given: str | None) -> dict:
        if given:
            return self.task_definition(given)
        container = config["primaryContainer"]
        logs = container.get("awsLogsConfiguration") or {}
        return self.register({
            "family": f"{cluster}-{name}", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": config["cpu"], "memory": config["memory"],
            **{k: config[k] for k in ("executionRoleArn", "taskRoleArn") if config.get(k)},
            "runtimePlatform": {"cpuArchitecture": config.get("cpuArchitecture") or "X86_64",
                                "operatingSystemFamily": "LINUX"},
            "containerDefinitions": [{
                "name": "Main", "image": container["image"], "essential": True,
                "portMappings": [{"containerPort": container["containerPort"], "protocol": "tcp"}],
                "environment": container.get("environment") or [], "secrets": container.get("secrets") or [],
                **({"command": container["command"]} if container.get("command") else {}),
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": logs.get("logGroup") or f"/aws/ecs/{cluster}/{name}",
                    "awslogs-stream-prefix": logs.get("logStreamPrefix") or "ecs",
                    "awslogs-region": self.region}},
            }],
        })

    def _begin(self, record: dict, task_definition: dict, config: dict, trigger: str) -> str:
        deployment = self.lifecycle.begin(record, task_definition["taskDefinitionArn"], trigger)
        revision = deployment["targetServiceRevision"]["arn"]
        record["express"]["configurations"][revision] = {
            **copy.deepcopy(config), "serviceRevisionArn": revision,
            "taskDefinitionArn": task_definition["taskDefinitionArn"], "createdAt": time.time(),
            "ingressPaths": [{"accessType": "PUBLIC", "endpoint": record.get("url") or record["express"]["endpoint"]}],
        }
        self.store.save()
        return revision
