"""4. Python API overhead: Client.list_images() vs. ansible-playbook list_images.yml (read-only)."""
from __future__ import annotations

import time

from bench.session import Session
from bench.stats import Goal, Row, interleave, median, ratio, seconds


def run(session: Session, runs: int) -> tuple[list[Row], dict]:
    from lacrei_rollback import Control
    from lacrei_rollback.runbooks import Client

    client = Client("sandbox", sandbox_dir=session.dir, control=Control(timeout=300))

    def ours(_i: int) -> dict:
        started = time.monotonic()
        images = client.list_images()
        return {"seconds": round(time.monotonic() - started, 3), "images": len(images)}

    def baseline(_i: int) -> dict:
        result = session.playbook("list_images.yml").check("list_images.yml")
        return {"seconds": result.seconds}

    ours_runs, base_runs = interleave(runs, ours, baseline)
    ours_s, base_s = median([r["seconds"] for r in ours_runs]), median([r["seconds"] for r in base_runs])
    row = Row.judged("Python API overhead (list_images)", f"ansible-playbook {seconds(base_s)}",
                     f"Client.list_images() {seconds(ours_s)}", ratio(ours_s, base_s), Goal("<= 1.1x", 1.1))
    return [row], {"ours": ours_runs, "baseline": base_runs}
