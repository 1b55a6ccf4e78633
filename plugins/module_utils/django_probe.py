# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Code run INSIDE a Django project (``manage.py shell -c``) to read its migration state.

``django_command.DjangoProject.probe`` sends this file's source in the environment and calls
``main()``; the request comes as JSON in ``LACREI_DJANGO_PROBE_ARGS`` and the answer is one
JSON line after ``MARKER`` on stdout. Nothing here writes to the database: it reads the
migration graph, the ``django_migrations`` table and Django's own ``MigrationExecutor`` plan.
Importable without Django (imports are inside the functions) and Python 3.8+ compatible.
"""
MARKER = "LACREI_DJANGO_PROBE_RESULT="
ARGS_VARIABLE = "LACREI_DJANGO_PROBE_ARGS"


class ProbeError(Exception):
    """A request the project cannot answer (unknown app, unknown or ambiguous target)."""


def executor_for(alias):
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[alias]
    connection.prepare_database()
    return MigrationExecutor(connection)


def app_migrations(loader, app):
    """Names of ``app``'s migrations in graph order."""
    names = []
    for leaf in loader.graph.leaf_nodes(app):
        for key in loader.graph.forwards_plan(leaf):
            if key[0] == app and key[1] not in names:
                names.append(key[1])
    return names


def check_app(loader, app):
    from django.apps import apps

    if app in loader.migrated_apps:
        return
    if app not in apps.app_configs:
        raise ProbeError("No installed app with label '%s'." % app)
    raise ProbeError("App '%s' does not have migrations." % app)


def state(loader, apps_=None):
    apps_ = apps_ or sorted(loader.migrated_apps)
    return {
        app: [{"name": name, "applied": (app, name) in loader.applied_migrations}
              for name in app_migrations(loader, app)]
        for app in apps_
    }


def resolve_targets(loader, app, target):
    """Targets as ``migrate`` computes them: zero, exact name, unique prefix, or the leaves."""
    from django.db.migrations.exceptions import AmbiguityError

    if app is None:
        return loader.graph.leaf_nodes()
    check_app(loader, app)
    if target is None:
        return [key for key in loader.graph.leaf_nodes() if key[0] == app]
    if target == "zero":
        return [(app, None)]
    if (app, target) in loader.disk_migrations:
        return [(app, target)]
    try:
        migration = loader.get_migration_by_prefix(app, target)
    except AmbiguityError:
        raise ProbeError("More than one migration matches '%s' in app '%s'. Please be more specific."
                         % (target, app))
    except KeyError:
        raise ProbeError("Cannot find a migration matching '%s' from app '%s'." % (target, app))
    return [(app, migration.name)]


def reversible(operation):
    inner = getattr(operation, "database_operations", None)  # SeparateDatabaseAndState
    if inner is not None:
        return all(reversible(op) for op in inner)
    return bool(operation.reversible)


def describe(operation):
    try:
        return operation.describe()
    except Exception:  # noqa: BLE001 - a third-party operation with a broken describe()
        return operation.__class__.__name__


def plan_step(migration, backwards):
    operations = [{"type": op.__class__.__name__, "description": describe(op), "reversible": reversible(op)}
                  for op in migration.operations]
    return {
        "app": migration.app_label,
        "name": migration.name,
        "direction": "unapply" if backwards else "apply",
        "reversible": all(op["reversible"] for op in operations),
        "operations": operations,
    }


def do_info(request):
    loader = executor_for(request["database"]).loader
    if request.get("app"):
        check_app(loader, request["app"])
        return {"migrations": state(loader, [request["app"]])}
    return {"migrations": state(loader)}


def do_plan(request):
    executor = executor_for(request["database"])
    targets = resolve_targets(executor.loader, request.get("app"), request.get("target"))
    plan = executor.migration_plan(targets)
    return {
        "targets": [list(key) for key in targets],
        "plan": [plan_step(migration, backwards) for migration, backwards in plan],
        "migrations": state(executor.loader),
    }


ACTIONS = {"info": do_info, "plan": do_plan}


def main():
    import json
    import os
    import sys

    request = json.loads(os.environ[ARGS_VARIABLE])
    try:
        result = dict(ok=True, **ACTIONS[request["action"]](request))
    except ProbeError as exc:
        result = {"ok": False, "error": str(exc)}
    sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()
