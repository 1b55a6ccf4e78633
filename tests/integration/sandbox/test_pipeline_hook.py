"""sandbox/pipeline.py without servers: which pushes start a run, and the staging remote it installs."""
from __future__ import annotations

from sandbox import pipeline, procs, release_history
from tests.unit.plugins.modules.git_fixtures import git


def test_only_a_push_that_moves_main_starts_a_run(tmp_path, capsys):
    sha = "1" * 40
    lines = [f"{'0' * 40} {sha} refs/tags/v9.9.9",            # a tag
             f"{sha} {'0' * 40} refs/heads/main",             # main deleted
             f"{'0' * 40} {sha} refs/heads/feature",          # another branch
             "garbage"]
    assert pipeline.hook(tmp_path, lines) == 0
    assert not list(procs.pid_dir(tmp_path).glob("pipeline-*.pid"))
    assert capsys.readouterr().out == ""


def test_install_makes_the_staging_remote_on_the_running_release_with_the_tags(tmp_path):
    repo = tmp_path / "app-repo"
    shas = release_history.build_history(repo)
    values = pipeline.install(tmp_path, repo, shas["v1.2.0"], "svc")
    bare = tmp_path / "staging.git"
    assert values == {"STAGING_REMOTE_URL": str(bare), "PIPELINE_LOG": str(tmp_path / "pipeline" / "pipeline.log"),
                      "PIPELINE_LOG_GROUP": "/lacrei/pipeline/svc"}
    assert git(bare, "rev-parse", "refs/heads/main") == shas["v1.2.0"]
    assert git(bare, "rev-parse", "v1.0.0") == shas["v1.0.0"]
    assert git(repo, "remote", "get-url", "staging") == str(bare)
    hook = (bare / "hooks" / "post-receive").read_text()
    assert "-m sandbox.pipeline hook" in hook and str(tmp_path) in hook
    # Again (a second `sandbox up`): nothing moves, no run starts.
    assert pipeline.install(tmp_path, repo, shas["v1.0.0"], "svc") == values
    assert git(bare, "rev-parse", "refs/heads/main") == shas["v1.2.0"]
