"""RuntimeEnvironmentSecrets values resolved like App Runner does: SSM parameters and Secrets Manager."""
from __future__ import annotations

import json

import boto3
from botocore.exceptions import BotoCoreError, ClientError


class SecretError(Exception):
    pass


def resolve_all(secrets: dict[str, str], region: str) -> dict[str, str]:
    """{ENV_NAME: reference} -> {ENV_NAME: value}; the values are never logged."""
    return {name: resolve(reference, region) for name, reference in (secrets or {}).items()}


def resolve(reference: str, region: str) -> str:
    """An SSM parameter (ARN or name) or a Secrets Manager secret ARN (optionally ``:json-key::``)."""
    try:
        if reference.startswith("arn:") and ":secretsmanager:" in reference:
            return _secret(reference, region)
        return _parameter(reference, region)
    except (ClientError, BotoCoreError) as err:
        raise SecretError(f"cannot read {reference}: {err}") from None


def _parameter(reference: str, region: str) -> str:
    name = reference
    if reference.startswith("arn:"):
        parts = reference.split(":", 5)
        region = parts[3] or region
        name = parts[5].removeprefix("parameter")
        name = name if name.startswith("/") and name.count("/") > 1 else name.lstrip("/")
    client = boto3.client("ssm", region_name=region)
    return client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def _secret(reference: str, region: str) -> str:
    parts = reference.split(":")
    secret_arn, key = ":".join(parts[:7]), (parts[7] if len(parts) > 7 else "")
    client = boto3.client("secretsmanager", region_name=parts[3] or region)
    value = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    if not key:
        return value
    return str(json.loads(value)[key])
