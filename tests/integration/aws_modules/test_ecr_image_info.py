"""ecr_image_info against the real moto server."""
from __future__ import annotations

import pytest

from aws_sandbox import create_repository, git_sha, push_image

MODULE = "ecr_image_info"


@pytest.fixture(scope="module")
def releases(aws_env):
    """A repository with four releases, oldest first; two SHAs share a 7-char prefix."""
    repo = create_repository()
    shas = [git_sha(), git_sha(), "abcdef1" + git_sha()[7:], "abcdef1" + git_sha()[7:]]
    digests = [push_image(repo["repositoryName"], sha) for sha in shas[:-1]]
    digests.append(push_image(repo["repositoryName"], shas[-1], "latest"))
    return {"repo": repo, "name": repo["repositoryName"], "shas": shas, "digests": digests}


def test_lists_images_newest_first(run_module, releases):
    result = run_module(MODULE, {"repository": releases["name"]})
    assert result["changed"] is False
    assert result["repository_uri"] == releases["repo"]["repositoryUri"]
    assert [image["digest"] for image in result["images"]] == releases["digests"][::-1]
    newest = result["images"][0]
    assert newest["tags"] == sorted([releases["shas"][-1], "latest"])
    assert newest["pushed_at"].endswith("+00:00")
    assert isinstance(newest["size_bytes"], int)


def test_filters_by_tag_and_prefix(run_module, releases):
    by_tag = run_module(MODULE, {"repository": releases["name"], "tag": "latest"})
    assert [image["digest"] for image in by_tag["images"]] == [releases["digests"][-1]]
    by_prefix = run_module(MODULE, {"repository": releases["name"], "tag_prefix": "abcdef1"})
    assert [image["digest"] for image in by_prefix["images"]] == releases["digests"][:1:-1]


def test_resolves_short_sha(run_module, releases):
    full = releases["shas"][1]
    result = run_module(MODULE, {"repository": releases["name"], "sha": full[:7].upper()})
    assert result["tag"] == full
    assert result["image"]["digest"] == releases["digests"][1]
    assert result["image_uri"] == f"{releases['repo']['repositoryUri']}:{full}"


def test_ambiguous_sha_lists_candidates(run_module, releases):
    result = run_module(MODULE, {"repository": releases["name"], "resolve": "abcdef1"})
    assert result["failed"] is True
    assert "ambiguous" in result["msg"]
    assert result["candidates"] == sorted(releases["shas"][2:])


@pytest.mark.parametrize("sha", ["abc12", "xyz1234", "abcdef1-"])
def test_malformed_sha_is_refused(run_module, releases, sha):
    result = run_module(MODULE, {"repository": releases["name"], "sha": sha})
    assert result["failed"] is True
    assert result["msg"].startswith("Refused, nothing was changed: sha must be a git SHA") and repr(sha) in result["msg"]


def test_missing_sha_lists_newest_tags(run_module, releases):
    result = run_module(MODULE, {"repository": releases["name"], "sha": "0000000"})
    assert result["failed"] is True
    expected = sorted([releases["shas"][-1], "latest"]) + [releases["shas"][2], releases["shas"][1], releases["shas"][0]]
    assert result["newest_tags"] == expected
    assert ", ".join(expected) in result["msg"]


def test_missing_repository_is_a_clear_aws_error(run_module, aws_env):
    result = run_module(MODULE, {"repository": "does-not-exist"})
    assert result["failed"] is True
    assert result["error"] == "RepositoryNotFoundException"
    assert result["msg"].startswith("Failed to describe ECR repository does-not-exist: RepositoryNotFoundException: ")
    assert result["response_metadata"]["http_status_code"] == 400


def test_unreachable_endpoint_is_reported(run_module, aws_env):
    from sandbox.procs import free_port

    args = {"repository": "any", "endpoint_url": f"http://127.0.0.1:{free_port()}", "max_attempts": 1}
    result = run_module(MODULE, args)
    assert result["failed"] is True
    assert result["error"] == "EndpointConnection"
    assert "Could not connect to the endpoint URL" in result["msg"]
