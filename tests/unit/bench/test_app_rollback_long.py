"""The 60 s line: the emulator's deployment time is changed for it and put back, even when it fails."""
import pytest

from bench import app_rollback
from bench.config import Config
from bench.stats import Row


class FakeSession:
    deploy_seconds = 5.0

    def __init__(self):
        self.set_to = []

    def set_deploy_seconds(self, seconds):
        self.set_to.append(seconds)


def test_the_long_line_runs_at_its_deploy_time_with_its_goal_then_puts_it_back(monkeypatch):
    seen = {}

    def fake_run(session, runs, **kwargs):
        seen.update(kwargs, runs=runs, during=list(session.set_to))
        return [Row("line", "b", "o", 1.02, kwargs["goal"].text, kwargs["goal"].met(1.02))], {"ours": []}

    monkeypatch.setattr(app_rollback, "run", fake_run)
    session = FakeSession()
    rows, raw = app_rollback.run_long(session, 2, 60.0)
    assert seen == {"deploy_seconds": 60.0, "goal": app_rollback.LONG_GOAL, "lag_row": False, "runs": 2,
                    "during": [60.0]}
    assert session.set_to == [60.0, 5.0] and raw == {"ours": [], "deploy_seconds": 60.0}
    assert rows[0].goal == "<= 1.05x" and rows[0].met is True


def test_the_deploy_time_is_put_back_when_the_line_fails(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("rollback_app.yml failed")

    monkeypatch.setattr(app_rollback, "run", broken)
    session = FakeSession()
    with pytest.raises(RuntimeError):
        app_rollback.run_long(session, 2, 60.0)
    assert session.set_to == [60.0, 5.0]


def test_the_long_line_and_mitogen_are_benchmarks_of_their_own(monkeypatch):
    monkeypatch.setenv("BENCH_ONLY", "app_rollback_60s,fleet")
    monkeypatch.delenv("BENCH_LONG_DEPLOY_SECONDS", raising=False)
    config = Config()
    assert config.wants("app_rollback_60s") and config.wants("fleet") and not config.wants("app_rollback")
    assert (config.long_deploy_seconds, config.long_runs) == (60.0, 2)
    assert not config.wants("mitogen")
