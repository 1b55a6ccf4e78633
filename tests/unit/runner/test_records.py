"""list_images' records, built from the modules' registered results."""
from __future__ import annotations

from lacrei_rollback.records import Image, images_of

SHA_A, SHA_B, SHA_C = "a" * 40, "b" * 40, "c" * 40


def test_images_mark_the_running_one_and_what_ran():
    ecr = {"images": [{"tags": [SHA_A, "v1.3.0"], "digest": "sha256:a", "pushed_at": "t3", "size_bytes": 9},
                      {"tags": [SHA_B, "v1.2.0"], "digest": "sha256:b", "pushed_at": "t2"},
                      {"tags": ["untagged-build"], "digest": "sha256:c", "pushed_at": "t1"}]}
    history = {"current": {"digest": "sha256:b"}, "releases": [{"digest": "sha256:b"}], "excluded": [{"digest": "sha256:a"}]}
    images = images_of("svc", ecr, history)
    assert images[0] == Image("svc", SHA_A, (SHA_A, "v1.3.0"), "sha256:a", "t3", running=False, ran="failed")
    assert images[1].running and images[1].ran == "ok" and images[1].versions == ("v1.2.0",)
    assert images[2].sha is None and images[2].ran is None


def test_images_without_history():
    assert images_of("svc", {"images": [{"tags": [SHA_C], "digest": "d", "pushed_at": "t"}]}, None)[0].running is False
    assert images_of("svc", {}, {}) == []
