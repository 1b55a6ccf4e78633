# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup archives: formats, checksums, manifests and the readability check.

Checksum (``sha256`` in the manifest): for a file, the SHA-256 of its bytes. For a directory
archive, the SHA-256 of its ``sha256sum``-style listing: one ``<sha256 of file>  <relative
path>\\n`` line per file, sorted by relative path, which is what
``(cd DIR && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum) | sha256sum``
prints. ``size`` is the sum of the file sizes in bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

# format -> (file extension, pg_dump -F letter)
FORMATS = {"custom": ("dump", "c"), "directory": ("dir", "d"), "plain": ("sql", "p")}
MANIFEST_SUFFIX = ".manifest.json"
PLAIN_END = b"-- PostgreSQL database dump complete"
CHUNK = 1024 * 1024


def archive_name(database: str, stamp: str, fmt: str) -> str:
    return f"backup_{database}_{stamp}.{FORMATS[fmt][0]}"


def manifest_path(archive: str) -> str:
    return archive + MANIFEST_SUFFIX


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum(path: str) -> tuple[int, str]:
    """(size in bytes, sha256 hex) of a file or a directory archive (see module doc)."""
    if not os.path.isdir(path):
        return os.path.getsize(path), file_sha256(path)
    files = sorted(os.path.relpath(os.path.join(root, name), path)
                   for root, _dirs, names in os.walk(path) for name in names)
    listing = "".join(f"{file_sha256(os.path.join(path, rel))}  {rel}\n" for rel in files)
    size = sum(os.path.getsize(os.path.join(path, rel)) for rel in files)
    return size, hashlib.sha256(listing.encode()).hexdigest()


def detect_format(path: str) -> str:
    """custom (PGDMP magic), directory (toc.dat inside) or plain (anything else: SQL text)."""
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "toc.dat")):
            raise ActionFailed(f"{path} is a folder without toc.dat: not a pg_dump directory archive")
        return "directory"
    with open(path, "rb") as handle:
        return "custom" if handle.read(5) == b"PGDMP" else "plain"


def remove(path: str) -> None:
    """Delete a file or folder if it is there."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)


def read_manifest(archive: str) -> dict | None:
    path = manifest_path(archive)
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ActionFailed(f"Cannot read manifest {path}: {exc}") from exc


def write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def check_against_manifest(archive: str, manifest: dict) -> dict:
    """Refuse an archive whose size or sha256 differs from its manifest; facts when it matches."""
    size, sha = checksum(archive)
    if size != manifest.get("size") or sha != manifest.get("sha256"):
        raise ActionFailed(
            f"Backup {archive} does not match its manifest (size {size} vs {manifest.get('size')}, "
            f"sha256 {sha} vs {manifest.get('sha256')}): the file is corrupt or truncated. Nothing was changed.",
            size=size, sha256=sha)
    return {"size": size, "sha256": sha}


def list_archive(pg, archive: str) -> float:
    """``pg_restore --list`` reads the whole table of contents; returns the seconds it took."""
    started = time.monotonic()
    pg.run("pg_restore", ["--list", archive], f"read backup {archive} with pg_restore --list")
    return time.monotonic() - started


def check_plain_complete(path: str) -> None:
    """Refuse plain SQL without pg_dump's closing comment (a truncated or partial dump)."""
    with open(path, "rb") as handle:
        handle.seek(max(0, os.path.getsize(path) - 4096))
        if PLAIN_END not in handle.read():
            raise ActionFailed(f"{path} lacks pg_dump's '{PLAIN_END.decode()}' trailer: the SQL dump is "
                               "truncated or incomplete. Nothing was changed.")
