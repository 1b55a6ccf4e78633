# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.service_name: the App Runner service's name, read from its ARN."""
from __future__ import annotations

import re

_NAME = re.compile(r"service/([^/]+)/")


def service_name(service_arn, fallback=""):
    found = _NAME.search(str(service_arn or ""))
    return found[1] if found else str(fallback)


class FilterModule:
    def filters(self):
        return {"service_name": service_name}
