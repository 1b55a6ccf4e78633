"""The command line every emulator shares: ``python -m sandbox.<emulator> --host H --port P --state-file PATH``."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from .server import make_server


def arguments(prog: str, description: str | None, default_runtime: str, deploy_help: str,
              runtime_help: str = "") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--deploy-seconds", type=float, default=3.0, help=deploy_help)
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--runtime", default=default_runtime,
                        help=f"module:Class of the runtime (default {default_runtime}){runtime_help}")
    return parser


def serve(title: str, host: str, port: int, emulator) -> int:
    """Serve ``emulator`` until SIGTERM or Ctrl-C (its state is already on disk)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server(host, port, emulator)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logging.getLogger(__name__).info("%s on http://%s:%d", title, host, port)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0
