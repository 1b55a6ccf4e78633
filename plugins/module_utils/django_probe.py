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


# -- rollback: can the target release's code run with the migrations it does not have? ---------
# Operations the target's code never notices: new tables and indexes, dropped indexes and
# constraints, state-only changes.
HARMLESS_OPERATIONS = {
    "CreateModel", "AddIndex", "RemoveIndex", "RenameIndex", "RemoveConstraint", "AlterModelOptions",
    "AlterModelManagers", "AlterIndexTogether", "AlterModelTableComment",
}


def model_label(state, app, model_name):
    model = state.models.get((app, model_name.lower()))
    return "%s.%s" % (app, model.name if model is not None else model_name)


def db_table(state, app, model_name):
    model = state.models.get((app, model_name.lower()))
    table = model.options.get("db_table") if model is not None else None
    return table or "%s_%s" % (app, model_name.lower())


def has_db_default(field):
    from django.db.models import NOT_PROVIDED

    return getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED


def column_type(field, connection):
    try:
        return field.db_type(connection)
    except Exception:  # noqa: BLE001 - a relation whose target is not resolved in a bare state
        return field.deconstruct()[1]


def add_field_problems(app, op, state, connection):
    field = op.field
    if field.many_to_many or field.null or has_db_default(field):
        return []
    return ["%s.%s is added NOT NULL without a database default: the target's code does not know it, "
            "so its INSERTs into %s fail (IntegrityError)"
            % (model_label(state, app, op.model_name), op.name, db_table(state, app, op.model_name))]


def alter_field_problems(app, op, state, connection):
    model = state.models.get((app, op.model_name_lower))
    old = model.fields.get(op.name) if model is not None else None
    label = "%s.%s" % (model_label(state, app, op.model_name), op.name)
    if old is None:
        return ["%s is altered but was not found in the migration state" % label]
    problems = []
    if old.null and not op.field.null:
        problems.append("%s becomes NOT NULL: the target's code writes NULL into it" % label)
    old_type, new_type = column_type(old, connection), column_type(op.field, connection)
    if old_type != new_type:
        problems.append("%s changes type from %s to %s: the target's code expects %s"
                        % (label, old_type, new_type, old_type))
    if op.field.unique and not old.unique:
        problems.append("%s becomes unique: the target's code may write duplicates" % label)
    return problems


def unique_together_problems(app, op, state, connection):
    model = state.models.get((app, op.name_lower))
    before = set(tuple(t) for t in (model.options.get("unique_together") or ())) if model is not None else set()
    added = sorted(set(tuple(t) for t in (op.option_value or ())) - before)
    if not added:
        return []
    return ["%s gains unique_together %s: the target's code may write rows it rejects"
            % (model_label(state, app, op.name), ", ".join("(%s)" % ", ".join(t) for t in added))]


def named_problem(template):
    """A rule that is always a problem, told by a ``str.format`` template (model, table, op)."""
    def problems(app, op, state, connection):
        model_name = getattr(op, "model_name", None) or op.name
        return [template.format(model=model_label(state, app, model_name), table=db_table(state, app, model_name),
                                op=op)]
    return problems


OPERATION_RULES = {
    "AddField": add_field_problems,
    "AlterField": alter_field_problems,
    "AlterUniqueTogether": unique_together_problems,
    "RemoveField": named_problem("{model}.{op.name} is removed: the target's code still reads and writes it"),
    "DeleteModel": named_problem("{model} is deleted (table {table}): the target's code still uses it"),
    "RenameField": named_problem("{model}.{op.old_name} is renamed to {op.new_name}: "
                                 "the target's code still uses {op.old_name}"),
    "RenameModel": named_problem("{model} is renamed to {op.new_name}: the target's code still uses "
                                 "{op.old_name} and its table {table}"),
    "AlterModelTable": named_problem("{model} moves to table {op.table}: the target's code still uses {table}"),
    "AddConstraint": named_problem("{model} gains constraint {op.constraint.name} "
                                   "({op.constraint.__class__.__name__}): the target's code may write rows it rejects"),
}


def operation_problems(app, op, state, connection):
    """One sentence per way ``op`` breaks code that does not know it; None when it cannot tell."""
    kind = op.__class__.__name__
    inner = getattr(op, "database_operations", None)  # SeparateDatabaseAndState
    if inner is not None:
        found = [operation_problems(app, each, state, connection) for each in inner]
        return None if any(f is None for f in found) else [p for f in found for p in f]
    if kind in HARMLESS_OPERATIONS:
        return []
    rule = OPERATION_RULES.get(kind)
    return rule(app, op, state, connection) if rule else None


def migration_verdict(loader, migration, connection):
    state = loader.project_state((migration.app_label, migration.name), at_end=False)
    problems, unknown = [], []
    for op in migration.operations:
        found = operation_problems(migration.app_label, op, state, connection)
        if found is None:
            unknown.append(op.__class__.__name__)
        else:
            problems.extend(found)
        op.state_forwards(migration.app_label, state)
    declared = getattr(migration, "rollback_compatible", False) is True
    if declared:
        return True, []
    reasons = problems + ["%s.%s has %s, which the plan cannot read: count it as incompatible, or declare "
                          "rollback_compatible = True on the migration when the earlier code runs with it applied"
                          % (migration.app_label, migration.name, kind) for kind in sorted(set(unknown))]
    return not reasons, reasons


def do_rollback(request):
    """The migrations applied here that the target release lacks, newest first, with a verdict each."""
    from django.db import connections

    executor = executor_for(request["database"])
    loader = executor.loader
    keep = request["target_migrations"]
    ahead_apps = sorted(set(app for app, name in loader.applied_migrations
                            if app in loader.migrated_apps and name not in keep.get(app, [])))
    targets = {}
    for app in ahead_apps:
        kept = [name for name in app_migrations(loader, app) if name in keep.get(app, [])]
        targets[app] = kept[-1] if kept else None
    # Applied, but in neither release's code (the running release is older than the database):
    # no code at hand can judge or unapply them.
    ahead = [{"app": app, "name": name, "reversible": False, "operations": [], "irreversible_operations": [],
              "compatible": False,
              "reasons": ["%s.%s is applied in the database, but neither release's code has it: it can be "
                          "neither judged nor unapplied" % (app, name)]}
             for app, name in sorted(key for key in loader.applied_migrations
                                     if key[0] in targets and key not in loader.graph.nodes
                                     and key[1] not in keep.get(key[0], []))]
    plan = executor.migration_plan([(app, name) for app, name in sorted(targets.items())])
    for migration, backwards in plan:
        step = plan_step(migration, backwards)
        compatible, reasons = migration_verdict(loader, migration, connections[request["database"]])
        ahead.append({"app": step["app"], "name": step["name"], "reversible": step["reversible"],
                      "operations": [op["type"] for op in step["operations"]],
                      "irreversible_operations": [op["type"] for op in step["operations"] if not op["reversible"]],
                      "compatible": compatible, "reasons": reasons})
    return {"ahead": ahead, "unapply_targets": dict((app, name or "zero") for app, name in targets.items()),
            "migrations": state(loader)}


ACTIONS = {"info": do_info, "plan": do_plan, "rollback": do_rollback}


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
