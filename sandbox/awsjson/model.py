"""botocore's service models and walkers over their shapes.

Everything the emulators know about request and response layouts comes from here:
no hand-written field lists.
"""
from __future__ import annotations

import copy
from functools import lru_cache

import botocore.session
from botocore.model import OperationModel, OperationNotFoundError, ServiceModel, Shape

from .errors import ApiError


@lru_cache(maxsize=None)
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def operation(service: str, name: str) -> OperationModel:
    try:
        return service_model(service).operation_model(name)
    except OperationNotFoundError:
        raise ApiError("UnknownOperationException", f"Unknown operation: {name}") from None


def conform(shape: Shape, value):
    """``value`` reduced to what ``shape`` declares (drops internal keys of records)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return {name: conform(shape.members[name], item)
                for name, item in value.items() if name in shape.members and item is not None}
    if shape.type_name == "list" and isinstance(value, list):
        return [conform(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: conform(shape.value, item) for key, item in value.items()}
    return value


def missing_required(shape: Shape, value, path: str = "") -> list[str]:
    """Dotted paths of the members ``shape`` requires that ``value`` lacks, at any depth."""
    if shape.type_name == "structure" and isinstance(value, dict):
        missing = [f"{path}{name}" for name in shape.required_members if value.get(name) is None]
        for name, item in value.items():
            if name in shape.members:
                missing += missing_required(shape.members[name], item, f"{path}{name}.")
        return missing
    if shape.type_name == "list" and isinstance(value, list):
        return [gap for i, item in enumerate(value)
                for gap in missing_required(shape.member, item, f"{path}[{i}].")]
    if shape.type_name == "map" and isinstance(value, dict):
        return [gap for key, item in value.items()
                for gap in missing_required(shape.value, item, f"{path}{key}.")]
    return []


def merge(shape: Shape, current, update):
    """Read-modify-write by shape: structures merge member by member, anything else is replaced."""
    if update is None:
        return copy.deepcopy(current)
    if shape.type_name != "structure" or not isinstance(current, dict):
        return copy.deepcopy(update)
    merged = copy.deepcopy(current)
    for name, item in update.items():
        member = shape.members.get(name)
        merged[name] = merge(member, current.get(name), item) if member is not None else copy.deepcopy(item)
    return merged
