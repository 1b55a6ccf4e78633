"""`ansible-galaxy collection build` ships the collection and nothing of the local machinery."""
from __future__ import annotations

import shutil
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
    assert {"plugins", "roles", "playbooks", "docs", "meta", "MANIFEST.json", "FILES.json", "LICENSE", "CHANGELOG.md",
            "requirements.txt", "bindep.txt"} <= tops
    assert "playbooks/callback_plugins/lacrei_audit.py" in names
    assert any(name.startswith("plugins/modules/") and name.endswith(".py") for name in names)
    forbidden = (".sandbox", ".venv", ".venv-app", ".collections", "sandbox", "tests", ".git", ".pytest_cache", "bench", "runner",
                 "ansible.cfg", "rollback_app.yml", "execution-environment.yml")
    assert not tops & set(forbidden), tops & set(forbidden)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".coverage"))]


def test_execution_environment_build_context(tmp_path):
    """`ansible-builder create` on execution-environment.yml (building the image needs a container
    engine; the context is what can be checked here). It installs the tarball `make build` writes."""
    import yaml

    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    [build_file] = definition["additional_build_files"]
    assert build_file["src"] == f"build/lacrei-rollback-{version}.tar.gz", "the EE installs another version"
    project = tmp_path / "project"
    project.mkdir()
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt", definition["dependencies"]["galaxy"]):
        shutil.copy(REPO / name, project / name)
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run([str(galaxy), "collection", "build", "--output-path", str(project / "build"), str(REPO)],
                   cwd=tmp_path, check=True, capture_output=True, text=True)
    builder = Path(sys.executable).parent / "ansible-builder"
    done = subprocess.run([str(builder), "create", "-f", "execution-environment.yml", "--context",
                           str(tmp_path / "context")], cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    build = tmp_path / "context" / "_build"
    assert (build / "collections" / f"lacrei-rollback-{version}.tar.gz").is_file()
    assert "boto3" in (build / "requirements.txt").read_text()
    assert "postgresql" in (build / "bindep.txt").read_text() and "git" in (build / "bindep.txt").read_text()
    containerfile = next((tmp_path / "context").glob("*file")).read_text()
    assert "module enable postgresql:16" in containerfile


def test_the_collection_declares_its_execution_environment_needs():
    import yaml

    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    assert (REPO / "LICENSE").read_text().startswith(" " * 20 + "GNU GENERAL PUBLIC LICENSE")
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert all(galaxy[key].startswith("https://") for key in ("repository", "documentation", "issues"))
