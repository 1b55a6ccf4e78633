"""The filters the roles' defaults share: service_name, service_target, audit_log_path and seconds."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lacrei.rollback.plugins.filter import audit_log_path, seconds, service_name, service_target

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/lacrei-api/0123456789abcdef"


def test_service_name_is_read_from_the_arn():
    assert service_name.FilterModule().filters()["service_name"](ARN, "host-1") == "lacrei-api"


@pytest.mark.parametrize("arn", ["", None, "not-an-arn", "arn:aws:apprunner:us-east-1:1:service"])
def test_service_name_falls_back_when_the_arn_holds_none(arn):
    assert service_name.service_name(arn, "host-1") == "host-1"


def test_the_audit_path_given_is_kept(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", "/elsewhere")
    assert audit_log_path.FilterModule().filters()["audit_log_path"]("/srv/audit.jsonl") == "/srv/audit.jsonl"


def test_the_default_audit_path_honours_xdg_state_home(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", "/var/state/me/")
    assert audit_log_path.audit_log_path("") == "/var/state/me/lacrei-rollback/audit.jsonl"


@pytest.mark.parametrize("environ", [{}, {"XDG_STATE_HOME": ""}])
def test_the_default_audit_path_without_xdg_state_home_is_under_local_state(environ):
    assert audit_log_path.default_audit_log_path(environ) == "~/.local/state/lacrei-rollback/audit.jsonl"


@pytest.mark.parametrize(("text", "expected"), [("30s", 30), ("10m", 600), ("1h", 3600), (" 2m ", 120), ("45", 45),
                                                (90, 90), ("0s", 0), ("500ms", 0.5)])
def test_seconds_reads_durations(text, expected):
    assert seconds.FilterModule().filters()["seconds"](text) == expected


@pytest.mark.parametrize("text", ["", "10x", "m", "-5s", "1h30m", None])
def test_seconds_refuses_what_is_not_a_duration(text):
    with pytest.raises(AnsibleFilterError, match="duration such as 30s"):
        seconds.seconds(text)


@pytest.mark.parametrize(("platform", "values", "expected"), [
    ("apprunner", {"service_arn": ARN, "service": "ignored"}, {"service_arn": ARN}),
    ("", {"service_arn": ARN}, {"service_arn": ARN}),
    ("ecs", {"service": "api", "cluster": "lacrei", "container": "web", "service_arn": ARN},
     {"service": "api", "cluster": "lacrei", "container": "web"}),
    ("ecs", {"service": "api", "cluster": "", "container": ""}, {"service": "api"}),
    ("ecs_express", {"express_service_arn": "arn:aws:ecs:us-east-1:1:service/c/api-x", "service": "api"},
     {"express_service_arn": "arn:aws:ecs:us-east-1:1:service/c/api-x"}),
])
def test_service_target_names_the_service_as_its_platform_does(platform, values, expected):
    assert service_target.FilterModule().filters()["service_target"](platform, **values) == expected


def test_service_target_refuses_another_platform():
    with pytest.raises(AnsibleFilterError, match="platform must be one of apprunner, ecs, ecs_express, not 'lambda'"):
        service_target.service_target("lambda")


@pytest.mark.parametrize(("target", "expected"), [
    ({"service_arn": ARN}, "lacrei-api"), ({"service_arn": ""}, "host-1"),
    ({"service": "api-ecs", "cluster": "c"}, "api-ecs"),
    ({"service": "arn:aws:ecs:us-east-1:1:service/c/api-ecs"}, "api-ecs"),
    ({"express_service_arn": "arn:aws:ecs:us-east-1:1:service/c/api-express"}, "api-express"),
    ({"service": ""}, "host-1"),
])
def test_service_name_of_a_service_target(target, expected):
    assert service_name.service_name(target, "host-1") == expected
