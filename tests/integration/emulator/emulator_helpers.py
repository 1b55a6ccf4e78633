"""Names and request pieces the emulator tests share (a module of its own name, so test files
and the conftest can import it whatever else pytest has collected)."""
from __future__ import annotations

REGION = "us-east-1"
ACCOUNT = "123456789012"


def image_uri(repository: str, tag: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}"


def source(image: str, **image_configuration) -> dict:
    return {"ImageRepository": {"ImageIdentifier": image, "ImageRepositoryType": "ECR",
                                **({"ImageConfiguration": image_configuration} if image_configuration else {})},
            "AuthenticationConfiguration": {"AccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/apprunner-ecr"}}
