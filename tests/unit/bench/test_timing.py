"""Reading the bench_timing callback's lines."""
import json

from bench.timing import task_end


def test_task_end_is_the_last_matching_task_of_the_host(tmp_path):
    path = tmp_path / "timing.jsonl"
    lines = [{"end": 1.0, "host": "a", "action": "lacrei.rollback.apprunner_deploy", "task": "t", "status": "ok"},
             {"end": 2.0, "host": "b", "action": "lacrei.rollback.apprunner_deploy", "task": "t", "status": "ok"},
             {"end": 3.0, "host": "a", "action": "ansible.builtin.debug", "task": "d", "status": "ok"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert task_end(path, "apprunner_deploy") == 2.0
    assert task_end(path, "apprunner_deploy", host="a") == 1.0
    assert task_end(path, "git_revert") is None
    assert task_end(tmp_path / "missing.jsonl", "apprunner_deploy") is None
