"""Request validation driven by botocore's service models (App Runner, ECS).

Two passes over the operation's input shape:

1. botocore's own ``ParamValidator`` (required members, unknown members, types, ``min``);
2. the constraints botocore leaves to the server, read from the shape metadata: ``enum``,
   ``max`` (string and list length, integer value) and ``pattern`` (matched against the whole
   value, as AWS does).

Any failure is the service's invalid-request error (App Runner ``InvalidRequestException``,
ECS ``InvalidParameterException``) whose message names the parameter.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

from .errors import ApiError


def validate(operation: OperationModel, params, invalid: Callable[[str], ApiError]) -> None:
    """Raise ``invalid(message)`` for the first pass that finds problems."""
    if not isinstance(params, dict):
        raise ApiError("SerializationException", "The request body must be a JSON object")
    report = ParamValidator().validate(params, operation.input_shape)
    if report.has_errors():
        raise invalid(report.generate_report())
    problems = list(constraint_errors(operation.input_shape, params, ""))
    if problems:
        raise invalid(f"{len(problems)} validation error(s) detected: " + "; ".join(problems))


def constraint_errors(shape: Shape, value, path: str):
    """Yield one message per violated server-side constraint under ``value``."""
    kind = shape.type_name
    if kind == "structure":
        for name, item in value.items():
            yield from constraint_errors(shape.members[name], item, f"{path}.{name}" if path else name)
    elif kind == "list":
        yield from _check_max(shape, len(value), path, "length")
        for index, item in enumerate(value):
            yield from constraint_errors(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        yield from _check_max(shape, len(value), path, "size")
        for key, item in value.items():
            yield from constraint_errors(shape.key, key, f"{path} (key: {key})")
            yield from constraint_errors(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        yield from _string_errors(shape, value, path)
    elif kind in ("integer", "long", "float", "double"):
        yield from _check_max(shape, value, path, "value")


def _string_errors(shape: Shape, value: str, path: str):
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        yield f"Value {value!r} at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(enum)}]"
    yield from _check_max(shape, len(value), path, "length")
    pattern = shape.metadata.get("pattern")
    if pattern and not _compiled(pattern).fullmatch(value):
        yield f"Value {value!r} at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"


def _check_max(shape: Shape, measured, path: str, what: str):
    maximum = shape.metadata.get("max")
    if maximum is not None and measured > maximum:
        yield f"Value at '{path}' failed to satisfy constraint: Member must have {what} less than or equal to {maximum}"


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.DOTALL)
