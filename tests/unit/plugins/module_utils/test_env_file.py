"""Environment files: parsing and refusing placeholders; names masked by pattern."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import env_file
from ansible_collections.lacrei.rollback.plugins.module_utils.env_masking import env_changes, is_secret, masked

TEXT = """# comment
export FEATURE_APPOINTMENTS=on
LOG_LEVEL = "info"   
ALLOWED_HOSTS='*'
TIMEOUT=30 # seconds
EMPTY=
"""


def test_parse():
    assert env_file.parse(TEXT) == {"FEATURE_APPOINTMENTS": "on", "LOG_LEVEL": "info", "ALLOWED_HOSTS": "*",
                                    "TIMEOUT": "30", "EMPTY": ""}
    with pytest.raises(env_file.EnvFileError, match="line 1"):
        env_file.parse("not a variable line")


def test_a_line_that_is_not_name_value_is_an_error_or_left_out():
    text = "A=1\necho hello\nB='two words'\n"
    with pytest.raises(env_file.EnvFileError, match="line 2 of sb/env"):
        env_file.parse(text, "sb/env")
    assert env_file.parse(text, "sb/env", strict=False) == {"A": "1", "B": "two words"}


@pytest.mark.parametrize("value", ["", "  ", "REPLACE_ME", "changeme", "<your-token>", "xxx", "${VALUE}", "your-key", "..."])
def test_placeholders(value):
    assert env_file.is_placeholder(value)


@pytest.mark.parametrize("value", ["on", "info", "*", "0", "https://api.example.com", "exampled"])
def test_real_values(value):
    assert not env_file.is_placeholder(value)


def test_required_variables_must_be_usable():
    variables = {"A": "on", "B": "REPLACE_ME", "C": ""}
    with pytest.raises(env_file.EnvFileError) as err:
        env_file.require_usable(variables, "f")
    assert "B, C" in err.value.msg and err.value.details["unusable_variables"]["placeholder"] == ["B", "C"]
    assert env_file.require_usable(variables, "f", required=["A"]) == variables
    with pytest.raises(env_file.EnvFileError, match="missing: D"):
        env_file.require_usable(variables, "f", required=["A", "D"])
    with pytest.raises(env_file.EnvFileError, match="defines no variables"):
        env_file.require_usable({}, "f")


def test_masking_and_changes():
    assert is_secret("django_secret_key") and is_secret("DB_PASSWORD") and is_secret("DATABASE_URL")
    assert not is_secret("FEATURE_APPOINTMENTS")
    assert masked({"API_TOKEN": "t", "MODE": "x"}) == {"API_TOKEN": "********", "MODE": "x"}
    assert masked({"MODE": "x"}, patterns=["MODE"]) == {"MODE": "********"}
    assert env_changes({"A": "1", "B": "2"}, {"B": "3", "C": "4"}) == {"added": ["C"], "removed": ["A"], "changed": ["B"]}
