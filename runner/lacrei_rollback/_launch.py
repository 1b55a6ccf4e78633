"""Start ansible-playbook with secrets that never touch the disk.

ansible-runner writes the environment it starts a job with to ``artifacts/<id>/command``, so
secrets are kept out of that environment. Runner starts this script instead (under its pty);
the script prints :data:`PROMPT`, reads one line that runner answers from memory (its
``passwords`` mechanism), puts the secrets in its own environment and execs ansible-playbook.
Usage: ``python _launch.py /path/to/ansible-playbook [ansible-playbook arguments...]``.
"""
from __future__ import annotations

import base64
import json
import os
import sys

PROMPT = "lacrei-rollback-secrets: "
PROMPT_PATTERN = r"lacrei-rollback-secrets:\s*$"


def encode(secrets: dict[str, str]) -> str:
    """The one-line answer that carries ``secrets``."""
    return base64.b64encode(json.dumps(secrets).encode()).decode()


def decode(line: str | bytes) -> dict[str, str]:
    data = json.loads(base64.b64decode(line.strip() or b"e30="))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("the secrets line must be a JSON object of strings")
    return {str(key): value for key, value in data.items()}


def _read_line(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        chunks.append(chunk)
        if b"\n" in chunk:
            break
    return b"".join(chunks).split(b"\n", 1)[0]


def read_secrets(fd: int = 0, out=None) -> dict[str, str]:
    """Ask for the secrets on ``out`` and read them from ``fd`` (not echoed, no line limit)."""
    out = out or sys.stdout
    saved = None
    if os.isatty(fd):
        import termios

        saved = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~(termios.ECHO | termios.ICANON)
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        out.write(PROMPT)
        out.flush()
        line = _read_line(fd)
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
    out.write("\n")
    out.flush()
    return decode(line)


def main(argv: list[str]) -> None:  # pragma: no cover - replaced by exec; exercised by every run
    if len(argv) < 2:
        sys.exit("usage: _launch.py ANSIBLE_PLAYBOOK [ARGS...]")
    env = dict(os.environ)
    env.update(read_secrets())
    os.execve(argv[1], argv[1:], env)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
