#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: postgres_backup_info
short_description: List the PostgreSQL backups of a folder with their manifests, newest first
version_added: 0.1.0
description:
  - Lists the backups in O(backup_dir) - custom archives (C(.dump)), directory archives (a folder
    holding C(toc.dat)), plain SQL files (C(.sql)) and anything that has a
    C(<file>.manifest.json) beside it - newest first.
  - A backup with a manifest (written by M(lacrei.rollback.postgres_backup)) is listed with it
    (database, format, size, sha256, created_at, image, applied migrations); a hand-made
    C(pg_dump db > backup.sql) without manifest is listed too, dated by its modification time.
  - Hidden entries (the temporary C(.backup_*.partial-*) files of a backup in progress) are
    skipped, so only finished backups are listed.
  - With O(verify), each backup with a manifest is checked against it (size and SHA-256); this
    reads every file, so it takes as long as reading the backups.
options:
  backup_dir:
    description: Folder holding the backups.
    type: path
    required: true
  database:
    description: Only backups of this database (from the manifest, else from the C(backup_<database>_<stamp>) name).
    type: str
    aliases: [db]
  verify:
    description: Check each backup's size and SHA-256 against its manifest.
    type: bool
    default: false
notes:
  - Changes nothing; check mode behaves the same.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: List the backups of the API database, newest first
  lacrei.rollback.postgres_backup_info:
    backup_dir: /var/backups/consultas
    database: consultas_medicas
  register: backups

- name: The newest backup taken with its migrations recorded
  ansible.builtin.debug:
    msg: "{{ backups.backups | selectattr('manifest') | first }}"

- name: Check every backup against its manifest
  lacrei.rollback.postgres_backup_info:
    backup_dir: /var/backups/consultas
    verify: true
"""

RETURN = r"""
backups:
  description: The backups found, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    backup_path:
      description: Path of the backup (file or directory archive).
      type: str
      sample: /var/backups/consultas/backup_consultas_medicas_20260209_120000.dump
    manifest_path:
      description: Its manifest (null when there is none).
      type: str
      sample: /var/backups/consultas/backup_consultas_medicas_20260209_120000.dump.manifest.json
    database:
      description: Database backed up (manifest, else guessed from the name; null when unknown).
      type: str
      sample: consultas_medicas
    format:
      description: custom, directory or plain.
      type: str
      sample: custom
    size:
      description: Size in bytes (sum of the files for a directory archive).
      type: int
      sample: 482113
    created_at:
      description: When it was taken (manifest), else its modification time (ISO 8601, UTC).
      type: str
      sample: "2026-02-09T12:00:00+00:00"
    image:
      description: Image (git SHA) running when it was taken, from the manifest.
      type: str
      sample: 3f2a9c1
    migrations:
      description: Applied migrations per app when it was taken, from the manifest.
      type: dict
      sample: {"professionals": ["0001_initial", "0002_professional_display_name"]}
    manifest:
      description: The whole manifest (null when there is none).
      type: dict
      sample: {"database": "consultas_medicas", "format": "custom", "sha256": "9f86d0..."}
    verified:
      description: Whether size and SHA-256 match the manifest (null when not checked or no manifest).
      type: bool
      sample: true
    problem:
      description: Why the backup cannot be trusted (unreadable manifest, mismatch), else null.
      type: str
      sample: null
  sample: []
"""

import os
import re
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import (
    FORMATS,
    MANIFEST_SUFFIX,
    check_against_manifest,
    detect_format,
    manifest_path,
    read_manifest,
)

EXTENSIONS = tuple("." + ext for ext, _letter in FORMATS.values())
NAMED = re.compile(r"^backup_(?P<database>.+)_\d{8}_\d{6}(_\d+)?\.\w+$")


def is_backup(folder: str, name: str) -> bool:
    path = os.path.join(folder, name)
    if name.startswith(".") or name.endswith(MANIFEST_SUFFIX):
        return False
    if os.path.exists(manifest_path(path)):
        return True
    if os.path.isdir(path):
        return os.path.isfile(os.path.join(path, "toc.dat"))
    return name.endswith(EXTENSIONS)


def disk_size(path: str) -> int:
    if not os.path.isdir(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, name)) for root, _dirs, names in os.walk(path) for name in names)


def mtime_iso(path: str) -> str:
    return datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).isoformat(timespec="seconds")


def describe(path: str, verify: bool) -> dict:
    entry = dict(backup_path=path, manifest_path=None, manifest=None, verified=None, problem=None, image=None,
                 migrations=None)
    try:
        manifest = read_manifest(path)
    except ActionFailed as exc:
        manifest, entry["problem"] = None, exc.msg
    named = NAMED.match(os.path.basename(path))
    if manifest is None:
        return dict(entry, database=named.group("database") if named else None, format=detect_format(path),
                    size=disk_size(path), created_at=mtime_iso(path))
    entry.update(manifest_path=manifest_path(path), manifest=manifest, database=manifest.get("database"),
                 format=manifest.get("format"), size=manifest.get("size"),
                 created_at=manifest.get("created_at") or mtime_iso(path),
                 image=manifest.get("image"), migrations=manifest.get("migrations"))
    if verify:
        entry.update(verified_entry(path, manifest))
    return entry


def verified_entry(path: str, manifest: dict) -> dict:
    try:
        check_against_manifest(path, manifest)
    except ActionFailed as exc:
        return dict(verified=False, problem=exc.msg)
    return dict(verified=True)


def list_backups(params: dict) -> list:
    folder = params["backup_dir"]
    if not os.path.isdir(folder):
        raise ActionFailed(f"backup_dir {folder} does not exist or is not a folder")
    found = [describe(os.path.join(folder, name), params["verify"])
             for name in sorted(os.listdir(folder)) if is_backup(folder, name)]
    if params["database"]:
        found = [entry for entry in found if entry["database"] == params["database"]]
    return sorted(found, key=lambda entry: (parse_time(entry["created_at"]), entry["backup_path"]), reverse=True)


def parse_time(text: str) -> datetime:
    """Manifest times are ISO 8601 with offset; anything unreadable sorts last."""
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def main():
    argument_spec = dict(
        backup_dir=dict(type="path", required=True),
        database=dict(type="str", aliases=["db"]),
        verify=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    with fail_on_error(module):
        module.exit_json(changed=False, backups=list_backups(module.params))


if __name__ == "__main__":
    main()
