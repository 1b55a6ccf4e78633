# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.input_check runs in the task's worker on the control node (plugins/plugin_utils/in_process.py)."""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.plugin_utils.in_process import action_for

ActionModule = action_for(__name__)
