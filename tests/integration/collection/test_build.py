"""`ansible-galaxy collection build` ships the collection and nothing of the local machinery."""
from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_build_contains_collection_and_no_local_state(tmp_path):
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    # Local state that must never be packed, present as it would be on a working checkout.
    (REPO / ".sandbox").mkdir(exist_ok=True)
    subprocess.run([str(galaxy), "collection", "build", "--force", "--output-path", str(tmp_path)],
                   cwd=REPO, check=True, capture_output=True, text=True)
    tarball = next(tmp_path.glob("lacrei-rollback-*.tar.gz"))
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    tops = {name.split("/")[0] for name in names}
    assert {"plugins", "roles", "playbooks", "docs", "meta", "MANIFEST.json", "FILES.json"} <= tops
    assert any(name.startswith("plugins/modules/") and name.endswith(".py") for name in names)
    forbidden = (".sandbox", ".venv", ".collections", "sandbox", "tests", ".git", ".pytest_cache", "bench")
    assert not tops & set(forbidden), tops & set(forbidden)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".coverage"))]
