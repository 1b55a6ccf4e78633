# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: env_file
author:
  - Lacrei Saúde (@lacrei-saude)
version_added: "0.2.0"
short_description: The variables of an environment file, as one dict
description:
  - Reads an environment file (C(NAME=value) lines, optional C(export), C(#) comments, quoted values)
    into one dict, with the parser the modules use (module_utils C(env_file)).
  - A file that does not exist gives an empty dict (for the sandbox inventory, a sandbox not started yet).
    Lines that are not C(NAME=value) (the file is a shell's too) are left out.
  - One Python call where the same in Jinja (C(lookup('file')), C(splitlines), C(select), C(map),
    C(items2dict)) costs about 12 ms each time a variable built on it is used, for every task.
options:
  _terms:
    description: Path of the file.
    required: true
  prefix:
    description: Only the variables whose names start with this.
    type: str
    default: ""
  exclude:
    description: Names left out.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
sandbox_env: "{{ lookup('lacrei.rollback.env_file', sandbox_dir ~ '/env') }}"
aws_settings: "{{ lookup('lacrei.rollback.env_file', '.env', prefix='AWS_', exclude=['AWS_SECRET_ACCESS_KEY']) }}"
"""

RETURN = r"""
_raw:
  description: "One dict per file: C(NAME) to C(value)."
  type: list
  elements: dict
"""

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

from ansible_collections.lacrei.rollback.plugins.module_utils.env_file import parse


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        prefix = self.get_option("prefix")
        exclude = set(self.get_option("exclude"))
        found = []
        for term in terms:
            try:
                with open(term, encoding="utf-8") as handle:
                    text = handle.read()
            except FileNotFoundError:
                text = ""
            except OSError as exc:
                raise AnsibleError(f"Cannot read the environment file {term}: {exc.strerror}") from exc
            values = parse(text, str(term), strict=False)
            found.append({name: value for name, value in values.items()
                          if name.startswith(prefix) and name not in exclude})
        return found
