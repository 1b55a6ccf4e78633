#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: django_rollback_plan
short_description: Decide whether rolling a Django app back needs the database to go back too
version_added: 0.2.0
description:
  - Compares the migrations applied in the database with the migrations of the release to go
    back to (O(target_project_path)), and judges each migration the target does not have
    (C(ahead)) with the code of the release that runs now (O(current_project_path)), which is
    the only code that knows it.
  - A migration is B(compatible) when the target's code runs against the schema with it still
    applied. C(CreateModel), C(AddIndex), C(RemoveIndex), C(RemoveConstraint), state-only
    operations, a nullable C(AddField) or one with a database default (C(db_default)) are
    compatible. C(AddField) NOT NULL without a database default, C(RemoveField),
    C(DeleteModel), C(RenameField), C(RenameModel), C(AlterModelTable), C(AlterField) to NOT NULL,
    to another column type or to unique, C(AddConstraint) and an C(AlterUniqueTogether) that adds
    a unique set are not.
  - C(RunSQL), C(RunPython) and any other operation are unknown and count as incompatible,
    unless the migration class declares C(rollback_compatible = True) (the migration's author
    states that the earlier code runs with it applied; the whole migration is then compatible).
  - The verdict C(plan) is C(app_only) (nothing ahead, or all of it compatible),
    C(unapply_then_deploy) (something incompatible and every migration ahead reversible;
    unapply them with the running release's code, then deploy) or C(restore_required)
    (something incompatible that cannot be unapplied; restore a backup taken before it).
  - A target release whose migrations are not all applied in the database is refused, because
    that database is not the one the target expects.
  - Read-only. The projects run with their own interpreter and settings through a small
    read-only helper in C(manage.py shell), as M(lacrei.rollback.django_migrations_info) does.
options:
  current_project_path:
    description: Checkout of the release that runs now (holds C(manage.py)).
    type: path
    required: true
  target_project_path:
    description: Checkout of the release to roll back to (holds C(manage.py)).
    type: path
    required: true
  settings:
    description: Value for E(DJANGO_SETTINGS_MODULE) in both releases; default is what C(manage.py) sets.
    type: str
  python:
    description:
      - Python interpreter, or a virtualenv folder (its C(bin/python) is used), for both releases.
      - Default C(<project path>/.venv) of each release when it exists, else C(python3) from E(PATH).
    type: path
  environment:
    description:
      - Extra environment for both releases, for example E(DATABASE_URL) (the database connection
        comes through here, never through the command line). Values are secret (C(no_log)).
    type: dict
    default: {}
  database:
    description: Django database alias.
    type: str
    default: default
notes:
  - Never changes anything; check mode behaves the same.
  - Only the running release's code can unapply a migration the target lacks (the target has
    never heard of it). Carry out C(unapply_then_deploy) with M(lacrei.rollback.django_migrations)
    in O(current_project_path), one C(app)/C(target) pair of C(unapply_targets) at a time, before
    the target is deployed.
seealso:
  - module: lacrei.rollback.django_migrations
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Decide what rolling back from the running release to v1.2.0 means for the database
  lacrei.rollback.django_rollback_plan:
    current_project_path: /var/tmp/lacrei-rollback/checkouts/6f1c2e0a9b7d...
    target_project_path: /var/tmp/lacrei-rollback/checkouts/2b7e4d1c0a9f...
    settings: consultas.settings
    python: /srv/consultas/.venv
    environment:
      DATABASE_URL: "{{ database_url }}"
  register: rollback_plan

- name: Unapply what the target cannot run with, with the running release's code
  lacrei.rollback.django_migrations:
    project_path: /var/tmp/lacrei-rollback/checkouts/6f1c2e0a9b7d...
    environment:
      DATABASE_URL: "{{ database_url }}"
    app: "{{ item.key }}"
    target: "{{ item.value }}"
  loop: "{{ rollback_plan.unapply_targets | dict2items }}"
  when: rollback_plan.plan == 'unapply_then_deploy'
"""

RETURN = r"""
plan:
  description: C(app_only), C(unapply_then_deploy) or C(restore_required).
  returned: success
  type: str
  sample: unapply_then_deploy
compatible:
  description: Whether every migration in RV(ahead) is compatible with the target's code.
  returned: success
  type: bool
  sample: false
ahead:
  description:
    - The migrations applied in the database that the target release does not have, in the
      order they would have to be unapplied.
  returned: success
  type: list
  elements: dict
  contains:
    app:
      description: App label.
      type: str
    name:
      description: Migration name.
      type: str
    operations:
      description: The Django operation class names, in order.
      type: list
      elements: str
    reversible:
      description: Whether Django can unapply it.
      type: bool
    compatible:
      description: Whether the target's code can run against the schema with it applied.
      type: bool
    reasons:
      description: One sentence per problem, naming the model and field.
      type: list
      elements: str
  sample:
    - app: appointments
      name: 0003_appointment_booking_channel
      operations: [AddField]
      reversible: true
      compatible: false
      reasons: ["appointments.Appointment.booking_channel is added NOT NULL without a database default: ..."]
