"""The sandbox with ECS (`sandbox up --ecs`) that this folder's runbook tests share (conftest.py)."""
from __future__ import annotations

from sandbox import seed_ecs
from tests.integration.sandbox_fixture import Sandbox

# Host names other than the services' names: what the runbooks report must be the service's own name.
ECS_HOST, EXPRESS_HOST = "backend-on-ecs", "backend-on-express"


class EcsSandbox(Sandbox):
    def __init__(self, state):
        super().__init__(state)
        self.ecs = self.client("ecs", "AWS_ENDPOINT_URL_ECS")
        self.ssm = self.client("ssm", "AWS_ENDPOINT_URL_SSM")

    def hosts(self) -> dict:
        """The inventory contract's host vars of one host per ECS platform (conftest.py's inventory)."""
        env = self.env
        return {ECS_HOST: {"platform": "ecs", "ecs_cluster": env["ECS_CLUSTER"], "ecs_service": env["ECS_SERVICE"],
                           "service_url": env["ECS_SERVICE_URL"]},
                EXPRESS_HOST: {"platform": "ecs_express", "ecs_express_service_arn": env["ECS_EXPRESS_SERVICE_ARN"],
                               "service_url": env["ECS_EXPRESS_SERVICE_URL"]}}

    def running_image(self, host: str) -> str:
        """The image the host's service runs (the ECS service's task definition, the Express service's primary container)."""
        if host == EXPRESS_HOST:
            service = self.ecs.describe_express_gateway_service(serviceArn=self.env["ECS_EXPRESS_SERVICE_ARN"])["service"]
            return service["activeConfigurations"][0]["primaryContainer"]["image"]
        return self.task_definition()["containerDefinitions"][0]["image"]

    def service(self, arn=None) -> dict:  # the ECS service
        return self.ecs.describe_services(cluster=self.env["ECS_CLUSTER"], services=[self.env["ECS_SERVICE"]])["services"][0]

    def task_definition(self) -> dict:
        return self.ecs.describe_task_definition(taskDefinition=self.service()["taskDefinition"])["taskDefinition"]

    def variables(self) -> dict:
        return {e["name"]: e["value"] for e in self.task_definition()["containerDefinitions"][0].get("environment") or []}

    def change_variable_outside(self, name: str, value: str) -> None:
        """A new revision with one variable changed and UpdateService, as someone outside the collection does."""
        current = self.task_definition()
        keep = ("family", "executionRoleArn", "networkMode", "containerDefinitions", "requiresCompatibilities", "cpu",
                "memory")
        request = {k: current[k] for k in keep if current.get(k)}
        container = request["containerDefinitions"][0]
        container["environment"] = [e for e in container["environment"] if e["name"] != name] + [{"name": name, "value": value}]
        arn = self.ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
        updated = self.ecs.update_service(cluster=self.env["ECS_CLUSTER"], service=self.env["ECS_SERVICE"],
                                          taskDefinition=arn)["service"]
        assert seed_ecs.wait(self.ecs, updated["currentServiceDeployment"])["status"] == "SUCCESSFUL"

    def snapshot_versions(self) -> list[int]:
        path = f"/lacrei-rollback/{self.env['ECS_SERVICE']}/config"
        found = self.ssm.get_parameters_by_path(Path=path, MaxResults=10)["Parameters"]
        return sorted(int(p["Name"].rsplit("/", 1)[-1]) for p in found)
