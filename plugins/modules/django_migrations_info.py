#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: django_migrations_info
short_description: Show which Django migrations are applied, per app
version_added: 0.1.0
description:
  - Lists every app's migrations in graph order and whether each is applied (like
    C(manage.py showmigrations)), changing nothing.
  - The project runs with its own interpreter and settings; the module reads the migration
    state by running a small read-only helper through C(manage.py shell). See
    M(lacrei.rollback.django_migrations) to apply or unapply migrations.
options:
  app:
    description: App label to show; default every app with migrations.
    type: str
extends_documentation_fragment:
  - lacrei.rollback.django_project
notes:
  - Never changes anything; check mode behaves the same. To see the plan of a migration, run
    M(lacrei.rollback.django_migrations) in check mode.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Show the migrations of every app
  lacrei.rollback.django_migrations_info:
    project_path: /srv/consultas
    environment:
      DATABASE_URL: "{{ database_url }}"
  register: migrations

- name: Show the migrations of professionals
  lacrei.rollback.django_migrations_info:
    project_path: /srv/consultas
    python: /srv/consultas/.venv
    settings: consultas.settings
    environment:
      DATABASE_URL: "{{ database_url }}"
    app: professionals
"""

RETURN = r"""
migrations:
  description: Per app (only O(app) when given), its migrations in graph order with C(applied).
  returned: always
  type: dict
  sample: {"professionals": [{"name": "0001_initial", "applied": true}, {"name": "0002_specialty", "applied": false}]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.django_command import (
    DJANGO_PROJECT_SPEC,
    DjangoProject,
)


def main():
    argument_spec = dict(DJANGO_PROJECT_SPEC, app=dict(type="str"))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    refuse_bad_params(module, dict(app="app_label"))
    with fail_on_error(module):
        project = DjangoProject(module, module.params)
        module.exit_json(changed=False, **project.probe("info", app=module.params["app"]))


if __name__ == "__main__":
    main()
