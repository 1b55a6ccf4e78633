"""The sandbox as the configuration rollback tests see it: besides what every playbook test sees,
the service's real image configuration (boto3), its snapshots in SSM, and Secrets Manager."""
from __future__ import annotations

from tests.integration.sandbox_fixture import Sandbox


class ConfigSandbox(Sandbox):
    def __init__(self, state):
        super().__init__(state)
        self.ssm = self.client("ssm", "AWS_ENDPOINT_URL_SSM")
        self.secrets = self.client("secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER")

    def image_configuration(self) -> dict:
        return self.service()["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]

    def variables(self) -> dict:
        return self.image_configuration().get("RuntimeEnvironmentVariables") or {}

    def update_variables(self, variables: dict | None = None, secrets: dict | None = None) -> None:
        """Change variables (and secret references) with UpdateService, as someone outside the collection would."""
        def change(image_repository):
            config = image_repository["ImageConfiguration"]
            config.setdefault("RuntimeEnvironmentVariables", {}).update(variables or {})
            if secrets:
                config.setdefault("RuntimeEnvironmentSecrets", {}).update(secrets)

        status = self.update_outside(change)
        assert status == "SUCCEEDED", status

    def snapshot_versions(self) -> list[int]:
        path = f"/lacrei-rollback/{self.env['APPRUNNER_SERVICE_NAME']}/config"
        names = self.ssm.get_parameters_by_path(Path=path, Recursive=False, MaxResults=10)["Parameters"]
        return sorted(int(p["Name"].rsplit("/", 1)[-1]) for p in names)

    def status(self, path: str) -> int:
        """Status of GET service_url + path (the live runtime's answer)."""
        return self.get(path)[0]
