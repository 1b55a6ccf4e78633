"""Optional: rollback_app.yml under the mitogen strategy against the same playbook under Ansible's
own (linear). Mitogen is not a dependency: `pip install -e .[mitogen]` where it loads. When it is
not installed, or ansible-playbook refuses it, the line says "not measured: <the error>"."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from bench.app_rollback import SKIP_SCHEMA_CHECK, other_release
from bench.session import Session
from bench.stats import Goal, Row, interleave, median, ratio, seconds

NAME = "app rollback under the mitogen strategy (optional)"
STRATEGY = "mitogen_linear"
REPORT = Goal("report (no goal set)")


class NotMeasured(Exception):
    """Mitogen cannot be used here; the message is the exact reason."""


def strategy_env(find_spec=importlib.util.find_spec) -> dict[str, str]:
    """The environment that makes ansible-playbook use mitogen's linear strategy."""
    spec = find_spec("ansible_mitogen")
    if spec is None or not spec.submodule_search_locations:
        raise NotMeasured("No module named 'ansible_mitogen' (pip install -e .[mitogen])")
    plugins = Path(next(iter(spec.submodule_search_locations))) / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": STRATEGY}


def first_error(output: str) -> str:
    """The line that says why ansible-playbook failed: its ERROR line, else a traceback's last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("ERROR!", "[ERROR]")) or "FAILED!" in line or "fatal:" in line:
            return line[:300]
    return (lines[-1] if lines else "no output")[:300]


def not_measured(reason: str) -> Row:
    return Row(NAME, "-", f"not measured: {reason}", None, REPORT.text, None)


def run(session: Session, runs: int) -> tuple[list[Row], dict]:
    try:
        env = strategy_env()
    except NotMeasured as exc:
        return [not_measured(str(exc))], {"error": str(exc)}
    probe = session.playbook("list_images.yml", env=env)
    if probe.returncode != 0:
        reason = first_error(probe.stdout + "\n" + probe.stderr)
        return [not_measured(reason)], {"error": reason, "output": (probe.stdout + probe.stderr)[-4000:]}
    apprunner = session.client("apprunner")
    arn = session.env["APPRUNNER_SERVICE_ARN"]

    def rollback(extra: dict | None, what: str):
        def one(_i: int) -> dict:
            sha = other_release(session, apprunner, arn)
            result = session.playbook("rollback_app.yml", "-e", f"sha={sha}", *SKIP_SCHEMA_CHECK,
                                      env=extra).check(what)
            return {"seconds": result.seconds, "sha": sha}
        return one

    ours_runs, base_runs = interleave(runs, rollback(env, f"rollback_app.yml ({STRATEGY})"),
                                      rollback(None, "rollback_app.yml (linear)"))
    ours_s, base_s = median([r["seconds"] for r in ours_runs]), median([r["seconds"] for r in base_runs])
    row = Row.judged(NAME, f"linear {seconds(base_s)}", f"{STRATEGY} {seconds(ours_s)}", ratio(ours_s, base_s),
                     REPORT)
    return [row], {"ours": ours_runs, "baseline": base_runs, "list_images_seconds": probe.seconds}
