#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: django_migrations
short_description: Migrate a Django app forwards or backwards safely
version_added: 0.1.0
description:
  - Computes the plan with Django's own C(MigrationExecutor) B(before) touching
    anything, then runs C(manage.py migrate) when there is something to do. A backward plan that would cross an irreversible
    operation (C(RunPython) without C(reverse_code), C(RunSQL) without C(reverse_sql), any
    operation with C(reversible = False)) is refused with nothing unapplied, naming the migration
    and the operation; restore a backup taken before that migration instead.
  - The project runs with its own interpreter and settings; the module reads the migration
    state by running a small read-only helper through C(manage.py shell).
  - To only show which migrations are applied, use M(lacrei.rollback.django_migrations_info).
options:
  app:
    description:
      - App label to migrate. Without it every unapplied migration of every app is applied.
    type: str
  target:
    description:
      - Migration to migrate O(app) to - a full name (C(0002_seed)), a unique prefix (C(0002)),
        or C(zero) to unapply all of the app's migrations. Default is the app's latest.
      - Requires O(app).
    type: str
  maintenance_db:
    description:
      - Database of the same server where the advisory lock session connects (with the credentials
        of C(DATABASE_URL) in O(environment)).
    type: str
    default: postgres
extends_documentation_fragment:
  - lacrei.rollback.django_project
notes:
  - Check mode computes and returns the plan without touching the database.
  - C(changed) is true exactly when migrations were applied or unapplied.
  - With a PostgreSQL C(DATABASE_URL), C(manage.py migrate) runs under the database's advisory lock
    (C(pg_try_advisory_lock), the same fixed key per database as M(lacrei.rollback.postgres_restore));
    when another session holds it the module fails at once, naming it, and nothing is migrated.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Apply every pending migration
  lacrei.rollback.django_migrations:
    project_path: /srv/consultas
    environment:
      DATABASE_URL: "{{ database_url }}"

- name: Roll professionals back to 0001_initial (refused if an irreversible step is in the way)
  lacrei.rollback.django_migrations:
    project_path: /srv/consultas
    python: /srv/consultas/.venv
    settings: consultas.settings
    environment:
      DATABASE_URL: "{{ database_url }}"
    app: professionals
    target: "0001"

- name: Unapply every migration of an app
  lacrei.rollback.django_migrations:
    project_path: /srv/consultas
    app: appointments
    target: zero
"""

RETURN = r"""
advisory_lock_key:
  description: The PostgreSQL advisory lock key held while migrating (C(null) without PostgreSQL).
  returned: when migrations ran
  type: int
  sample: -3263115389914375186
migrations:
  description: Per app, its migrations in order with C(applied) (after the change when not in check mode).
  returned: always
  type: dict
  sample: {"professionals": [{"name": "0001_initial", "applied": true}, {"name": "0002_specialty", "applied": false}]}
plan:
  description:
    - Migrations to apply or unapply, in order, with their operations and reversibility.
  returned: always
  type: list
  elements: dict
  sample:
    - app: professionals
      name: 0003_backfill
      direction: unapply
      reversible: false
      operations: [{"type": "RunPython", "description": "Raw Python operation", "reversible": false}]
applied:
  description: C(app.name) of the migrations applied (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["professionals.0002_specialty"]
unapplied:
  description: C(app.name) of the migrations unapplied (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["professionals.0003_backfill"]
irreversible:
  description: On refusal, the migrations and operations that cannot be reversed.
  returned: when a backward plan is refused
  type: list
  elements: dict
  sample: [{"migration": "professionals.0003_backfill", "operation": "RunPython", "description": "Raw Python operation"}]
"""

from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils import pg_lock

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.django_command import (
    DJANGO_PROJECT_SPEC,
    DjangoProject,
)


def applied_names(migrations: dict) -> dict:
    return {app: [m["name"] for m in rows if m["applied"]] for app, rows in migrations.items()}


def irreversible_steps(plan: list) -> list:
    return [
        {"migration": f"{step['app']}.{step['name']}", "operation": op["type"], "description": op["description"]}
        for step in plan if step["direction"] == "unapply"
        for op in step["operations"] if not op["reversible"]
    ]


def refuse_irreversible(plan: list) -> None:
    blocked = irreversible_steps(plan)
    if blocked:
        first = blocked[0]
        raise ActionFailed(
            f"Refusing to migrate backwards: migration {first['migration']} has irreversible operation "
            f"{first['operation']} ({first['description']}). Nothing was unapplied; migrate to a target "
            "after it, or restore a backup taken before it.",
            irreversible=blocked, plan=plan)


def names(plan: list, direction: str) -> list:
    return [f"{step['app']}.{step['name']}" for step in plan if step["direction"] == direction]


def migrate_args(params: dict) -> list:
    args = ["migrate", "--noinput", "--database", params["database"]]
    if params["app"]:
        args.append(params["app"])
        if params["target"]:
            args.append(params["target"])
    return args


@contextmanager
def database_lock(module):
    """The PostgreSQL advisory lock of the project's database (DATABASE_URL), held while migrating;
    a database that is not PostgreSQL (or no psql here) migrates without it, with a warning."""
    url = (module.params["environment"] or {}).get("DATABASE_URL") or ""
    psql = module.get_bin_path("psql")
    if not url.startswith(("postgres://", "postgresql://")) or not psql:
        module.warn("Migrating without the PostgreSQL advisory lock: "
                    + ("no psql found" if url.startswith(("postgres", "postgresql")) else "DATABASE_URL is not PostgreSQL"))
        yield None
        return
    env, database = pg_lock.env_from_url(url)
    with pg_lock.advisory_lock(psql, env, module.params["maintenance_db"], database) as key:
        yield key


def ensure_migrated(module, project: DjangoProject) -> dict:
    params = module.params
    before = project.probe("plan", app=params["app"], target=params["target"])
    plan = before["plan"]
    refuse_irreversible(plan)
    result = dict(changed=bool(plan), plan=plan, applied=names(plan, "apply"),
                  unapplied=names(plan, "unapply"), migrations=before["migrations"])
    if plan and not module.check_mode:
        with database_lock(module) as key:
            result["advisory_lock_key"] = key
            project.manage(migrate_args(params), "run manage.py migrate")
        after = project.probe("plan", app=params["app"], target=params["target"])
        result["migrations"] = after["migrations"]
        if after["plan"]:
            raise ActionFailed("manage.py migrate finished but migrations are still pending",
                               pending=after["plan"], **result)
    if module._diff:
        result["diff"] = dict(before=applied_names(before["migrations"]), after=predicted(before["migrations"], plan))
    return result


def predicted(migrations: dict, plan: list) -> dict:
    after = applied_names(migrations)
    for step in plan:
        rows = after.setdefault(step["app"], [])
        if step["direction"] == "apply":
            rows.append(step["name"])
        elif step["name"] in rows:
            rows.remove(step["name"])
    return after


def main():
    argument_spec = dict(
        DJANGO_PROJECT_SPEC,
        app=dict(type="str"),
        target=dict(type="str"),
        maintenance_db=dict(type="str", default="postgres"),
    )
    module = AnsibleModule(argument_spec=argument_spec, required_by={"target": "app"}, supports_check_mode=True)
    refuse_bad_params(module, dict(app="app_label", target="migration", database="line"))
    with fail_on_error(module):
        project = DjangoProject(module, module.params)
        module.exit_json(**ensure_migrated(module, project))


if __name__ == "__main__":
    main()
