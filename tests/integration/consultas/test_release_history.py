"""The release history: a real git repo, one commit per release, stable SHAs, right migrations."""
from __future__ import annotations

import subprocess

import pytest

from sandbox import release_history

VERSIONS = ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0"]
MIGRATIONS = {
    "v1.0.0": {"professionals": ["0001_initial"], "appointments": ["0001_initial"]},
    "v1.1.0": {"professionals": ["0001_initial", "0002_professional_display_name",
                                 "0003_populate_display_name"],
               "appointments": ["0001_initial", "0002_appointment_notes"]},
    "v1.2.0": {"professionals": ["0001_initial", "0002_professional_display_name",
                                 "0003_populate_display_name", "0004_normalize_emails",
                                 "0005_council_registration_index"],
               "appointments": ["0001_initial", "0002_appointment_notes"]},
}
MIGRATIONS["v1.3.0"] = MIGRATIONS["v1.4.0"] = MIGRATIONS["v1.2.0"]
MIGRATIONS["v1.5.0"] = dict(MIGRATIONS["v1.2.0"], appointments=["0001_initial", "0002_appointment_notes",
                                                                "0003_appointment_booking_channel"])


def git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_one_commit_per_release_oldest_first_tagged(release_repo):
    repo, shas = release_repo
    assert list(shas) == VERSIONS
    log = git(repo, "log", "--reverse", "--format=%H %s").splitlines()
    assert [line.split()[0] for line in log] == list(shas.values())
    assert all(f"Release {v}:" in line for v, line in zip(VERSIONS, log))
    for version, sha in shas.items():
        assert git(repo, "rev-parse", f"{version}^{{commit}}").strip() == sha


def test_shas_are_stable_across_builds(release_repo, tmp_path):
    _, shas = release_repo
    assert release_history.build_history(tmp_path / "again") == shas


def test_build_reuses_a_complete_history_and_refuses_foreign_folders(release_repo, tmp_path):
    repo, shas = release_repo
    assert release_history.build_history(repo) == shas
    (tmp_path / "junk.txt").write_text("x")
    with pytest.raises(FileExistsError):
        release_history.build_history(tmp_path)


def test_export_stamps_the_commit_sha(release_repo, tmp_path):
    repo, shas = release_repo
    tree = release_history.export_release(repo, "v1.1.0", tmp_path)
    assert (tree / "consultas" / "REVISION").read_text().strip() == shas["v1.1.0"]
    assert (tree / "VERSION").read_text().strip() == "1.1.0"
    assert not (tree / ".git").exists()


@pytest.mark.parametrize("version", VERSIONS)
def test_release_carries_the_expected_migrations(release_repo, version):
    repo, _ = release_repo
    for app, names in MIGRATIONS[version].items():
        listed = git(repo, "ls-tree", "--name-only", f"{version}:{app}/migrations").split()
        assert sorted(n.removesuffix(".py") for n in listed if n != "__init__.py") == names


@pytest.mark.parametrize("version", VERSIONS)
def test_models_and_migrations_agree(release_repo, tmp_path, version):
    repo, _ = release_repo
    tree = release_history.export_release(repo, version, tmp_path)
    done = subprocess.run(release_history.manage_argv("makemigrations", "--check", "--dry-run"),
                          cwd=tree, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1",
                               "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes detected" in done.stdout
