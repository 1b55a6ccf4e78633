"""A Slack-compatible webhook receiver for the sandbox: keeps each message it gets.

`python -m sandbox.webhook --port P --dir DIR` answers POST on any path with `ok` (as Slack
does) and writes the JSON body to DIR/<n>-<timestamp>.json; GET / lists the stored files.
The emergency procedure's "communicate" phase posts here in the sandbox; the alarm evaluator's SNS
notifications can be subscribed here too: their ``x-amz-sns-*`` headers are kept, and of an
``Authorization`` header only its SHA-256 (never the token).
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 1 << 20


def make_handler(folder: Path):
    counter = itertools.count(len(list(folder.glob("*.json"))) + 1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._answer(413, "too large")
            body = self.rfile.read(length)
            try:
                message = json.loads(body or b"{}")
            except ValueError:
                return self._answer(400, "invalid_payload")
            with lock:
                name = f"{next(counter):04d}-{time.strftime('%Y%m%dT%H%M%S')}.json"
            record = {"path": self.path, "received_at": time.time(), "message": message,
                      "headers": {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("x-amz-sns-")}}
            if self.headers.get("Authorization"):
                record["authorization_sha256"] = hashlib.sha256(self.headers["Authorization"].encode()).hexdigest()
            (folder / name).write_text(json.dumps(record, indent=2, ensure_ascii=False))
            return self._answer(200, "ok")

        def do_GET(self):  # noqa: N802
            names = sorted(p.name for p in folder.glob("*.json"))
            return self._answer(200, json.dumps(names))

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):  # keep the sandbox log quiet
            return None

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.webhook", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.dir))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
