"""Start bounded background traffic against the sandbox's service URL, registered as a sandbox process.

    python spawn_traffic.py RATE SECONDS

Runs `python -m sandbox traffic --rate RATE --seconds SECONDS` detached, with its PID recorded
under $SANDBOX_DIR/pids/drill-traffic.pid: `python -m sandbox down` (the scenario's destroy) stops
it; SECONDS only bounds it should destroy never run.
"""
from __future__ import annotations

import os
import sys

from sandbox import procs


def main(rate: str, seconds: str) -> int:
    argv = [sys.executable, "-m", "sandbox", "traffic", "--rate", rate, "--seconds", seconds]
    pid = procs.spawn("drill-traffic", argv, env=dict(os.environ), cwd=procs.REPO_ROOT)
    print(f"traffic {rate}/s for {seconds}s: pid {pid}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
