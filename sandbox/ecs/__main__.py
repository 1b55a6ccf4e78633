"""``python -m sandbox.ecs --host H --port P --state-file PATH [...]``: run the ECS emulator."""
from __future__ import annotations

import argparse
import sys

from sandbox.apprunner.images import EcrImages
from sandbox.apprunner.runtime import RuntimeContext, load_runtime
from sandbox.awsjson import cli
from sandbox.awsjson.faults import Faults

from .api import Ecs
from .errors import invalid_parameter, server_error
from .server import EXTRA_FAULTS, Emulator
from .state import Store

DEFAULT_RUNTIME = "sandbox.apprunner.runtime:EcrRuntime"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return cli.arguments("python -m sandbox.ecs", __doc__, DEFAULT_RUNTIME,
                         "how long each task launch (and a canary's bake) lasts at least (default 3)",
                         "; sandbox.live.ecs:EcsLiveRuntime runs the releases' code").parse_args(argv)


def build(args: argparse.Namespace) -> Emulator:
    store = Store(args.state_file)
    store.load()
    faults = Faults(args.deploy_seconds, internal=server_error, invalid=invalid_parameter, extra=EXTRA_FAULTS)
    context = RuntimeContext(region=args.region, account_id=args.account_id,
                             state_dir=args.state_file.resolve().parent, images=EcrImages(args.region))
    api = Ecs(store, load_runtime(args.runtime, context), faults, args.region, args.account_id)
    api.lifecycle.recover()
    return Emulator(api=api, faults=faults, deploy_seconds=args.deploy_seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return cli.serve("ECS emulator", args.host, args.port, build(args))


if __name__ == "__main__":
    sys.exit(main())
