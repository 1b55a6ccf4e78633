"""``lacrei-rollback <runbook> [--options]``: the runbooks from a shell, on the same Python API.

Options come from each runbook method's signature (``--sha``, ``--target``, ``--check``...).
Exit codes: 0 done, 1 failed, 2 bad argument, 3 refused, 4 timed out, 5 cancelled.
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import sys
from collections.abc import Sequence

from lacrei_rollback.errors import Cancelled, InvalidArgument, Refused, RunbookError, TimedOut
from lacrei_rollback.execution import DEFAULT_TIMEOUT, Control
from lacrei_rollback.project import PROJECT_ENV
from lacrei_rollback.runbooks import Client, runbook_names

EXIT_CODES = {Refused: 3, TimedOut: 4, Cancelled: 5}
CALL_OPTIONS = {"control"}
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
INTEGERS = ("int", "int | None")  # annotations as strings (postponed evaluation)
EPILOG = f"""\
where the runbooks come from:
  the playbooks and roles of the lacrei.rollback collection, found in this order:
  --project-dir PATH, ${PROJECT_ENV}, the checkout this package runs from, then the
  collection installed under $ANSIBLE_COLLECTIONS_PATH (or $ANSIBLE_COLLECTIONS_PATHS;
  default ~/.ansible/collections:/usr/share/ansible/collections). A pip-installed package
  with no checkout uses an installed collection:
    ansible-galaxy collection install -p ~/collections lacrei-rollback-0.1.0.tar.gz
    ANSIBLE_COLLECTIONS_PATH=~/collections lacrei-rollback -i my-inventory/ list_images

AWS settings:
  boto3's standard configuration (AWS_PROFILE, SSO, AWS_ACCESS_KEY_ID...); the region and
  profile of each service come from the inventory (aws_region, aws_profile).

exit codes: 0 done, 1 failed, 2 bad argument, 3 refused, 4 timed out, 5 cancelled.
"""


def _add_parameter(parser: argparse.ArgumentParser, parameter: inspect.Parameter) -> None:
    flag = "--" + parameter.name.replace("_", "-")
    if parameter.default is False:
        parser.add_argument(flag, dest=parameter.name, action="store_true")
    elif parameter.default is inspect.Parameter.empty:
        parser.add_argument(parameter.name)
    else:
        parser.add_argument(flag, dest=parameter.name, default=parameter.default,
                            type=int if parameter.annotation in INTEGERS else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lacrei-rollback", description=__doc__.split("\n\n")[0], epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-i", "--inventory", default="sandbox",
                        help="sandbox|staging|prod (the project's inventories) or a path")
    parser.add_argument("--project-dir", help="the checkout or installed collection to run (see below)")
    parser.add_argument("--sandbox-dir", help="the sandbox state folder ($SANDBOX_DIR)")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="stream Ansible's output")
    commands = parser.add_subparsers(dest="runbook", required=True, metavar="RUNBOOK")
    for name in runbook_names():
        method = getattr(Client, name)
        sub = commands.add_parser(name, help=(method.__doc__ or "").strip().split("\n")[0])
        for parameter in list(inspect.signature(method).parameters.values())[1:]:
            if parameter.name not in CALL_OPTIONS and parameter.kind not in VARIADIC:
                _add_parameter(sub, parameter)
    return parser


def _stream(event: dict) -> None:
    if event.get("stdout"):
        print(event["stdout"], file=sys.stderr, flush=True)


def _plain(value):
    if dataclasses.is_dataclass(value):
        data = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)
                if field.name not in ("events",)}
        return {key: _plain(item) for key, item in data.items()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _show(value, as_json: bool) -> None:
    if as_json:
        print(json.dumps(_plain(value), indent=2, sort_keys=True))
    elif isinstance(value, dict):  # show_migrations: app -> migrations
        for item in (row for rows in value.values() for row in rows):
            print(item.line())
    elif isinstance(value, list):
        for item in value:
            print(item.line())
    elif hasattr(value, "summary"):  # rollback_plan
        print("\n".join((f"{value.service}:", *value.summary)))
    else:
        print(f"{value.runbook}: {value.status} in {value.duration:.1f}s")
        for host, outputs in value.outputs.items():
            print(f"{host}: {json.dumps(_plain(outputs), sort_keys=True)}")


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    control = Control(event_handler=_stream if args.pop("verbose") else None, timeout=args.pop("timeout"))
    as_json = args.pop("json")
    name = args.pop("runbook")
    try:
        client = Client(args.pop("inventory"), project_dir=args.pop("project_dir"), sandbox_dir=args.pop("sandbox_dir"),
                        control=control)
        value = getattr(client, name)(**args)
    except InvalidArgument as exc:
        print(f"lacrei-rollback {name}: {exc}", file=sys.stderr)
        return 2
    except RunbookError as exc:
        _show(exc.result, as_json)
        print(f"lacrei-rollback {name}: {exc}", file=sys.stderr)
        return EXIT_CODES.get(type(exc), 1)
    _show(value, as_json)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
