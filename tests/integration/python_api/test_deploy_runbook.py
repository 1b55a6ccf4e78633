"""deploy (the guarded deploy) through the Python API, in check mode: the arguments reach the
playbook, the audit record comes back as data, and nothing changes."""
from __future__ import annotations


def test_deploy_check_plans_and_changes_nothing(sandbox_client, api_sandbox, sandbox_dir):
    running, operations = api_sandbox.running(), len(api_sandbox.operations())
    # Releases with v1.2.0's schema: no migration to apply, whatever runs now.
    target = next(api_sandbox.sha(version) for version in ("v1.3.0", "v1.2.0")
                  if not running.endswith(api_sandbox.sha(version)))

    result = sandbox_client.deploy(target.upper()[:12], bake="30s", check=True)

    audit = result.audit
    assert result.ok and audit["runbook"] == "deploy"
    assert audit["requested"] == {"sha": target[:12], "bake": "30s"}  # lower-cased by the API
    assert audit["outcome"].startswith("check mode: would deploy v1.")
    assert audit["to_image"].endswith(":" + target) and audit["operation_id"] is None
    assert audit["schema_plan"]["migrations"] == []
    assert api_sandbox.running() == running and len(api_sandbox.operations()) == operations
    assert not list((sandbox_dir / "reports").glob("deploy-*"))
