"""Scan what a Molecule scenario left for the known secrets (tools/molecule.sh runs it after each
scenario, before its destroy step):

    python tools/secret_scan.py <scenario's ephemeral folder> <scenario's Molecule log>

The secrets: those tools/molecule.sh seeded ($SANDBOX_AWS_SECRET_ACCESS_KEY,
$SANDBOX_WEBHOOK_TOKEN, $SANDBOX_SERVICE_API_TOKEN) and the database password of the scenario's
sandbox the alarm responder's bearer token and the status page token (random, read from its env file, when there). Scanned: the Molecule log (every step's output), the
ephemeral folder (Molecule's inventory, state, ansible.cfg ...) and, inside its sandbox, what the
runbooks write: the reports, the audit trail, the backups' manifests. The sandbox's own secret
stores (env, pgpass, aws-credentials, the PostgreSQL cluster) are where the secrets belong and are
left out. Exit 1 and print each leak (the secret replaced by its kind) when one appears.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

SEEDED = {"AWS secret access key": "SANDBOX_AWS_SECRET_ACCESS_KEY", "webhook token": "SANDBOX_WEBHOOK_TOKEN",
          "service API_TOKEN": "SANDBOX_SERVICE_API_TOKEN"}


def known_secrets(sandbox: Path) -> dict[str, str]:
    secrets = {kind: os.environ[name] for kind, name in SEEDED.items() if os.environ.get(name)}
    env = sandbox / "env"
    if env.is_file():
        for line in env.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                password = urlsplit(line.split("=", 1)[1]).password
                if password:
                    secrets["database password"] = password
            for name, kind in (("SANDBOX_RESPONDER_TOKEN", "responder token"),
                               ("LACREI_STATUS_PAGE_TOKEN", "status page token")):
                if line.startswith(name + "=") and line.split("=", 1)[1]:
                    secrets[kind] = line.split("=", 1)[1]
    return secrets


def files_to_scan(ephemeral: Path, log: Path) -> list[Path]:
    sandbox = ephemeral / "sandbox"
    found = [log]
    for root, dirs, files in os.walk(ephemeral):
        dirs[:] = [d for d in dirs if Path(root, d) != sandbox and not Path(root, d).is_symlink()]
        found += [Path(root, name) for name in files]
    found += [path for path in (sandbox / "reports").rglob("*") if path.is_file()]
    found += [path for path in (sandbox / "audit.jsonl",) if path.is_file()]
    found += sorted((sandbox / "backups").glob("*.manifest.json"))
    return [path for path in found if path.is_file()]


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    found = []
    for kind, value in sorted(secrets.items()):
        at = text.find(value)
        if at >= 0:
            context = text[max(at - 120, 0):at + len(value) + 40].replace(value, f"<{kind}>")
            found.append(f"{kind}: ...{context}...")
    return found


def main(argv: list[str]) -> int:
    ephemeral, log = Path(argv[0]), Path(argv[1])
    secrets = known_secrets(ephemeral / "sandbox")
    missing = sorted((set(SEEDED) | {"database password"}) - set(secrets))
    if missing:
        print(f"secret scan: cannot scan {ephemeral}: no value for {', '.join(missing)}", file=sys.stderr)
        return 1
    files = files_to_scan(ephemeral, log)
    found = {str(path): hits for path in files if (hits := leaks(path.read_text(errors="replace"), secrets))}
    for path, hits in found.items():
        for hit in hits:
            print(f"secret scan: LEAK in {path}: {hit}", file=sys.stderr)
    reports = sum(1 for path in files if path.parent.name == "reports")
    audit = ephemeral / "sandbox" / "audit.jsonl"
    lines = len(audit.read_text().splitlines()) if audit.is_file() else 0
    print(f"secret scan: {len(secrets)} secrets ({', '.join(sorted(secrets))}) in {len(files)} files "
          f"(the Molecule log, {reports} reports, {lines} audit lines), {sum(path.stat().st_size for path in files)} "
          f"bytes: {'LEAKED' if found else 'none found'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
