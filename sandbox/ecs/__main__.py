"""``python -m sandbox.ecs --host H --port P --state-file PATH [...]``: run the ECS emulator."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from sandbox.apprunner.images import EcrImages
from sandbox.apprunner.runtime import RuntimeContext, load_runtime
from sandbox.awsjson.faults import Faults

from .api import Ecs
from .errors import invalid_parameter, server_error
from .server import EXTRA_FAULTS, Emulator, make_server
from .state import Store

DEFAULT_RUNTIME = "sandbox.apprunner.runtime:EcrRuntime"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.ecs", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--deploy-seconds", type=float, default=3.0,
                        help="how long each task launch (and a canary's bake) lasts at least (default 3)")
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME,
                        help=f"module:Class of the runtime (default {DEFAULT_RUNTIME}); "
                             "sandbox.live.ecs:EcsLiveRuntime runs the releases' code")
    return parser.parse_args(argv)


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server(args.host, args.port, build(args))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # state is already on disk
    logging.getLogger(__name__).info("ECS emulator on http://%s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
