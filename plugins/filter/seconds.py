# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.seconds: a duration (30s, 10m, 1h; a bare number is seconds) as seconds."""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lacrei.rollback.plugins.module_utils.metrics import DURATION, UNIT_SECONDS


def seconds(value):
    found = DURATION.match(str(value))
    if not found:
        raise AnsibleFilterError(f"seconds takes a duration such as 30s, 10m or 1h, not {value!r}")
    total = float(found[1]) * UNIT_SECONDS[found[2]]
    return int(total) if total.is_integer() else total


class FilterModule:
    def filters(self):
        return {"seconds": seconds}
