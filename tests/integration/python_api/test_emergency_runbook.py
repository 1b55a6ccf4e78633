"""emergency through the Python API, in check mode (identify, and what execute would do): the
webhook URL is a secret argument; it must not reach argv, the run's files, its events or the
audit trail, and check mode sends, changes and writes nothing."""
from __future__ import annotations

import os
from pathlib import Path


def _text_of(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def _files(folder: Path) -> set[str]:
    return {path.name for path in folder.glob("*")} if folder.exists() else set()


def test_emergency_check_identifies_and_plans_with_a_secret_webhook(sandbox_client, api_sandbox, sandbox_dir,
                                                                    runs_dir):
    running = api_sandbox.running()
    # Releases with v1.2.0's schema: the schema check says app_only whatever runs now.
    target = next(api_sandbox.sha(version) for version in ("v1.3.0", "v1.2.0")
                  if not running.endswith(api_sandbox.sha(version)))
    token = "s3cr3t-" + os.urandom(6).hex()
    webhook = api_sandbox.env["WEBHOOK_URL"].split("/hooks/")[0] + f"/hooks/T000/B000/{token}"
    sent, reports = _files(sandbox_dir / "notifications"), _files(sandbox_dir / "reports")

    result = sandbox_client.emergency(sha=target, webhook_url=webhook, check=True)
    audit = result.audit
    assert result.ok and audit["runbook"] == "emergency" and audit["requested"]["target"] == target
    assert audit["suspect"]["tag"] == running.rsplit(":", 1)[-1]
    assert audit["to_image"].endswith(":" + target) and audit["operation_id"] is None
    assert api_sandbox.running() == running
    assert _files(sandbox_dir / "notifications") == sent and _files(sandbox_dir / "reports") == reports

    written = _text_of(runs_dir)
    assert "LACREI_SECRET_NOTIFY_WEBHOOK_URL" in written  # the argument went in, as a lookup
    assert token not in written and all(token not in str(event) for event in result.events)
    assert token not in (sandbox_dir / "audit.jsonl").read_text()
