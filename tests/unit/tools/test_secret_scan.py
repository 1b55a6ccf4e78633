"""tools/secret_scan.py, the scan tools/molecule.sh runs after each scenario: a seeded secret in the
Molecule log, a report, the audit trail, a backup manifest or Molecule's own files fails it; the
sandbox's secret stores (env, pgpass, aws-credentials) do not; no secrets to look for fails it too."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("secret_scan", REPO / "tools" / "secret_scan.py")
secret_scan = importlib.util.module_from_spec(spec)
spec.loader.exec_module(secret_scan)

SEEDED = {"SANDBOX_AWS_SECRET_ACCESS_KEY": "awsKey0123456789", "SANDBOX_WEBHOOK_TOKEN": "whTok0123456789",
          "SANDBOX_SERVICE_API_TOKEN": "apiTok0123456789"}
DB_PASSWORD = "dbPass0123456789"
RESPONDER_TOKEN = "respTok0123456789"


@pytest.fixture
def ephemeral(tmp_path, monkeypatch):
    for name, value in SEEDED.items():
        monkeypatch.setenv(name, value)
    sandbox = tmp_path / "ephemeral" / "sandbox"
    (sandbox / "reports").mkdir(parents=True)
    (sandbox / "backups").mkdir()
    (sandbox / "env").write_text(f"DATABASE_URL=postgresql://consultas:{DB_PASSWORD}@127.0.0.1:5/db\n"
                                 f"AWS_SECRET_ACCESS_KEY={SEEDED['SANDBOX_AWS_SECRET_ACCESS_KEY']}\n"
                                 f"SANDBOX_RESPONDER_TOKEN={RESPONDER_TOKEN}\n")
    (sandbox / "pgpass").write_text(f"127.0.0.1:5:*:consultas:{DB_PASSWORD}\n")
    (sandbox / "reports" / "drill.md").write_text("# Drill\npass\n")
    (sandbox / "audit.jsonl").write_text('{"result": "ok"}\n')
    (sandbox / "backups" / "b.dump.manifest.json").write_text("{}")
    (tmp_path / "ephemeral" / "inventory").mkdir()
    (tmp_path / "ephemeral" / "inventory" / "hosts").write_text("localhost\n")
    log = tmp_path / "molecule.log"
    log.write_text("PLAY RECAP\n")
    return tmp_path / "ephemeral", log


def test_clean_scenario_passes_and_says_what_it_scanned(ephemeral, capsys):
    assert secret_scan.main([str(path) for path in ephemeral]) == 0
    out = capsys.readouterr().out
    assert "5 secrets" in out and "1 reports, 1 audit lines" in out and "none found" in out


@pytest.mark.parametrize("where", ["log", "sandbox/reports/drill.md", "sandbox/audit.jsonl",
                                   "sandbox/backups/b.dump.manifest.json", "inventory/hosts"])
@pytest.mark.parametrize("secret", [*SEEDED.values(), DB_PASSWORD, RESPONDER_TOKEN])
def test_a_secret_anywhere_scanned_fails_naming_its_kind_not_its_value(ephemeral, capsys, where, secret):
    folder, log = ephemeral
    path = log if where == "log" else folder / where
    path.write_text(path.read_text() + f"leaked: {secret}\n")
    assert secret_scan.main([str(folder), str(log)]) == 1
    err = capsys.readouterr().err
    assert f"LEAK in {path}" in err and secret not in err


def test_without_the_seeded_secrets_it_refuses_to_pass(ephemeral, monkeypatch, capsys):
    monkeypatch.delenv("SANDBOX_WEBHOOK_TOKEN")
    assert secret_scan.main([str(path) for path in ephemeral]) == 1
    assert "no value for webhook token" in capsys.readouterr().err
