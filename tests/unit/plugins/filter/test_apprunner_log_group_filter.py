"""The lacrei.rollback.apprunner_log_group filter: the group for a name and id, a clear error without them."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lacrei.rollback.plugins.filter.apprunner_log_group import FilterModule

apprunner_log_group = FilterModule().filters()["apprunner_log_group"]


def test_the_filter_gives_the_group():
    assert apprunner_log_group("api", "8f2e") == "/aws/apprunner/api/8f2e/application"
    assert apprunner_log_group("api", "8f2e", "service") == "/aws/apprunner/api/8f2e/service"


@pytest.mark.parametrize("name, service_id, kind, message", [
    ("api", None, "application", "service id"),
    ("", "8f2e", "application", "service name"),
    ("api", "8f2e", "system", "application or service"),
])
def test_bad_input_is_a_clear_filter_error(name, service_id, kind, message):
    with pytest.raises(AnsibleFilterError, match=f"apprunner_log_group: .*{message}"):
        apprunner_log_group(name, service_id, kind)
