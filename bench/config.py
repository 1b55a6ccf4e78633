"""The bench's knobs, all from the environment (defaults keep `make bench` under 15 minutes)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

BENCHMARKS = ("app_rollback", "app_rollback_60s", "mitogen", "python_api", "drill", "auto_rollback", "fleet",
              "restore_small", "backup", "restore", "ecs_rollback")


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Config:
    # 6,000,000 appointments make the ~1 GB database the issue sizes backup and restore at (~860 MB
    # with indexes); BENCH_DB_ROWS=2000000 (~300 MB) for a quicker run.
    db_rows: int = field(default_factory=lambda: _int("BENCH_DB_ROWS", 6_000_000))
    # The second, smaller size the restore's unavailability is shown at (~50 MB).
    small_db_rows: int = field(default_factory=lambda: _int("BENCH_SMALL_DB_ROWS", 300_000))
    deploy_seconds: float = field(default_factory=lambda: float(os.environ.get("BENCH_DEPLOY_SECONDS", "5")))
    runs: int = field(default_factory=lambda: _int("BENCH_RUNS", 5))
    # The app rollback again with long deployments (the emulator's deploy time changed for it, then
    # put back): few pairs, each pair is two deployments of this length.
    long_deploy_seconds: float = field(default_factory=lambda: float(os.environ.get("BENCH_LONG_DEPLOY_SECONDS", "60")))
    long_runs: int = field(default_factory=lambda: _int("BENCH_LONG_RUNS", 2))
    slow_runs: int = field(default_factory=lambda: _int("BENCH_SLOW_RUNS", 3))
    drill_runs: int = field(default_factory=lambda: _int("BENCH_DRILL_RUNS", 2))
    # The automatic path (the responder) and the manual drill beside it: one run each by default.
    auto_runs: int = field(default_factory=lambda: _int("BENCH_AUTO_RUNS", 1))
    only: tuple = field(default_factory=lambda: tuple(
        name for name in os.environ.get("BENCH_ONLY", ",".join(BENCHMARKS)).split(",") if name))

    def wants(self, name: str) -> bool:
        return name in self.only
