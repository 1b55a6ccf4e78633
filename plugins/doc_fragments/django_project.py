# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The Django project a module runs manage.py in
    # (plugins/module_utils/django_command.py DJANGO_PROJECT_SPEC).
    DOCUMENTATION = r"""
options:
  project_path:
    description: Folder of the project checkout (holds C(manage.py)).
    type: path
    required: true
  settings:
    description: Value for E(DJANGO_SETTINGS_MODULE); default is what C(manage.py) sets.
    type: str
  python:
    description:
      - Python interpreter of the project, or a virtualenv folder (its C(bin/python) is used).
      - Default C(<project_path>/.venv) when it exists, else C(python3) from E(PATH).
    type: path
  environment:
    description:
      - Extra environment for the project (for example E(DATABASE_URL)). Values are secret
        (C(no_log)).
    type: dict
    default: {}
  database:
    description: Django database alias.
    type: str
    default: default
"""
