#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: django_release_export
short_description: Export one release of the application repository into a folder, once
description:
  - Writes the files of commit O(rev) of the application repository O(repo_path) (C(git archive))
    into O(dest), so that a runbook's Django commands (showmigrations, the schema check, migrate) run
    with the code of that release.
  - An O(dest) that already holds C(manage.py) (an earlier export of the same commit) is used as it is;
    nothing is read from the repository then.
  - Never half written. The files are unpacked into O(scratch_path), which is renamed to O(dest) once
    complete. A run killed halfway leaves only the scratch folder and its tar archive, which the next
    run removes first. When another run put a complete O(dest) in place first, that one is kept.
  - Scratch space, not a change of the system. It runs the same under check mode and always reports
    C(changed=false).
  - A O(rev) that git could take for an option (starting with C(-)), or with C(..) or spaces, is refused
    before any git command. Archive members that would land outside the folder are refused too.
version_added: "0.2.0"
options:
  repo_path:
    description: Path of a local clone (or bare mirror) of the application repository.
    type: path
    required: true
  rev:
    description: The commit to export (a SHA, or a tag or branch naming one).
    type: str
    required: true
  dest:
    description: The folder of the export, named for the commit (C(<checkouts>/<sha>)).
    type: path
    required: true
  scratch_path:
    description:
      - The folder the files are unpacked into before the rename; its tar archive is C(<scratch_path>.tar).
      - Give each concurrent caller its own (the role adds the inventory host's name). Default C(<dest>.partial).
    type: path
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Export the release the service runs
  lacrei.rollback.django_release_export:
    repo_path: /srv/lacrei-saude-backend
    rev: ca6af6c0bd008e4c10defd36221dcfc031c93a7d
    dest: /var/tmp/lacrei-rollback/checkouts/ca6af6c0bd008e4c10defd36221dcfc031c93a7d
  check_mode: false  # scratch space: exported under --check too
"""

RETURN = r"""
exported:
  description: Whether this run wrote the files (false when O(dest) already held the release).
  returned: always
  type: bool
dest:
  description: The folder holding the release.
  returned: always
  type: str
commit:
  description: The full SHA of the exported commit (only when this run exported it).
  returned: when exported
  type: str
"""

import os
import tarfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.git import GitRepo
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import remove

INPUT_KINDS = {"rev": "git_ref", "repo_path": "path", "dest": "path", "scratch_path": "path"}


def holds_release(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "manage.py"))


def _unpack(archive_path: str, folder: str) -> None:
    with tarfile.open(archive_path) as archive:  # the "data" filter: nothing lands outside the folder
        archive.extractall(folder, filter="data")


def export(module, repo_path: str, rev: str, dest: str, scratch: str) -> dict:
    if holds_release(dest):
        return {"exported": False, "dest": dest}
    repo = GitRepo(module, repo_path)  # a clone or a bare mirror
    commit = repo.resolve(rev)
    if not commit:
        raise ActionFailed(f"{rev} names no commit of {repo_path} (or that is no git repository): fetch the "
                           "repository, or point app_repo_path at a clone of it. Nothing was exported.")
    archive_path = f"{scratch}.tar"
    for leftover in (scratch, archive_path):  # a killed run's: never trusted
        remove(leftover)
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    try:
        repo.run("archive", "--format=tar", f"--output={archive_path}", commit,
                 action=f"write the files of {rev} as a tar archive")
        os.mkdir(scratch, 0o755)
        _unpack(archive_path, scratch)
        try:
            os.rename(scratch, dest)
        except OSError as exc:
            if not holds_release(dest):  # not another run's complete export: something else is there
                raise ActionFailed(f"Cannot put the export of {rev} in place at {dest} ({exc.strerror}): "
                                   f"remove {dest} and run again.") from exc
    finally:
        for leftover in (scratch, archive_path):
            remove(leftover)
    return {"exported": True, "dest": dest, "commit": commit}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            repo_path=dict(type="path", required=True),
            rev=dict(type="str", required=True),
            dest=dict(type="path", required=True),
            scratch_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    refuse_bad_params(module, INPUT_KINDS)
    params = module.params
    with fail_on_error(module):
        result = export(module, params["repo_path"], params["rev"], params["dest"],
                        params["scratch_path"] or f"{params['dest']}.partial")
        module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
