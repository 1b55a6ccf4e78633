"""aws_caller_info against moto's STS (the session's moto server)."""
from __future__ import annotations

MODULE = "aws_caller_info"


def test_caller_identity(run_module, aws_env):
    result = run_module(MODULE, {})
    assert result["changed"] is False
    assert result["account"] == "123456789012" and result["arn"].startswith("arn:aws:sts::123456789012:")
    assert result["user_id"]


def test_unreachable_sts_fails_once_with_the_action(run_module, aws_env):
    result = run_module(MODULE, {"endpoint_url": "http://127.0.0.1:9", "max_attempts": 1})
    assert result["failed"] is True and result["msg"].startswith("Failed to get the AWS caller identity")
