#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: input_check
short_description: Refuse a runbook's malformed or hostile input before anything runs
description:
  - Checks each value a person gave a runbook (its extra vars) against what it must be - a git SHA,
    a git ref that git cannot take for an option, a Django app label or migration, a duration, a
    single line of bounded length... - with the same rules the modules apply to their own options
    (module_utils C(input_checks)).
  - Fails on the first value that is not, with a message naming it, what it must be and that nothing
    was changed. Changes nothing; runs the same in check mode.
version_added: "0.2.0"
options:
  inputs:
    description:
      - The values, by the name the person gave them (C(sha), C(backup_file)...). Each is a dict with
        C(value) and either C(kind) (one of C(git_sha), C(git_ref), C(git_remote), C(app_label), C(migration),
        C(service_name), C(service_names), C(duration), C(release), C(config_version), C(relative_path),
        C(line), C(path), C(number), C(timestamp)) or C(choices) (a list); a C(path) may also name
        C(inside), a folder it must lie in (symlinks and C(..) resolved).
      - A value that is empty or null was not given and is not checked.
    type: dict
    required: true
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Refuse malformed input (nothing is changed yet)
  lacrei.rollback.input_check:
    inputs:
      sha: {value: "{{ sha | default('') }}", kind: git_sha}
      target: {value: "{{ target | default('') }}", choices: [previous]}
"""

RETURN = r"""
checked:
  description: The names of the values that were given and checked.
  returned: always
  type: list
  elements: str
  sample: [sha, confirm]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import KINDS, InputRefused, check, inside


def checked_inputs(inputs: dict) -> list:
    """The names of the given values; InputRefused at the first bad one."""
    checked = []
    for name, spec in inputs.items():
        spec = spec if isinstance(spec, dict) else {"value": spec}
        value = spec.get("value")
        if value is None or value == "":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        choices = spec.get("choices")
        check(name, value, spec.get("kind", "line"), tuple(choices) if choices is not None else None)
        if spec.get("inside"):
            inside(name, value, spec["inside"])
        checked.append(name)
    return checked


def main():
    module = AnsibleModule(argument_spec=dict(inputs=dict(type="dict", required=True)), supports_check_mode=True)
    unknown = sorted({spec.get("kind") for spec in module.params["inputs"].values()
                      if isinstance(spec, dict) and spec.get("kind", "line") not in KINDS}, key=str)
    if unknown:
        module.fail_json(msg=f"Unknown input kind(s) {', '.join(map(str, unknown))}; known: {', '.join(KINDS)}")
    try:
        checked = checked_inputs(module.params["inputs"])
    except InputRefused as refused:
        module.fail_json(msg=refused.msg, **refused.details)
    module.exit_json(changed=False, checked=checked)


if __name__ == "__main__":
    main()
