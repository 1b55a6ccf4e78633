"""Image identifier parsing and git SHA resolution (pure functions)."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SHA_A = "a" * 40
SHA_B = "ab" + "c" * 38


@pytest.mark.parametrize("identifier, expected", [
    (f"{HOST}/team/api:{SHA_A}", (HOST, "team/api", SHA_A, None)),
    (f"{HOST}/api@sha256:{'f' * 64}", (HOST, "api", None, "sha256:" + "f" * 64)),
    ("localhost:5000/api:v1", ("localhost:5000", "api", "v1", None)),
    ("library/nginx", ("", "library/nginx", None, None)),
])
def test_parse_image_identifier(identifier, expected):
    ref = ecr.parse_image_identifier(identifier)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected


def test_registry_id_and_pinning():
    ref = ecr.parse_image_identifier(f"{HOST}/api:v1")
    assert ref.registry_id == "123456789012"
    assert ref.pinned("sha256:00") == f"{HOST}/api@sha256:00"
    assert ecr.parse_image_identifier("localhost:5000/api:v1").registry_id is None


def test_resolve_sha_takes_only_full_sha_tags():
    images = [{"tags": [SHA_B, "abcdef1"]}, {"tags": [SHA_A]}]
    tag, image = ecr.resolve_sha(images, "abccccc", "api")
    assert tag == SHA_B and image is images[0]
    with pytest.raises(ActionFailed, match="ambiguous"):
        ecr.resolve_sha([{"tags": [SHA_B]}, {"tags": ["ab" + "c" * 37 + "d"]}], "abccccc", "api")
    with pytest.raises(ActionFailed, match="newest tags: none"):
        ecr.resolve_sha([], "abcdef1", "api")
