"""3. Restore: the project's (postgres_restore: verify, safety backup, scratch load, rename swap) vs.
the runbook's `dropdb` + `createdb` + `psql db < backup.sql`, with a prober measuring downtime."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from bench.pg import DATABASE, database_size, drop_database, drop_databases_like, run_module
from bench.prober import Prober
from bench.session import Session, timed
from bench.stats import Goal, Row, interleave, median, ratio, seconds, size


def run(session: Session, runs: int, files: dict, workdir: Path) -> tuple[list[Row], dict]:
    db_size = database_size(session)
    safety_dir = workdir / "safety-backups"

    def ours(_i: int, safety_backup: bool = True) -> dict:
        safety_dir.mkdir(parents=True, exist_ok=True)
        args = {"backup_file": files["archive"], "database": DATABASE, "terminate_sessions": True,
                "safety_backup": safety_backup, "safety_backup_dir": str(safety_dir)}
        with Prober(session.env["DATABASE_URL"]) as prober:
            result, out = run_module(session, "postgres_restore", args, workdir)
        drop_databases_like(session, f"{DATABASE}_pre_restore_%")
        shutil.rmtree(safety_dir, ignore_errors=True)
        return {"seconds": result.seconds, "durations": out.get("durations"),
                "module_unavailable_seconds": out.get("unavailable_seconds"), **prober.summary()}

    def baseline(_i: int) -> dict:
        env = session.pg_env()
        with Prober(session.env["DATABASE_URL"]) as prober:
            started = time.monotonic()
            drop_database(session, DATABASE)
            timed(["createdb", DATABASE], env).check("createdb")
            timed(["psql", "-X", "-q", DATABASE], env, stdin_path=Path(files["plain"])).check("psql < backup.sql")
            seconds_taken = round(time.monotonic() - started, 3)
        return {"seconds": seconds_taken, **prober.summary()}

    ours_runs, base_runs = interleave(runs, ours, baseline)
    no_safety = [ours(i, safety_backup=False) for i in range(max(1, runs // 2))]
    return _rows(db_size, ours_runs, base_runs, no_safety), {
        "database_size": db_size, "ours": ours_runs, "baseline": base_runs, "ours_without_safety_backup": no_safety}


def _rows(db_size: int, ours_runs: list, base_runs: list, no_safety: list) -> list[Row]:
    label = f"({size(db_size)} database)"
    ours_s, base_s = median([r["seconds"] for r in ours_runs]), median([r["seconds"] for r in base_runs])
    bare_s = median([r["seconds"] for r in no_safety])
    ours_u = median([r["unavailable_seconds"] for r in ours_runs])
    base_u = median([r["unavailable_seconds"] for r in base_runs])
    return [
        Row.judged(f"restore total {label}", f"drop+createdb+psql {seconds(base_s)}",
                   f"postgres_restore {seconds(ours_s)} (without safety backup {seconds(bare_s)})",
                   ratio(ours_s, base_s), Goal("<= 0.9x", 0.9), ratio_without_safety_backup=ratio(bare_s, base_s)),
        Row.judged(f"restore unavailability {label}", seconds(base_u), seconds(ours_u), ratio(ours_u, base_u),
                   Goal("<= 1 s", 1.0), judged_value=ours_u),
    ]
