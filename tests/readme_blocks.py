"""The fenced code blocks of README.md, so the tests can run them.

A block is skipped only when the line before its fence says why:
``<!-- readme-test: skip (reason) -->`` (commands that are unsafe here or need real AWS).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"^<!--\s*readme-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->\s*$")


class Block(NamedTuple):
    language: str
    code: str
    line: int             # 1-based line of the opening fence
    skip_reason: str | None


def blocks(text: str | None = None) -> list[Block]:
    lines = (README.read_text() if text is None else text).splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"), None)
        if end is None:
            raise ValueError(f"README.md:{index + 1}: a code block is never closed")
        skip = SKIP.match(lines[index - 1]) if index else None
        found.append(Block(opening.group(1), "\n".join(lines[index + 1:end]) + "\n", index + 1,
                           skip.group("reason").strip() if skip else None))
        index = end + 1
    return found
