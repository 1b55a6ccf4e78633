"""The ECS bench line's choices: which release the next run moves to, and the baseline's image URI;
and that the sandbox starts with ECS only when the line is selected."""
import importlib.util

from bench.config import BENCHMARKS, Config
from bench.ecs_rollback import other_release

SHAS = ["a" * 40, "b" * 40]


def load_baseline():
    spec = importlib.util.spec_from_file_location("ecs_rollback_boto3", "bench/baselines/ecs_rollback_boto3.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_run_moves_the_service_to_the_release_it_does_not_run():
    assert other_release(f"123.dkr.ecr.us-east-1.amazonaws.com/app:{SHAS[0]}", SHAS) == SHAS[1]
    assert other_release(f"123.dkr.ecr.us-east-1.amazonaws.com/app:{SHAS[1]}", SHAS) == SHAS[0]
    assert other_release("localhost:5000/app:v1.3.0", SHAS) == SHAS[0]  # neither: the first


def test_the_baseline_keeps_the_repository_and_changes_the_tag():
    baseline = load_baseline()
    assert baseline.with_tag("localhost:5000/lacrei/app:" + SHAS[0], SHAS[1]) == "localhost:5000/lacrei/app:" + SHAS[1]


def test_the_line_is_selected_by_name(monkeypatch):
    assert "ecs_rollback" in BENCHMARKS
    monkeypatch.setenv("BENCH_ONLY", "app_rollback")
    assert not Config().wants("ecs_rollback")
    monkeypatch.setenv("BENCH_ONLY", "ecs_rollback")
    assert Config().wants("ecs_rollback")
