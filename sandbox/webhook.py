"""A Slack-compatible webhook receiver for the sandbox, which also serves a status page API.

`python -m sandbox.webhook --port P --dir DIR` answers POST on any path with `ok` (as Slack
does) and writes the JSON body to DIR/<n>-<timestamp>.json; GET / lists the stored files.
The emergency procedure's "communicate" phase posts here in the sandbox; the alarm evaluator's SNS
notifications can be subscribed here too: their ``x-amz-sns-*`` headers are kept, and of an
``Authorization`` header only its SHA-256 (never the token).

With `--status-page-dir SP` it also serves the part of Atlassian Statuspage's REST API the
emergency procedure uses (`/v1/pages/<page id>/incidents`: POST opens an incident, PATCH
/<id> updates or resolves it, GET lists or reads them). Every call needs the header
`Authorization: OAuth <token>`, the token being $SANDBOX_STATUS_PAGE_TOKEN (never argv);
anything else answers 401 as Statuspage does. Incidents are kept in SP/incidents/<id>.json and
each call (method, path, answer; never the token) in SP/requests.jsonl, for tests to read.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import os
import re
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 1 << 20
TOKEN_VARIABLE = "SANDBOX_STATUS_PAGE_TOKEN"
INCIDENTS_PATH = re.compile(r"^/v1/pages/(?P<page>[^/?]+)/incidents(?:/(?P<incident>[^/?]+))?/?(?:\?.*)?$")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class StatusPage:
    """The incidents of one page, kept as files; every method returns (HTTP status, JSON body)."""

    def __init__(self, folder: Path, page_id: str, token: str):
        self.folder = folder
        self.page_id = page_id
        self.token = token
        self.lock = threading.Lock()
        (folder / "incidents").mkdir(parents=True, exist_ok=True)
        self.counter = itertools.count(len(list((folder / "incidents").glob("*.json"))) + 1)

    def authorized(self, header: str | None) -> bool:
        scheme, _, given = (header or "").partition(" ")
        return bool(self.token) and scheme == "OAuth" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    def handle(self, method: str, page: str, incident_id: str | None, body: dict | None) -> tuple[int, object]:
        if page != self.page_id:
            return 404, {"error": f"page {page} not found"}
        with self.lock:
            if method == "GET":
                return self._read(incident_id)
            if method == "POST" and incident_id is None:
                return self._open(body or {})
            if method == "PATCH" and incident_id is not None:
                return self._update(incident_id, body or {})
        return 405, {"error": f"{method} is not allowed here"}

    def incidents(self) -> list[dict]:
        return [json.loads(path.read_text()) for path in sorted((self.folder / "incidents").glob("*.json"))]

    def log(self, entry: dict) -> None:
        with self.lock, (self.folder / "requests.jsonl").open("a") as out:
            out.write(json.dumps(entry) + "\n")

    def _read(self, incident_id: str | None) -> tuple[int, object]:
        if incident_id is None:
            return 200, list(reversed(self.incidents()))
        path = self._path(incident_id)
        return (200, json.loads(path.read_text())) if path.exists() else (404, {"error": "incident not found"})

    def _open(self, body: dict) -> tuple[int, object]:
        fields = body.get("incident")
        problem = self._invalid(fields, opening=True)
        if problem:
            return 422, {"error": problem}
        number = next(self.counter)
        now = _now()
        incident = {"id": f"inc{number:05d}", "page_id": self.page_id, "name": fields["name"],
                    "status": fields.get("status") or "investigating", "created_at": now, "updated_at": now,
                    "resolved_at": None, "shortlink": f"https://stspg.example/inc{number:05d}",
                    "components": [], "incident_updates": []}
        self._apply(incident, fields, now)
        return 201, incident

    def _update(self, incident_id: str, body: dict) -> tuple[int, object]:
        path = self._path(incident_id)
        if not path.exists():
            return 404, {"error": "incident not found"}
        fields = body.get("incident")
        problem = self._invalid(fields, opening=False)
        if problem:
            return 422, {"error": problem}
        incident = json.loads(path.read_text())
        self._apply(incident, fields, _now())
        return 200, incident

    def _apply(self, incident: dict, fields: dict, now: str) -> None:
        incident["name"] = fields.get("name") or incident["name"]
        incident["status"] = fields.get("status") or incident["status"]
        incident["updated_at"] = now
        if incident["status"] == "resolved" and not incident["resolved_at"]:
            incident["resolved_at"] = now
        statuses = {item["id"]: item["status"] for item in incident["components"]}
        statuses.update({cid: statuses.get(cid, "operational") for cid in fields.get("component_ids") or []})
        statuses.update(fields.get("components") or {})
        incident["components"] = [{"id": cid, "status": status} for cid, status in statuses.items()]
        incident["incident_updates"].insert(0, {"status": incident["status"], "body": fields.get("body") or "",
                                                "created_at": now, "affected_components": fields.get("components") or {}})
        self._path(incident["id"]).write_text(json.dumps(incident, indent=2, ensure_ascii=False))

    @staticmethod
    def _invalid(fields, opening: bool) -> str | None:
        if not isinstance(fields, dict):
            return "the body must be {\"incident\": {...}}"
        if opening and not str(fields.get("name") or "").strip():
            return "incident.name is required"
        if fields.get("status") and fields["status"] not in INCIDENT_STATUSES:
            return f"incident.status must be one of {', '.join(INCIDENT_STATUSES)}"
        components = fields.get("components") or {}
        if not isinstance(components, dict) or any(value not in COMPONENT_STATUSES for value in components.values()):
            return f"incident.components maps component ids to one of {', '.join(COMPONENT_STATUSES)}"
        return None

    def _path(self, incident_id: str) -> Path:
        return self.folder / "incidents" / f"{re.sub(r'[^A-Za-z0-9_-]', '_', incident_id)}.json"


def make_handler(folder: Path, status_page: StatusPage | None = None):
    counter = itertools.count(len(list(folder.glob("*.json"))) + 1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            if self._status_page_call("POST"):
                return None
            body = self._body()
            if body is None:
                return None
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

        def do_PATCH(self):  # noqa: N802
            if not self._status_page_call("PATCH"):
                self._answer(405, "method not allowed")

        def do_GET(self):  # noqa: N802
            if self._status_page_call("GET"):
                return None
            names = sorted(p.name for p in folder.glob("*.json"))
            return self._answer(200, json.dumps(names))

        def _status_page_call(self, method: str) -> bool:
            """Serves /v1/pages/<page>/incidents[/<id>] when the status page is on; False for other paths."""
            match = INCIDENTS_PATH.match(self.path)
            if status_page is None or not match:
                return False
            authorized = status_page.authorized(self.headers.get("Authorization"))
            body = self._body() if method != "GET" else b""
            if body is None:
                return True
            if not authorized:
                status, answer = 401, {"error": "Could not authenticate"}
            else:
                try:
                    payload = json.loads(body) if body else {}
                except ValueError:
                    payload = None
                status, answer = (400, {"error": "invalid JSON"}) if payload is None else status_page.handle(
                    method, match["page"], match["incident"], payload)
            status_page.log({"at": _now(), "method": method, "path": self.path, "authorized": authorized,
                             "status": status, "body": payload if authorized and body else None})
            self._answer(status, json.dumps(answer), "application/json")
            return True

        def _body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, "too large")
                return None
            return self.rfile.read(length)

        def _answer(self, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
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
    parser.add_argument("--status-page-dir", type=Path, help="serve the status page API, keeping incidents here")
    parser.add_argument("--page-id", default="lacrei-sandbox", help="the status page's page id")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    status_page = None
    if args.status_page_dir:
        status_page = StatusPage(args.status_page_dir, args.page_id, os.environ.get(TOKEN_VARIABLE, ""))
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.dir, status_page))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
