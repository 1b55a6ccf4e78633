#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: report_files
short_description: Write a report's files (JSON, Markdown, a chart) next to each other in one step
description:
  - Writes each of O(files) to C(<path>.<suffix>), creating the folder of O(path) (mode C(0755)) when
    it is missing. Each file is written whole to a temporary file beside it, then renamed over the
    old one, so a reader never sees half a report.
  - A file that already holds the same content is left alone; the task is changed when any file was
    created or rewritten. In check mode nothing is written and the result says what would be.
  - The incident report of the emergency, the drill report and the guarded deploy's report use it
    (one task instead of a file, a copy and a template task each, which started a Python of their
    own each).
version_added: "0.2.0"
options:
  path:
    description:
      - The report's path without its suffix (for example C(reports/incident-20260502T134510Z)).
    type: path
    required: true
  files:
    description:
      - The content of each file, by suffix (C(json), C(md), C(svg)...); a suffix is letters and digits.
        A null content writes no file (a chart only some reports have).
    type: dict
    required: true
  mode:
    description: Permissions of the files written.
    type: str
    default: "0644"
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Write the drill report (JSON and Markdown)
  lacrei.rollback.report_files:
    path: "{{ reports_dir }}/drill-app_rollback-{{ stamp }}"
    files:
      json: "{{ report | to_nice_json(indent=2) }}"
      md: "{{ lookup('ansible.builtin.template', 'report.md.j2') }}"
"""

RETURN = r"""
files:
  description: The path of each file, by suffix.
  returned: always
  type: dict
  sample: {json: reports/drill-app_rollback-20260502T134510Z.json, md: reports/drill-app_rollback-20260502T134510Z.md}
written:
  description: The suffixes of the files created or rewritten (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [json, md]
"""

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params

SUFFIX = re.compile(r"[A-Za-z0-9]{1,16}")


def same_content(path: str, content: bytes) -> bool:
    try:
        with open(path, "rb") as existing:
            return existing.read() == content
    except OSError:
        return False


def write_whole(path: str, content: bytes, mode: int) -> None:
    """Write to a temporary file in the same folder, then rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".report-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type="path", required=True),
                                              files=dict(type="dict", required=True),
                                              mode=dict(type="str", default="0644")),
                           supports_check_mode=True)
    refuse_bad_params(module, dict(path="path"))
    base, files = module.params["path"], module.params["files"]
    bad = sorted(str(suffix) for suffix in files if not SUFFIX.fullmatch(str(suffix)))
    if bad or not any(value is not None for value in files.values()):
        module.fail_json(msg=f"files must name each file by a suffix of letters and digits (json, md, svg), not "
                             f"{', '.join(map(repr, bad)) or 'nothing'}; nothing was written")
    try:
        mode = int(module.params["mode"], 8)
    except ValueError:
        module.fail_json(msg=f"mode must be octal such as 0644, not {module.params['mode']!r}; nothing was written")
    folder = os.path.dirname(base) or "."
    if os.path.exists(folder) and not os.path.isdir(folder):
        module.fail_json(msg=f"{folder} is not a folder: the report {base} cannot be written there; nothing was written")
    files = {suffix: value for suffix, value in files.items() if value is not None}
    paths = {suffix: f"{base}.{suffix}" for suffix in files}
    contents = {suffix: str(value).encode("utf-8") for suffix, value in files.items()}
    written = [suffix for suffix in files if not same_content(paths[suffix], contents[suffix])]
    if written and not module.check_mode:
        done = []
        try:
            os.makedirs(folder, mode=0o755, exist_ok=True)
            for suffix in written:
                write_whole(paths[suffix], contents[suffix], mode)
                done.append(suffix)
        except OSError as err:
            module.fail_json(msg=f"Could not write the report {base}: {err}", changed=bool(done), files=paths,
                             written=done)
    module.exit_json(changed=bool(written), files=paths, written=written)


if __name__ == "__main__":
    main()
