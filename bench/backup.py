"""2. Backup: the project's default (postgres_backup, run directly) vs. `pg_dump db > backup.sql`."""
from __future__ import annotations

import shutil
from pathlib import Path

from bench.pg import DATABASE, database_size, run_module
from bench.session import Session, timed
from bench.stats import Goal, Row, interleave, median, ratio, seconds, size

# pg_dump settings a default could use instead (measured once each, for the choice).
VARIANTS = {
    "custom -Z6 (pg_dump's default level)": ["-Fc"],
    "custom -Z1 (module default)": ["-Fc", "-Z1"],
    "custom -Z0": ["-Fc", "-Z0"],
    "directory -Z1 -j2": ["-Fd", "-Z1", "-j2"],
}


def run(session: Session, runs: int, workdir: Path) -> tuple[list[Row], dict, dict]:
    """Rows, raw runs, and the files of the last runs (plain SQL, module archive) for the restore bench."""
    db_size = database_size(session)
    plain = workdir / "backup.sql"
    module_dir = workdir / "module-backups"
    kept: dict = {}

    def ours(_i: int) -> dict:
        shutil.rmtree(module_dir, ignore_errors=True)
        module_dir.mkdir(parents=True)
        result, out = run_module(session, "postgres_backup", {"database": DATABASE, "backup_dir": str(module_dir)},
                                 workdir)
        kept["archive"] = out["backup_path"]
        return {"seconds": result.seconds, "size": out["size"], "dump_seconds": out["duration_seconds"],
                "verify_seconds": out["verify_seconds"], "format": out["manifest"]["format"],
                "compress": out["manifest"]["compress"]}

    def baseline(_i: int) -> dict:
        result = timed(["pg_dump", DATABASE], session.pg_env(), stdout_path=plain).check("pg_dump > backup.sql")
        kept["plain"] = str(plain)
        return {"seconds": result.seconds, "size": plain.stat().st_size}

    ours_runs, base_runs = interleave(runs, ours, baseline)
    variants = {name: _variant(session, args, workdir / "variant") for name, args in VARIANTS.items()}
    return _rows(db_size, ours_runs, base_runs), {
        "database_size": db_size, "ours": ours_runs, "baseline": base_runs, "variants": variants}, kept


def _variant(session: Session, args: list[str], target: Path) -> dict:
    shutil.rmtree(target, ignore_errors=True)
    result = timed(["pg_dump", *args, "-f", str(target), DATABASE], session.pg_env()).check("pg_dump " + " ".join(args))
    size_bytes = sum(p.stat().st_size for p in target.rglob("*")) if target.is_dir() else target.stat().st_size
    shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink()
    return {"seconds": result.seconds, "size": size_bytes}


def _rows(db_size: int, ours_runs: list, base_runs: list) -> list[Row]:
    label = f"({size(db_size)} database)"
    ours_s, base_s = median([r["seconds"] for r in ours_runs]), median([r["seconds"] for r in base_runs])
    ours_b, base_b = median([r["size"] for r in ours_runs]), median([r["size"] for r in base_runs])
    dump_s, verify_s = median([r["dump_seconds"] for r in ours_runs]), median([r["verify_seconds"] for r in ours_runs])
    fmt = f"{ours_runs[0]['format']} -Z{ours_runs[0]['compress']}"
    verify_share = ratio(verify_s, dump_s)
    return [
        Row.judged(f"backup time {label}", f"pg_dump > .sql {seconds(base_s)}",
                   f"postgres_backup ({fmt}, verified) {seconds(ours_s)}", ratio(ours_s, base_s), Goal("<= 1.5x", 1.5)),
        Row.judged(f"backup size {label}", size(base_b), size(ours_b), ratio(ours_b, base_b), Goal("<= 0.35x", 0.35)),
        Row.judged("backup verification (list + sha256)", f"pg_dump {seconds(dump_s)}",
                   f"verify {seconds(verify_s)} ({(verify_share or 0) * 100:.1f}%)", verify_share,
                   Goal("<= 10% of the dump", 0.10)),
    ]
