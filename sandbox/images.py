"""Release images for the sandbox's ECR (moto): one deterministic OCI manifest per commit SHA.

No layers are ever pulled in the sandbox, so an image is just its manifest: the config and
layer digests are derived from the SHA, and the manifest's annotations carry
``org.opencontainers.image.revision: <sha>`` (the config's labels, see ``image_config``, say
the same). Same SHA -> same manifest -> same image digest, run after run.
"""
from __future__ import annotations

import hashlib
import json
import time

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
TITLE = "consultas-medicas-api"
SOURCE = "https://github.com/lacrei/consultas-medicas-api"
PUSH_GAP_SECONDS = 1.05  # moto's imagePushedAt has 1-second resolution


def image_config(sha: str) -> str:
    """The image config JSON (its Labels carry the revision); canonical, so its digest is stable."""
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Cmd": ["sh", "-c", "gunicorn consultas.wsgi --bind 0.0.0.0:${PORT} --workers 2"],
            "Env": [f"GIT_SHA={sha}", "PORT=8000"],
            "Labels": {"org.opencontainers.image.revision": sha,
                       "org.opencontainers.image.title": TITLE},
        },
        "rootfs": {"type": "layers", "diff_ids": [_digest(f"diff:{sha}")]},
    }
    return _canonical(config)


def image_manifest(sha: str) -> str:
    """The OCI image manifest JSON for the release built from commit ``sha``."""
    config = image_config(sha)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": _digest(config),
                   "size": len(config.encode())},
        "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": _digest(f"layer:{sha}"),
                    "size": 4096 + int(sha[:4], 16)}],
        "annotations": {"org.opencontainers.image.revision": sha,
                        "org.opencontainers.image.source": SOURCE,
                        "org.opencontainers.image.title": TITLE},
    }
    return _canonical(manifest)


def manifest_digest(sha: str) -> str:
    """The image digest ECR gives the manifest of ``sha``."""
    return _digest(image_manifest(sha))


def push_release_images(ecr_client, repository: str, shas_by_version: dict[str, str]) -> dict[str, str]:
    """Create ``repository`` if needed and push each release oldest first (dict order), tagged
    ``<sha>`` and ``<version>``; pushes of successive releases are >1 s apart so imagePushedAt
    is strictly increasing. Returns {version: image digest}. Re-pushing is a no-op.
    """
    _ensure_repository(ecr_client, repository)
    digests, last_push = {}, None
    for version, sha in shas_by_version.items():
        if last_push is not None:
            time.sleep(max(0.0, last_push + PUSH_GAP_SECONDS - time.monotonic()))
        if _put_image(ecr_client, repository, sha, sha):
            last_push = time.monotonic()
        _put_image(ecr_client, repository, sha, version)
        digests[version] = manifest_digest(sha)
    return digests


def push_image(ecr_client, repository: str, sha: str) -> str:
    """Push the image built from commit ``sha``, tagged ``<sha>`` (the pipeline's build); its digest.
    Re-pushing is a no-op."""
    _ensure_repository(ecr_client, repository)
    _put_image(ecr_client, repository, sha, sha)
    return manifest_digest(sha)


def _ensure_repository(ecr_client, repository: str) -> None:
    try:
        ecr_client.create_repository(repositoryName=repository)
    except ecr_client.exceptions.RepositoryAlreadyExistsException:
        pass


def _put_image(ecr_client, repository: str, sha: str, tag: str) -> bool:
    """put_image with ECR's digest (sha256 of the manifest); False when the tag was there."""
    try:
        ecr_client.put_image(repositoryName=repository, imageManifest=image_manifest(sha),
                             imageTag=tag, imageManifestMediaType=MANIFEST_MEDIA_TYPE,
                             imageDigest=manifest_digest(sha))
    except ecr_client.exceptions.ImageAlreadyExistsException:
        return False
    return True


def _canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
