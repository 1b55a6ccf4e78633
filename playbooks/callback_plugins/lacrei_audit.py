# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail callback, loaded for every playbook of this folder without any enabling.

Ansible loads callback plugins found in a ``callback_plugins`` folder beside a playbook; one that
does not ask to be enabled runs whatever the caller's ansible.cfg says. This is the collection's
``lacrei.rollback.audit`` under that rule, so an installed collection's runbooks write their
audit line too. When ``lacrei.rollback.audit`` is also enabled, one line is written, not two.
"""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.callback.audit import CallbackModule as AuditCallback


class CallbackModule(AuditCallback):
    CALLBACK_NAME = "lacrei_audit"
    CALLBACK_NEEDS_ENABLED = False
