"""ListOperations and ListServices pages: newest first, MaxResults, NextToken."""
from __future__ import annotations

import pytest

from tests.apprunner_operations import wait_operation


def all_pages(call, list_name: str, **params) -> list[list]:
    pages, token = [], None
    while True:
        answer = call(**params, **({"NextToken": token} if token else {}))
        pages.append(answer[list_name])
        token = answer.get("NextToken")
        if not token:
            return pages


def test_list_operations_pages_newest_first(emulator, apprunner, running_service):
    arn, _ = running_service()
    emulator.control("faults", {"deploy_seconds": 0})
    for _ in range(4):
        wait_operation(apprunner, arn, apprunner.start_deployment(ServiceArn=arn)["OperationId"])
    everything = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
    assert [op["Type"] for op in everything] == ["START_DEPLOYMENT"] * 4 + ["CREATE_SERVICE"]
    started = [op["StartedAt"] for op in everything]
    assert started == sorted(started, reverse=True)

    pages = all_pages(apprunner.list_operations, "OperationSummaryList", ServiceArn=arn, MaxResults=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [op["Id"] for page in pages for op in page] == [op["Id"] for op in everything]

    with pytest.raises(apprunner.exceptions.InvalidRequestException, match="NextToken"):
        apprunner.list_operations(ServiceArn=arn, NextToken="bm90LWFuLWlk")


def test_list_services_pages(emulator, apprunner, running_service):
    emulator.control("faults", {"deploy_seconds": 0})
    arns = [running_service()[0] for _ in range(3)]
    pages = all_pages(apprunner.list_services, "ServiceSummaryList", MaxResults=1)
    assert [s["ServiceArn"] for page in pages for s in page] == arns[::-1]
