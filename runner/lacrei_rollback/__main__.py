"""``python -m lacrei_rollback <runbook> [--options]`` (same as the ``lacrei-rollback`` command)."""
import sys

from lacrei_rollback.cli import main

sys.exit(main())
