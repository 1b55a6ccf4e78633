"""``python -m sandbox.apprunner --host H --port P --state-file PATH [...]``: run the emulator."""
from __future__ import annotations

import argparse
import sys

from sandbox.awsjson import cli
from sandbox.awsjson.faults import Faults

from .errors import internal_error, invalid_request
from .images import EcrImages
from .lifecycle import Lifecycle
from .runtime import RuntimeContext, load_runtime
from .server import Emulator, make_server
from .services import AppRunner
from .state import Store

DEFAULT_RUNTIME = "sandbox.apprunner.runtime:EcrRuntime"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return cli.arguments("python -m sandbox.apprunner", __doc__, DEFAULT_RUNTIME,
                         "how long each operation stays in progress (default 3)").parse_args(argv)


def build(args: argparse.Namespace) -> Emulator:
    store = Store(args.state_file)
    store.load()
    faults = Faults(args.deploy_seconds, internal=internal_error, invalid=invalid_request)
    context = RuntimeContext(region=args.region, account_id=args.account_id,
                             state_dir=args.state_file.resolve().parent, images=EcrImages(args.region))
    runtime = load_runtime(args.runtime, context)
    lifecycle = Lifecycle(store, runtime, faults)
    lifecycle.recover()
    api = AppRunner(store, lifecycle, args.region, args.account_id)
    return Emulator(store=store, faults=faults, runtime=runtime, api=api, deploy_seconds=args.deploy_seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return cli.serve("App Runner emulator", args.host, args.port, build(args))


if __name__ == "__main__":
    sys.exit(main())
