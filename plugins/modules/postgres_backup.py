#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: postgres_backup
short_description: Take a verified PostgreSQL backup with a manifest
version_added: 0.1.0
description:
  - Dumps O(database) with C(pg_dump) into O(backup_dir) as C(backup_<database>_<YYYYmmdd_HHMMSS>.<ext>)
    (UTC time; C(.dump) custom, C(.dir) directory, C(.sql) plain) and writes
    C(<file>.manifest.json) beside it.
  - The dump is written under a hidden temporary name and renamed only after C(pg_dump) succeeded
    and the archive was read back (C(pg_restore --list); for plain SQL, its completion trailer)
    and checksummed; the manifest is renamed last. A failed run (server unreachable, disk full,
    permission denied) removes its temporary files, so no partial file looks like a good backup.
  - 'The manifest holds: database, server_version, pg_dump_version, format, compress, file, size,
    sha256, created_at, duration_seconds, and when given, migrations (applied migrations per app,
    read from the O(django) project) and image.'
  - C(sha256) of a directory archive is the SHA-256 of the C(sha256sum) listing of its files
    sorted by name (C(<hex>  <name>) lines), so it can be checked with standard tools.
  - Every run creates a new backup, so C(changed) is always true outside check mode.
options:
  database:
    description: Database to back up.
    type: str
    required: true
    aliases: [db]
  backup_dir:
    description: Existing folder for the archive and its manifest.
    type: path
    required: true
  format:
    description:
      - C(custom) (C(pg_dump -Fc), one compressed file, the fast default), C(directory)
        (C(-Fd), dumped with O(jobs) parallel workers; fastest for large databases) or C(plain)
        (SQL text, restorable with psql; not compressed).
    type: str
    choices: [custom, directory, plain]
    default: custom
  compress:
    description: Compression level 0-9 for custom and directory formats (1 is fast and still small).
    type: int
    default: 1
  jobs:
    description: Parallel dump workers for the directory format.
    type: int
    default: 2
  image:
    description: Image tag (git SHA) running when the backup is taken, recorded in the manifest.
    type: str
  django:
    description:
      - A Django project whose applied migrations are recorded in the manifest (see
        M(lacrei.rollback.django_migrations) for the meaning of each option).
    type: dict
    suboptions:
      project_path:
        description: Folder of the project checkout.
        type: path
        required: true
      settings:
        description: E(DJANGO_SETTINGS_MODULE).
        type: str
      python:
        description: Interpreter or virtualenv folder of the project.
        type: path
      environment:
        description: Extra environment (for example E(DATABASE_URL)); secret.
        type: dict
        default: {}
      database:
        description: Django database alias.
        type: str
        default: default
extends_documentation_fragment:
  - lacrei.rollback.postgres
notes:
  - Check mode connects to read the server version and returns the path the backup would get;
    it writes nothing.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Back up the API database before a risky change
  lacrei.rollback.postgres_backup:
    database: consultas_medicas
    backup_dir: /var/backups/consultas
    login_host: db.internal
    login_user: consultas
    login_password: "{{ vault_db_password }}"
    image: "{{ current_image_tag }}"
    django:
      project_path: /srv/consultas
      environment:
        DATABASE_URL: "{{ database_url }}"
  register: backup

- name: A directory-format backup with four workers
  lacrei.rollback.postgres_backup:
    database: consultas_medicas
    backup_dir: /var/backups/consultas
    format: directory
    jobs: 4
"""

RETURN = r"""
backup_path:
  description:
    - The backup archive (would be, in check mode).
    - Not called C(path) because Ansible overwrites C(size) with the folder's own size for any
      result that has a C(path) naming a folder (directory format).
  returned: always
  type: str
  sample: /var/backups/consultas/backup_consultas_medicas_20260209_120000.dump
manifest_path:
  description: The manifest beside it.
  returned: always
  type: str
  sample: /var/backups/consultas/backup_consultas_medicas_20260209_120000.dump.manifest.json
size:
  description: Archive size in bytes.
  returned: changed
  type: int
  sample: 482113
sha256:
  description: SHA-256 of the archive (see description for directories).
  returned: changed
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
duration_seconds:
  description: Seconds pg_dump took.
  returned: changed
  type: float
  sample: 1.42
verify_seconds:
  description: Seconds the read-back check and checksum took.
  returned: changed
  type: float
  sample: 0.08
manifest:
  description: The manifest written.
  returned: changed
  type: dict
  sample: {"database": "consultas_medicas", "format": "custom", "server_version": "15.18", "image": "3f2a9c1"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.django_command import (
    DJANGO_PROJECT_SPEC,
    DjangoProject,
)
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import FORMATS, manifest_path
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_backup import (
    BackupRequest,
    backup_path,
    check_backup_dir,
    create_backup,
)
from ansible_collections.lacrei.rollback.plugins.module_utils.postgres import POSTGRES_CONNECTION_SPEC, Postgres


def applied_migrations(module) -> dict | None:
    if not module.params["django"]:
        return None
    info = DjangoProject(module, module.params["django"]).probe("info")
    return {app: [m["name"] for m in rows if m["applied"]] for app, rows in info["migrations"].items()}


def backup_request(module) -> BackupRequest:
    params = module.params
    return BackupRequest(database=params["database"], backup_dir=params["backup_dir"], format=params["format"],
                         compress=params["compress"], jobs=params["jobs"], image=params["image"])


def take_backup(module, pg: Postgres) -> dict:
    request = backup_request(module)
    if module.check_mode:
        check_backup_dir(request.backup_dir)
        pg.server_version()
        path = backup_path(request)
        return dict(changed=True, backup_path=path, manifest_path=manifest_path(path))
    request.migrations = applied_migrations(module)
    return dict(changed=True, **create_backup(pg, request))


def main():
    argument_spec = dict(
        POSTGRES_CONNECTION_SPEC,
        database=dict(type="str", required=True, aliases=["db"]),
        backup_dir=dict(type="path", required=True),
        format=dict(type="str", choices=list(FORMATS), default="custom"),
        compress=dict(type="int", default=1),
        jobs=dict(type="int", default=2),
        image=dict(type="str"),
        django=dict(type="dict", options=DJANGO_PROJECT_SPEC),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    with fail_on_error(module):
        module.exit_json(**take_backup(module, Postgres(module)))


if __name__ == "__main__":
    main()
