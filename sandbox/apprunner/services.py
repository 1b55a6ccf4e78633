"""The App Runner operations the emulator implements (business rules, no HTTP)."""
from __future__ import annotations

import copy
import time

from botocore import xform_name

from sandbox.awsjson.pagination import Paging, paginate

from . import defaults
from .errors import ApiError, invalid_request, invalid_state, not_found
from .lifecycle import Lifecycle
from .model import merge, service_model
from .state import Store

PAGING = Paging(token="NextToken", limit="MaxResults", invalid=invalid_request)
IMPLEMENTED = (
    "CreateService", "DescribeService", "ListServices", "UpdateService", "StartDeployment",
    "ListOperations", "PauseService", "ResumeService", "DeleteService",
    "ListTagsForResource", "TagResource", "UntagResource",
)
# Status a service must have for each mutating call (OPERATION_IN_PROGRESS never qualifies).
ALLOWED_STATUS = {
    "UpdateService": {"RUNNING"},
    "StartDeployment": {"RUNNING"},
    "PauseService": {"RUNNING"},
    "ResumeService": {"PAUSED"},
    "DeleteService": {"RUNNING", "PAUSED", "CREATE_FAILED", "DELETE_FAILED"},
}


class AppRunner:
    def __init__(self, store: Store, lifecycle: Lifecycle, region: str, account_id: str):
        self.store = store
        self.lifecycle = lifecycle
        self.region = region
        self.account_id = account_id

    def call(self, operation: str, params: dict) -> dict:
        """Run a validated request; the answer is still to be conformed to the output shape."""
        if operation not in IMPLEMENTED:
            raise ApiError("NotImplementedException",
                           f"{operation} is not implemented by the App Runner emulator", 501)
        with self.store.lock:
            return getattr(self, xform_name(operation))(params)

    # -- services --------------------------------------------------------------------------
    def create_service(self, params: dict) -> dict:
        name = params["ServiceName"]
        if any(rec["service"]["ServiceName"] == name and rec["service"]["Status"] != "DELETED"
               for rec in self.store.services.values()):
            raise invalid_request(f"Service with the provided name already exists: {name}")
        source = params["SourceConfiguration"]
        if ("ImageRepository" in source) == ("CodeRepository" in source):
            raise invalid_request("SourceConfiguration must specify exactly one of ImageRepository or CodeRepository")
        service = self._new_service(params)
        record = {"service": service, "tags": params.get("Tags", []), "operations": [], "pending": None}
        self.store.services[service["ServiceArn"]] = record
        op_id = self.lifecycle.begin(record, "CREATE_SERVICE", None)
        return {"Service": service, "OperationId": op_id}

    def _new_service(self, params: dict) -> dict:
        now = time.time()
        sid = defaults.service_id()
        service = {
            "ServiceName": params["ServiceName"], "ServiceId": sid,
            "ServiceArn": defaults.service_arn(self.region, self.account_id, params["ServiceName"], sid),
            "ServiceUrl": defaults.service_url(self.region), "CreatedAt": now, "UpdatedAt": now,
            "Status": "OPERATION_IN_PROGRESS",
            "AutoScalingConfigurationSummary": defaults.autoscaling_summary(
                params.get("AutoScalingConfigurationArn")
                or defaults.default_autoscaling_arn(self.region, self.account_id), now),
        }
        service.update(copy.deepcopy(defaults.SERVICE_DEFAULTS))
        if "ImageRepository" in params["SourceConfiguration"]:
            service["SourceConfiguration"]["ImageRepository"] = {
                "ImageConfiguration": dict(defaults.IMAGE_CONFIGURATION_DEFAULTS)}
        return self._apply(service, "CreateService", params)

    def _apply(self, service: dict, operation: str, params: dict) -> dict:
        """Read-modify-write of ``service`` with the Service-level members of ``params``."""
        shape = service_model().operation_model(operation).input_shape
        for name, value in params.items():
            if name == "AutoScalingConfigurationArn":
                service["AutoScalingConfigurationSummary"] = defaults.autoscaling_summary(value, time.time())
            elif shape.members[name].type_name == "structure":  # the configuration members
                service[name] = merge(shape.members[name], service.get(name), value)
        return service

    def describe_service(self, params: dict) -> dict:
        return {"Service": self._record(params["ServiceArn"])["service"]}

    def list_services(self, params: dict) -> dict:
        services = [rec["service"] for rec in self.store.services.values() if rec["service"]["Status"] != "DELETED"]
        services.sort(key=lambda svc: svc["CreatedAt"], reverse=True)
        return paginate(services, lambda svc: svc["ServiceArn"], params, "ServiceSummaryList", PAGING)

    def update_service(self, params: dict) -> dict:
        record = self._mutable(params["ServiceArn"], "UpdateService")
        previous = copy.deepcopy(record["service"])
        self._apply(record["service"], "UpdateService", params)
        op_id = self.lifecycle.begin(record, "UPDATE_SERVICE", previous)
        return {"Service": record["service"], "OperationId": op_id}

    def start_deployment(self, params: dict) -> dict:
        record = self._mutable(params["ServiceArn"], "StartDeployment")
        op_id = self.lifecycle.begin(record, "START_DEPLOYMENT", copy.deepcopy(record["service"]))
        return {"OperationId": op_id}

    def pause_service(self, params: dict) -> dict:
        return self._simple(params, "PauseService", "PAUSE_SERVICE")

    def resume_service(self, params: dict) -> dict:
        return self._simple(params, "ResumeService", "RESUME_SERVICE")

    def delete_service(self, params: dict) -> dict:
        return self._simple(params, "DeleteService", "DELETE_SERVICE")

    def _simple(self, params: dict, operation: str, op_type: str) -> dict:
        record = self._mutable(params["ServiceArn"], operation)
        op_id = self.lifecycle.begin(record, op_type, None)
        return {"Service": record["service"], "OperationId": op_id}

    def list_operations(self, params: dict) -> dict:
        operations = list(reversed(self._record(params["ServiceArn"])["operations"]))
        return paginate(operations, lambda op: op["Id"], params, "OperationSummaryList", PAGING)

    # -- tags ------------------------------------------------------------------------------
    def list_tags_for_resource(self, params: dict) -> dict:
        return {"Tags": self._record(params["ResourceArn"])["tags"]}

    def tag_resource(self, params: dict) -> dict:
        record = self._record(params["ResourceArn"])
        keys = {tag["Key"] for tag in params["Tags"]}
        record["tags"] = [tag for tag in record["tags"] if tag["Key"] not in keys] + params["Tags"]
        self.store.save()
        return {}

    def untag_resource(self, params: dict) -> dict:
        record = self._record(params["ResourceArn"])
        record["tags"] = [tag for tag in record["tags"] if tag["Key"] not in params["TagKeys"]]
        self.store.save()
        return {}

    # -- lookups ---------------------------------------------------------------------------
    def _record(self, arn: str) -> dict:
        record = self.store.services.get(arn)
        if record is None:
            raise not_found(arn)
        return record

    def _mutable(self, arn: str, operation: str) -> dict:
        record = self._record(arn)
        pending = record.get("pending")
        if pending:
            raise invalid_state(f"Service {arn} has an operation in progress: "
                                f"{pending['Type']} ({pending['OperationId']}); retry {operation} when it ends")
        status = record["service"]["Status"]
        if status == "DELETED":
            raise not_found(arn)
        if status not in ALLOWED_STATUS[operation]:
            raise invalid_state(f"{operation} is not allowed while service {arn} is {status}")
        return record
