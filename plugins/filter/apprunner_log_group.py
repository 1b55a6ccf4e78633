# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.apprunner_log_group: the CloudWatch Logs group App Runner writes a service's logs to."""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lacrei.rollback.plugins.module_utils.cloudwatch_logs import log_group


def apprunner_log_group(service_name, service_id, kind="application"):
    try:
        return log_group(str(service_name or ""), str(service_id or ""), str(kind))
    except ValueError as error:
        raise AnsibleFilterError(f"apprunner_log_group: {error}") from error


class FilterModule:
    def filters(self):
        return {"apprunner_log_group": apprunner_log_group}