unapply_targets:
  description: Per app with migrations ahead, the migration to migrate back to, or C(zero).
  returned: success
  type: dict
  sample: {"appointments": "0002_appointment_notes"}
irreversible:
  description: C(app.name) of the migrations ahead that cannot be unapplied.
  returned: success
  type: list
  elements: str
  sample: ["professionals.0004_normalize_emails"]
target_migrations:
  description: Per app, the migrations the target release has (all applied), in order.
  returned: success
  type: dict
  sample: {"appointments": ["0001_initial", "0002_appointment_notes"]}
summary:
  description: The plan in a few lines for a person.
  returned: success
  type: list
  elements: str
  sample: ["Plan: unapply_then_deploy (1 migration ahead of the target, 1 incompatible)"]
target_ahead:
  description: On refusal, C(app.name) of the target's migrations that the database does not have.
  returned: when the target release is ahead of the database
  type: list
  elements: str
  sample: ["appointments.0004_reminders"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.django_command import DjangoProject

PROJECT_OPTIONS = ("settings", "python", "environment", "database")


def release(module, path_option: str) -> DjangoProject:
    params = {key: module.params[key] for key in PROJECT_OPTIONS}
    return DjangoProject(module, dict(params, project_path=module.params[path_option]))


def target_state(target: DjangoProject) -> dict:
    """{app: [names]} of the target release; refused when any of them is not applied."""
    migrations = target.probe("info")["migrations"]
    missing = [f"{app}.{row['name']}" for app, rows in migrations.items() for row in rows if not row["applied"]]
    if missing:
        raise ActionFailed(
            f"Refusing to plan the rollback: the target release has migrations that are not applied in this "
            f"database: {', '.join(missing)}. That database is not the one the target expects (was it restored "
            "from an older backup, or is the target newer than the database?). Nothing was changed.",
            target_ahead=missing)
    return {app: [row["name"] for row in rows] for app, rows in migrations.items() if rows}


def verdict(ahead: list) -> str:
    if all(step["compatible"] for step in ahead):
        return "app_only"
    if all(step["reversible"] for step in ahead):
        return "unapply_then_deploy"
    return "restore_required"


def summary(plan: str, ahead: list, unapply_targets: dict) -> list:
    incompatible = [step for step in ahead if not step["compatible"]]
    lines = [f"Plan: {plan} ({len(ahead)} migration(s) ahead of the target, {len(incompatible)} incompatible)"]
    for step in ahead:
        marks = ("compatible" if step["compatible"] else "INCOMPATIBLE",
                 "reversible" if step["reversible"] else "IRREVERSIBLE")
        lines.append(f"  {step['app']}.{step['name']} [{', '.join(step['operations']) or 'no operations'}]: "
                     f"{', '.join(marks)}")
        lines.extend(f"    - {reason}" for reason in step["reasons"])
    if plan == "unapply_then_deploy":
        lines.append("Unapply with the running release's code, before deploying the target: " + ", ".join(
            f"migrate {app} {target}" for app, target in sorted(unapply_targets.items())))
    elif plan == "restore_required":
        blocked = [f"{step['app']}.{step['name']}" for step in ahead if not step["reversible"]]
        lines.append(f"Cannot be unapplied: {', '.join(blocked)}. Restore a backup taken at a migration state "
                     "the target accepts.")
    return lines


def rollback_plan(module) -> dict:
    target_migrations = target_state(release(module, "target_project_path"))
    answer = release(module, "current_project_path").probe("rollback", target_migrations=target_migrations)
    ahead = [{key: step[key] for key in ("app", "name", "operations", "reversible", "compatible", "reasons")}
             for step in answer["ahead"]]
    plan = verdict(ahead)
    unapply_targets = answer["unapply_targets"]
    return dict(changed=False, plan=plan, compatible=plan == "app_only", ahead=ahead,
                unapply_targets=unapply_targets, target_migrations=target_migrations,
                irreversible=[f"{step['app']}.{step['name']}" for step in ahead if not step["reversible"]],
                summary=summary(plan, ahead, unapply_targets))


def main():
    argument_spec = dict(
        current_project_path=dict(type="path", required=True),
        target_project_path=dict(type="path", required=True),
        settings=dict(type="str"),
        python=dict(type="path"),
        environment=dict(type="dict", no_log=True, default={}),
        database=dict(type="str", default="default"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    with fail_on_error(module):
        module.exit_json(**rollback_plan(module))


if __name__ == "__main__":
    main()
