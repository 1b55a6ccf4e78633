"""The sandbox's `.sandbox/env`: KEY=VALUE lines a shell can source (and Ansible can read)."""
from __future__ import annotations

import shlex
from pathlib import Path


def read(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.removeprefix("export ").strip()] = _unquote(value.strip())
    return values


def _unquote(value: str) -> str:
    if value[:1] in "'\"":
        parts = shlex.split(value)
        return parts[0] if parts else ""
    return value


def write(path: Path, values: dict[str, str]) -> None:
    lines = ["# Written by `make sandbox`; `set -a; . .sandbox/env; set +a` exports it to a shell."]
    for key in sorted(values):
        value = str(values[key])
        lines.append(f"{key}={shlex.quote(value) if _needs_quotes(value) else value}")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


def _needs_quotes(value: str) -> bool:
    return any(ch in value for ch in " \t'\"$`\\;&|<>(){}*?#~") or value == ""
