"""django_rollback_plan's rules, each on a small Django app with one migration of its own.

The project (written per test module into a temporary folder) has one app per rule; every app has
``0001_initial`` (model ``Item``) and ``0002_rule`` holding the operation under test. The database
is migrated to the whole project (the "running release"); a "target release" is a copy of the
project without some of the ``0002_rule`` files, so those migrations are ahead of it.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from db_helpers import query

MODULE = "django_rollback_plan"

INITIAL = '''from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
                ("note", models.CharField(max_length=100, null=True)),
                ("code", models.CharField(max_length=20, null=True)),
                ("amount", models.IntegerField(default=0)),
            ],
        ),
    ]
'''

RULE = '''from django.db import migrations, models


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
{extra}    dependencies = [("{app}", "0001_initial")]
    operations = [
        {operation},
    ]
'''

# app label -> (operation, compatible, a words of the reason or "", reversible, class attributes)
RULES = {
    "r_createmodel": ('migrations.CreateModel("Extra", fields=[("id", models.BigAutoField(primary_key=True))])',
                      True, "", True, ""),
    "r_addindex": ('migrations.AddIndex("item", models.Index(fields=["name"], name="r_addindex_name_idx"))',
                   True, "", True, ""),
    "r_addnullable": ('migrations.AddField("item", "extra", models.CharField(max_length=10, null=True))',
                      True, "", True, ""),
    "r_adddbdefault": ('migrations.AddField("item", "extra", models.CharField(max_length=10, db_default="x"))',
                       True, "", True, ""),
    "r_addnotnull": ('migrations.AddField("item", "extra", models.CharField(max_length=10, default="x"))',
                     False, "r_addnotnull.Item.extra is added NOT NULL without a database default", True, ""),
    "r_removefield": ('migrations.RemoveField("item", "note")', False, "r_removefield.Item.note is removed",
                      True, ""),
    "r_deletemodel": ('migrations.DeleteModel("Item")', False, "r_deletemodel.Item is deleted", True, ""),
    "r_renamefield": ('migrations.RenameField("item", "name", "title")', False,
                      "r_renamefield.Item.name is renamed to title", True, ""),
    "r_renamemodel": ('migrations.RenameModel("Item", "Thing")', False, "r_renamemodel.Item is renamed to Thing",
                      True, ""),
    "r_alternotnull": ('migrations.AlterField("item", "note", models.CharField(max_length=100, default=""))',
                       False, "r_alternotnull.Item.note becomes NOT NULL", True, ""),
    "r_altertype": ('migrations.AlterField("item", "amount", models.BigIntegerField(default=0))', False,
                    "r_altertype.Item.amount changes type from integer to bigint", True, ""),
    "r_alternullable": ('migrations.AlterField("item", "name", models.CharField(max_length=100, null=True))',
                        True, "", True, ""),
    "r_uniqueconstraint": ('migrations.AddConstraint("item", models.UniqueConstraint(fields=["name"], '
                           'name="r_u_name"))', False, "r_uniqueconstraint.Item gains constraint r_u_name", True, ""),
    "r_uniquetogether": ('migrations.AlterUniqueTogether("item", {("name", "code")})', False,
                         "r_uniquetogether.Item gains unique_together (name, code)", True, ""),
    "r_runsql": ('migrations.RunSQL("SELECT 1", reverse_sql="SELECT 1")', False,
                 "r_runsql.0002_rule has RunSQL, which the plan cannot read", True, ""),
    "r_runpython": ("migrations.RunPython(forwards, migrations.RunPython.noop)", False,
                    "r_runpython.0002_rule has RunPython, which the plan cannot read", True, ""),
    "r_hatch": ('migrations.RunSQL("SELECT 1", reverse_sql="SELECT 1")', True, "", True,
                "    rollback_compatible = True\n"),
    "r_irreversible": ("migrations.RunPython(forwards)", False, "has RunPython", False, ""),
}

SETTINGS = '''import os
from urllib.parse import unquote, urlsplit

SECRET_KEY = "test-only"
USE_TZ = True
INSTALLED_APPS = {apps!r}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
_url = urlsplit(os.environ["DATABASE_URL"])
DATABASES = {{"default": {{
    "ENGINE": "django.db.backends.postgresql", "NAME": unquote(_url.path.lstrip("/")),
    "USER": unquote(_url.username or ""), "PASSWORD": unquote(_url.password or ""),
    "HOST": _url.hostname or "", "PORT": str(_url.port or ""),
}}}}
'''

MANAGE = '''import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rulesproj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''


def write_project(root: Path) -> Path:
    (root / "rulesproj").mkdir(parents=True)
    (root / "manage.py").write_text(MANAGE)
    (root / "rulesproj" / "__init__.py").write_text("")
    (root / "rulesproj" / "settings.py").write_text(SETTINGS.format(apps=sorted(RULES)))
    for app, (operation, _compatible, _reason, _reversible, extra) in RULES.items():
        migrations = root / app / "migrations"
        migrations.mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
        (migrations / "__init__.py").write_text("")
        (migrations / "0001_initial.py").write_text(INITIAL)
        (migrations / "0002_rule.py").write_text(RULE.format(app=app, operation=operation, extra=extra))
    return root


@pytest.fixture(scope="module")
def rules(tmp_path_factory, pg_server):
    """(project options of the running release, its folder, server, database): everything applied."""
    from sandbox import postgres

    app_server = pg_server.for_app()
    database = "rollback_plan_rules"
    postgres.create_database(pg_server, database, owner=app_server.user)
    current = write_project(tmp_path_factory.mktemp("rules") / "current")
    environment = {"DATABASE_URL": app_server.dsn(database)}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=current, check=True,
                   capture_output=True, env={"PATH": "/usr/bin:/bin", "DATABASE_URL": environment["DATABASE_URL"]})
    try:
        yield dict(python=sys.executable, environment=environment), current, app_server, database
    finally:
        postgres.drop_database(pg_server, database)


def target_without(current: Path, folder: Path, *migrations: str) -> Path:
    """A copy of the running release without ``app/name`` migration files (a release before them)."""
    target = folder / "target"
    shutil.copytree(current, target, ignore=shutil.ignore_patterns("__pycache__"))
    for migration in migrations:
        (target / migration.replace(".", "/migrations/", 1)).with_suffix(".py").unlink()
    return target


def plan(run_module, rules, target: Path, check_mode=False) -> dict:
    options, current, _server, _database = rules
    return run_module(MODULE, dict(options, current_project_path=str(current), target_project_path=str(target)),
                      check_mode=check_mode)


def recorded(rules) -> list:
    _options, _current, server, database = rules
    return query(server, "SELECT app, name FROM django_migrations ORDER BY id", dbname=database)


@pytest.fixture(scope="module")
def everything_ahead(rules, tmp_path_factory):
    """The plan against a target that has none of the rule migrations (one run for every rule)."""
    from tests.module_run import module_runner

    target = target_without(rules[1], tmp_path_factory.mktemp("all"), *(f"{app}.0002_rule" for app in RULES))
    with pytest.MonkeyPatch.context() as patch:
        result = plan(module_runner(patch), rules, target)
    return {step["app"]: step for step in result["ahead"]}, result


@pytest.mark.parametrize("app", sorted(RULES))
def test_rule(everything_ahead, app):
    steps, _result = everything_ahead
    _operation, compatible, reason, reversible, _extra = RULES[app]

    step = steps[app]
    assert step["name"] == "0002_rule" and step["compatible"] is compatible and step["reversible"] is reversible
    if compatible:
        assert step["reasons"] == []
    else:
        assert any(reason in line for line in step["reasons"]), step["reasons"]


def test_everything_ahead_is_one_restore_required_plan(everything_ahead):
    steps, result = everything_ahead

    assert result["plan"] == "restore_required" and result["compatible"] is False
    assert result["irreversible"] == ["r_irreversible.0002_rule"]
    assert set(steps) == set(RULES) and result["unapply_targets"] == dict.fromkeys(RULES, "0001_initial")
    assert steps["r_addindex"]["operations"] == ["AddIndex"]
    assert any("IRREVERSIBLE" in line and "r_irreversible" in line for line in result["summary"])


def test_not_null_column_needs_unapply_then_deploy(run_module, rules, tmp_path):
    before = recorded(rules)

    result = plan(run_module, rules, target_without(rules[1], tmp_path, "r_addnotnull.0002_rule"), check_mode=True)

    assert result["changed"] is False and result["plan"] == "unapply_then_deploy", result
    assert [(s["app"], s["name"], s["operations"]) for s in result["ahead"]] == [("r_addnotnull", "0002_rule",
                                                                                  ["AddField"])]
    assert result["unapply_targets"] == {"r_addnotnull": "0001_initial"}
    assert "migrate r_addnotnull 0001_initial" in result["summary"][-1]
    assert recorded(rules) == before  # read-only
    assert rules[0]["environment"]["DATABASE_URL"] not in str(result)


def test_compatible_migrations_are_app_only_and_an_absent_app_goes_to_zero(run_module, rules, tmp_path):
    target = target_without(rules[1], tmp_path, "r_createmodel.0002_rule", "r_createmodel.0001_initial",
                            "r_adddbdefault.0002_rule", "r_hatch.0002_rule")

    result = plan(run_module, rules, target)

    assert result["plan"] == "app_only" and result["compatible"] is True, result
    assert result["unapply_targets"] == {"r_createmodel": "zero", "r_adddbdefault": "0001_initial",
                                         "r_hatch": "0001_initial"}
    assert [f"{s['app']}.{s['name']}" for s in result["ahead"] if s["app"] == "r_createmodel"] == [
        "r_createmodel.0002_rule", "r_createmodel.0001_initial"]  # the order they would be unapplied in


def test_same_release_is_app_only_with_nothing_ahead(run_module, rules):
    result = plan(run_module, rules, rules[1])

    assert result["plan"] == "app_only" and result["ahead"] == [] and result["unapply_targets"] == {}
    assert result["target_migrations"]["r_hatch"] == ["0001_initial", "0002_rule"]


def test_target_ahead_of_the_database_is_refused(run_module, rules, tmp_path):
    target = target_without(rules[1], tmp_path)
    (target / "r_addindex" / "migrations" / "0003_later.py").write_text(
        RULE.format(app="r_addindex", operation='migrations.RunSQL("SELECT 1", "SELECT 1")', extra="")
        .replace('"0001_initial"', '"0002_rule"'))

    result = plan(run_module, rules, target)

    assert result["failed"] and result["target_ahead"] == ["r_addindex.0003_later"]
    assert "not applied in this database: r_addindex.0003_later" in result["msg"]


def test_missing_project_is_a_clear_error(run_module, rules, tmp_path):
    result = plan(run_module, rules, tmp_path / "nowhere")

    assert result["failed"] and "No manage.py in project_path" in result["msg"]


def test_a_migration_neither_release_has_needs_a_restore(run_module, rules, tmp_path):
    """The running release is older than the database (its code lacks an applied migration)."""
    options, current, _server, _database = rules
    older = target_without(current, tmp_path / "older", "r_runsql.0002_rule")
    target = target_without(current, tmp_path / "target", "r_runsql.0002_rule")

    result = run_module(MODULE, dict(options, current_project_path=str(older), target_project_path=str(target)))

    assert result["plan"] == "restore_required" and result["irreversible"] == ["r_runsql.0002_rule"], result
    (step,) = result["ahead"]
    assert step["operations"] == [] and "neither release's code has it" in step["reasons"][0]
