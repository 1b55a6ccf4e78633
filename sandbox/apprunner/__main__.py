"""``python -m sandbox.apprunner --host H --port P --state-file PATH [...]``: run the emulator."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

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
    parser = argparse.ArgumentParser(prog="python -m sandbox.apprunner", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--deploy-seconds", type=float, default=3.0,
                        help="how long each operation stays in progress (default 3)")
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME,
                        help=f"module:Class of the runtime (default {DEFAULT_RUNTIME})")
    return parser.parse_args(argv)


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server(args.host, args.port, build(args))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # state is already on disk
    logging.getLogger(__name__).info("App Runner emulator on http://%s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
