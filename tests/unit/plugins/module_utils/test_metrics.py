"""metrics: windows, durations, timestamps and service ARNs (the AWS reads are tested through the
module against moto in tests/integration/aws_modules/test_apprunner_metrics_info.py)."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import metrics
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/lacrei-saude-backend/8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c"


def test_service_from_arn():
    service = metrics.Service.from_arn(ARN)
    assert (service.name, service.service_id) == ("lacrei-saude-backend", "8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c")
    assert service.dimensions == [{"Name": "ServiceName", "Value": "lacrei-saude-backend"},
                                  {"Name": "ServiceID", "Value": "8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c"}]
    assert service.log_group() == "/aws/apprunner/lacrei-saude-backend/8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c/application"
    assert service.log_group("service").endswith("/service")


@pytest.mark.parametrize("arn", ["", "arn:aws:ecs:us-east-1:1:service/a/b", ARN + "/extra"])
def test_not_a_service_arn(arn):
    with pytest.raises(ActionFailed, match="Not an App Runner service ARN"):
        metrics.Service.from_arn(arn)


@pytest.mark.parametrize("text, seconds", [("30", 30), ("30s", 30), ("10m", 600), ("1h", 3600), ("1d", 86400),
                                           ("500ms", 0.5), (45, 45), (" 2 m ", 120)])
def test_parse_duration(text, seconds):
    assert metrics.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "-5m", "ten minutes", "5w"])
def test_bad_duration(text):
    with pytest.raises(ActionFailed, match="positive duration"):
        metrics.parse_duration(text, "window")


@pytest.mark.parametrize("text", ["2024-05-02T13:45:10Z", "2024-05-02T13:45:10+00:00", "2024-05-02T10:45:10-03:00",
                                  "2024-05-02 13:45:10", "1714657510", "1714657510.0"])
def test_parse_time(text):
    assert metrics.parse_time(text) == 1714657510


@pytest.mark.parametrize("seconds", [1, 5, 10, 30, 60, 300, 3600])
def test_cloudwatch_periods(seconds):
    assert metrics.check_period(seconds) == seconds


@pytest.mark.parametrize("seconds", [2, 7, 45, 90, 0.5])
def test_periods_cloudwatch_refuses(seconds):
    with pytest.raises(ActionFailed, match="CloudWatch periods"):
        metrics.check_period(seconds)


def test_window_aligns_down_and_keeps_whole_periods():
    window = metrics.Window.between(1000, 1250, 60)
    assert (window.start, window.count, window.end) == (960, 4, 1200)
    assert window.bounds()[0] == (960, 1020)
    assert [window.bucket_of(t) for t in (959, 960, 1019.9, 1020, 1199, 1200)] == [None, 0, 0, 1, 3, None]
    assert window.describe() == {"start": "1970-01-01T00:16:00+00:00", "end": "1970-01-01T00:20:00+00:00",
                                 "period_seconds": 60, "intervals": 4}


def test_window_shorter_than_a_period_is_refused():
    with pytest.raises(ActionFailed, match="no whole period"):
        metrics.Window.between(1000, 1010, 60)
