"""`python -m bench`: start a private sandbox, run every benchmark A/B interleaved, print one table,
write bench/results/<stamp>.json (and latest.json), stop everything."""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import app_rollback, auto_rollback, backup, drill, ecs_rollback, fleet, machine, mitogen, python_api, restore
from bench.config import Config
from bench.pg import DATABASE, settle
from bench.session import Session
from bench.stats import Row
from bench.table import markdown_table, text_table

RESULTS = Path(__file__).resolve().parent / "results"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Run:
    """Collects rows and raw data; a benchmark that crashes becomes an error row, the rest go on."""

    def __init__(self):
        self.rows: list[Row] = []
        self.raw: dict = {}

    def step(self, name: str, what: str, call):
        say(what)
        started = time.monotonic()
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - report it and keep measuring the rest
            traceback.print_exc()
            self.rows.append(Row(name, "-", f"ERROR: {str(exc).splitlines()[0][:80]}", None, "-", None))
            self.raw[name] = {"error": str(exc)}
            return None
        self.raw[name] = {"seconds": round(time.monotonic() - started, 1)}
        return result

    def take(self, name: str, rows: list[Row], raw: dict) -> None:
        self.rows.extend(rows)
        self.raw[name].update(raw)


def benchmarks(config: Config, session: Session, run: Run, work: Path) -> None:
    runs, slow = config.runs, config.slow_runs
    simple = [("app_rollback", f"app rollback: {runs} A/B pairs", lambda: app_rollback.run(session, runs)),
              ("app_rollback_60s", f"app rollback at {config.long_deploy_seconds:g} s deployments: "
               f"{config.long_runs} A/B pairs", lambda: app_rollback.run_long(session, config.long_runs,
                                                                              config.long_deploy_seconds)),
              ("mitogen", f"app rollback under mitogen: {runs} A/B pairs", lambda: mitogen.run(session, runs)),
              ("python_api", f"Python API: {runs} A/B pairs", lambda: python_api.run(session, runs)),
              ("drill", f"drill: {config.drill_runs} runs", lambda: drill.run(session, config.drill_runs)),
              ("auto_rollback", f"automatic rollback beside the manual drill: {config.auto_runs} runs each",
               lambda: auto_rollback.run(session, config.auto_runs)),
              ("fleet", f"fleet: {slow} A/B pairs", lambda: fleet.run(session, slow, work)),
              ("ecs_rollback", f"ECS rollback: {runs} A/B pairs", lambda: ecs_rollback.run(session, runs))]
    for name, what, call in simple:
        if config.wants(name) and (out := run.step(name, what, call)):
            run.take(name, *out)
    if config.wants("restore_small"):
        small = work / "small"
        small.mkdir(parents=True, exist_ok=True)
        settle(session)
        made = run.step("restore_small", "restore at the small size", lambda: backup.run(session, 1, small))
        if made and (out := run.step("restore_small", "restore at the small size",
                                     lambda: restore.run(session, slow, made[2], small))):
            run.take("restore_small", *out)
    if config.wants("backup") or config.wants("restore"):
        say(f"growing the database to {config.db_rows} appointments")
        from sandbox import seed_data
        seed_data.seed(session.env["DATABASE_URL"], config.db_rows, dbname=DATABASE)
        settle(session)
        out = run.step("backup", f"backup: {runs} A/B pairs", lambda: backup.run(session, runs, work))
        if out:
            run.take("backup", out[0] if config.wants("backup") else [], out[1])
            if config.wants("restore") and (res := run.step("restore", f"restore: {slow} A/B pairs",
                                                            lambda: restore.run(session, slow, out[2], work))):
                run.take("restore", *res)


def write_results(config: Config, run: Run, started: datetime, seconds: float) -> Path:
    RESULTS.mkdir(exist_ok=True)
    document = {"started_at": started.isoformat(timespec="seconds"), "total_seconds": round(seconds, 1),
                "config": config.__dict__, "machine": machine.info(),
                "table": [row.as_dict() for row in run.rows], "markdown_table": markdown_table(run.rows),
                "raw": run.raw}
    path = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    text = json.dumps(document, indent=2, default=str) + "\n"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


def main() -> int:
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        from bench import config as knobs
        print(__doc__.strip() + "\n\n" + (knobs.__doc__ or "").strip())
        print("Knobs: BENCH_ONLY (comma-separated names), BENCH_RUNS, BENCH_DB_ROWS, BENCH_DEPLOY_SECONDS; "
              "see bench/config.py.")
        return 0
    config = Config()
    os.environ["SANDBOX_ECS"] = "1" if config.wants("ecs_rollback") else "0"  # `sandbox up --ecs` only for its line
    started, clock = datetime.now(timezone.utc), time.monotonic()
    session = Session(config.deploy_seconds, config.small_db_rows)
    run = Run()
    say(f"sandbox in {session.dir} ({config.small_db_rows} rows, deployments take {config.deploy_seconds:g} s)")
    try:
        session.up()
        benchmarks(config, session, run, session.dir / "bench-work")
    finally:
        say("stopping the sandbox")
        session.down()
    seconds = time.monotonic() - clock
    path = write_results(config, run, started, seconds)
    print()
    print(text_table(run.rows))
    print(f"\n{len(run.rows)} rows in {seconds / 60:.1f} min; raw runs and machine info in {path}")
    return 1 if any(row.ours.startswith("ERROR") for row in run.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
