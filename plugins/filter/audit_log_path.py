# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.audit_log_path: the audit trail's file, the one given or the XDG state default."""
from __future__ import annotations

import os


def default_audit_log_path(environ=None) -> str:
    """$XDG_STATE_HOME/lacrei-rollback/audit.jsonl, ~/.local/state/... when XDG_STATE_HOME is unset or empty."""
    state_home = (environ if environ is not None else os.environ).get("XDG_STATE_HOME") or "~/.local/state"
    return f"{state_home.rstrip('/')}/lacrei-rollback/audit.jsonl"


def audit_log_path(value=None):
    return str(value) if value else default_audit_log_path()


class FilterModule:
    def filters(self):
        return {"audit_log_path": audit_log_path}
