"""What the numbers were measured on: cores, memory, load, versions."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _tool(command: list[str]) -> str | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def info() -> dict:
    return {
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": {"ansible-core": _version("ansible-core"), "ansible-runner": _version("ansible-runner"),
                     "boto3": _version("boto3"), "moto": _version("moto"), "psycopg2": _version("psycopg2-binary"),
                     "pg_dump": _tool(["pg_dump", "--version"]), "psql": _tool(["psql", "--version"])},
    }
