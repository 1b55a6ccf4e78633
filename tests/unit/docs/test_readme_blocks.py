"""README.md's code blocks: each runs in the test suite (tests/integration/readme) unless the
line before it says why not, and such exceptions stay few."""
from __future__ import annotations

import pytest

from tests.readme_blocks import blocks

MOST_SKIPPED = 2


def test_readme_blocks_are_runnable_languages_and_skips_are_few():
    found = blocks()
    assert {block.language for block in found} <= {"bash", "python"}, [b.language for b in found]
    skipped = [block for block in found if block.skip_reason]
    assert len(skipped) <= MOST_SKIPPED, [(b.line, b.skip_reason) for b in skipped]
    run = [block for block in found if not block.skip_reason]
    assert {"bash", "python"} <= {block.language for block in run}
    assert any("from lacrei_rollback import Client" in block.code for block in run)


def test_extraction_and_skip_marks():
    text = ("intro\n<!-- readme-test: skip (needs real AWS) -->\n```bash\naws sts get-caller-identity\n```\n"
            "```python\nprint(1)\n```\n")
    first, second = blocks(text)
    assert (first.language, first.skip_reason, first.line) == ("bash", "needs real AWS", 3)
    assert (second.language, second.code, second.skip_reason) == ("python", "print(1)\n", None)
    with pytest.raises(ValueError, match="never closed"):
        blocks("```bash\nls\n")
