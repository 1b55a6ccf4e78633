"""Requests generated from botocore's App Runner model: valid samples and single-fault variants.

Every generator walks the operation's input shape; the only hand-written data are sample
values for the string shapes whose ``pattern`` a filler string cannot satisfy.
"""
from __future__ import annotations

import re

import botocore.session
from botocore.validate import ParamValidator

ACCOUNT, REGION = "123456789012", "us-east-1"
SAMPLES = {
    "AppRunnerResourceArn": f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/sample/{'0' * 32}",
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sample",
    "KmsKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000",
    "ImageIdentifier": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/sample/repo:v1",
    "Cpu": "1024",
    "Memory": "2048",
}
SKIP = object()
WRONG_TYPE = {"string": 12345, "integer": "1", "long": "1", "boolean": "yes", "timestamp": [1],
              "blob": 1, "structure": "not-an-object", "list": "not-a-list", "map": "not-an-object",
              "float": "1.5", "double": "1.5"}


def model():
    return botocore.session.get_session().get_service_model("apprunner")


def sample(shape, full: bool = False):
    """A valid value of ``shape``: required members only, or every member when ``full``."""
    kind = shape.type_name
    if kind == "structure":
        names = [n for n in shape.members if full] or shape.required_members
        if full and "CodeRepository" in names and "ImageRepository" in names:
            names = [n for n in names if n != "CodeRepository"]  # a source is one or the other
        return {name: sample(shape.members[name], full) for name in names}
    if kind == "list":
        return [sample(shape.member, full)] * max(shape.metadata.get("min", 0), 1 if full else 0)
    if kind == "map":
        return {sample(shape.key): sample(shape.value, full)} if full else {}
    if kind == "string":
        return _string(shape)
    return {"integer": shape.metadata.get("min", 1), "long": shape.metadata.get("min", 1), "boolean": True,
            "timestamp": 0, "blob": "", "float": 1.0, "double": 1.0}[kind]


def _string(shape) -> str:
    if shape.name in SAMPLES:
        return SAMPLES[shape.name]
    if "enum" in shape.metadata:
        return shape.metadata["enum"][0]
    value = "a" * max(shape.metadata.get("min", 1), 4)
    pattern = shape.metadata.get("pattern")
    if pattern and not re.fullmatch(pattern, value, re.DOTALL):
        raise AssertionError(f"add a sample for string shape {shape.name} (pattern {pattern})")
    return value


def mutations(shape, bad_leaf, path: str = ""):
    """(path, value) pairs: a valid value of ``shape`` with the one part at ``path`` replaced
    by ``bad_leaf(part_shape)`` (parts for which it returns SKIP are left out)."""
    bad = bad_leaf(shape)
    if bad is not SKIP and path:
        yield path, bad
    kind = shape.type_name
    if kind == "structure":
        base = sample(shape)
        for name, member in shape.members.items():
            for sub_path, value in mutations(member, bad_leaf, f"{path}.{name}" if path else name):
                yield sub_path, {**base, name: value}
    elif kind == "list":
        for sub_path, value in mutations(shape.member, bad_leaf, f"{path}[0]"):
            yield sub_path, [value]
    elif kind == "map":
        key = sample(shape.key)
        for sub_path, value in mutations(shape.value, bad_leaf, f"{path}.{key}"):
            yield sub_path, {key: value}


def omissions(shape, path: str = ""):
    """(path, value) pairs: a valid value of ``shape`` missing the required member at ``path``."""
    if shape.type_name != "structure":
        if shape.type_name == "list":
            for sub_path, value in omissions(shape.member, f"{path}[0]"):
                yield sub_path, [value]
        return
    base = sample(shape)
    for name in shape.required_members:
        yield (f"{path}.{name}" if path else name), {k: v for k, v in base.items() if k != name}
    for name, member in shape.members.items():
        for sub_path, value in omissions(member, f"{path}.{name}" if path else name):
            yield sub_path, {**base, name: value}


# -- bad leaves ---------------------------------------------------------------------------------
def wrong_type(shape):
    return WRONG_TYPE[shape.type_name]


def not_in_enum(shape):
    return "NOT_A_VALID_ENUM_VALUE" if "enum" in shape.metadata else SKIP


def too_long(shape):
    maximum = shape.metadata.get("max")
    if maximum is None or shape.type_name not in ("string", "integer", "long", "list"):
        return SKIP
    if shape.type_name == "string":
        return "a" * (maximum + 1)
    if shape.type_name == "list":
        return [sample(shape.member)] * (maximum + 1)
    return maximum + 1


def pattern_mismatch(shape):
    pattern = shape.metadata.get("pattern")
    if not pattern or "enum" in shape.metadata:
        return SKIP
    length = max(shape.metadata.get("min", 1), 1)
    for candidate in ("!" * length, "\n" * length, " " * length):
        if not re.fullmatch(pattern, candidate, re.DOTALL):
            return candidate
    return SKIP


def botocore_rejects(shape, params) -> bool:
    return ParamValidator().validate(params, shape).has_errors()
