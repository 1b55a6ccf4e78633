"""Reading a run from ansible-runner's events: outputs, outcomes, the failing task, the status."""
from __future__ import annotations

import pytest

from lacrei_rollback import Refused, PlaybookFailed
from lacrei_rollback.errors import Cancelled, TimedOut, error_for
from lacrei_rollback.results import (RUN_WIDE, FailedTask, apply_stats, build_result, custom_stats,
                                     failure_message, merge_hash, task_results)


def ok(host, action, res, **extra):
    return {"event": "runner_on_ok", "event_data": {"host": host, "task_action": action, "res": res, **extra}}


def failed(host, task, res, ignore=False, **extra):
    return {"event": "runner_on_failed",
            "event_data": {"host": host, "task": task, "res": res, "ignore_errors": ignore, **extra}}


def stats_event(**counters):
    data = {name: {} for name in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")}
    for name, per_host in counters.items():
        data[name] = per_host
    return {"event": "playbook_on_stats", "event_data": data}


def set_stats(host, data, per_host=True, aggregate=True):
    return ok(host, "ansible.builtin.set_stats",
              {"ansible_stats": {"data": data, "per_host": per_host, "aggregate": aggregate}})


def test_custom_stats_follow_ansible_aggregation():
    events = [set_stats("a", {"lacrei_audit": {"from": "v1", "deep": {"x": 1}}, "count": 1, "items": [1]}),
              set_stats("a", {"lacrei_audit": {"to": "v0", "deep": {"y": 2}}, "count": 2, "items": [2]}),
              set_stats("a", {"mismatch": "text"}), set_stats("a", {"mismatch": 5}),
              set_stats("b", {"lacrei_audit": {"from": "v9"}}),
              set_stats("b", {"lacrei_audit": {"to": "v8"}}, aggregate=False),
              set_stats("a", {"run": 1}, per_host=False),
              ok("a", "ansible.builtin.debug", {"ansible_stats": {"data": {"ignored": 1}, "per_host": True}})]
    assert custom_stats(events) == {
        "a": {"lacrei_audit": {"from": "v1", "to": "v0", "deep": {"x": 1, "y": 2}}, "count": 3, "items": [1, 2],
              "mismatch": "text"},
        "b": {"lacrei_audit": {"to": "v8"}},
        RUN_WIDE: {"run": 1}}


def test_set_stats_in_a_loop_is_read_item_by_item():
    event = ok("a", "set_stats", {"results": [{"ansible_stats": {"data": {"n": [1]}, "per_host": True}},
                                              {"ansible_stats": {"data": {"n": [2]}, "per_host": True}}, "junk"]})
    assert custom_stats([event]) == {"a": {"n": [1, 2]}}


def test_merge_hash_replaces_lists_and_merges_dicts():
    assert merge_hash({"a": {"b": 1}, "l": [1]}, {"a": {"c": 2}, "l": [2]}) == {"a": {"b": 1, "c": 2}, "l": [2]}
    target = {}
    apply_stats(target, "h", {"data": None, "per_host": True})
    assert target == {"h": {}}


def test_failure_message_prefers_msg_then_items():
    assert failure_message({"msg": " boom "}) == "boom"
    assert failure_message({"stderr": "pg_dump: error"}) == "pg_dump: error"
    assert failure_message({"results": [{"failed": False, "msg": "fine"}, {"failed": True, "msg": "item broke"}]}) == "item broke"
    assert failure_message({}) == "task failed without a message"


def test_the_failing_task_is_the_last_failure_of_the_failed_host():
    events = [failed("a", "Deploy", {"msg": "rolled back"}, task_path="/r/tasks/deploy.yml:3"),
              failed("b", "Optional", {"msg": "ignored"}, ignore=True),
              failed("c", "Rescued", {"msg": "recovered"}),
              failed("a", "Fail with what runs now", {"msg": "rolled back; v1 serves"}, role="app_rollback",
                     task_path="/r/tasks/deploy.yml:20", task_action="ansible.builtin.fail"),
              stats_event(ok={"a": 3, "b": 1, "c": 2}, failures={"a": 1}, rescued={"c": 1})]
    result = build_result("rollback_app", "failed", 2, 1.5, events)
    assert result.status == "failed" and result.hosts["a"].outcome == "failed"
    assert result.hosts["c"].outcome == "ok" and result.hosts["c"].rescued == 1
    assert result.failed_task == FailedTask(host="a", task="Fail with what runs now", message="rolled back; v1 serves",
                                            action="ansible.builtin.fail", role="app_rollback",
                                            task_path="/r/tasks/deploy.yml:20")
    assert isinstance(error_for(result), PlaybookFailed) and "Fail with what runs now" in str(error_for(result))


@pytest.mark.parametrize("extra", [{"role": "production_gate"}, {"task_path": "/r/tasks/preflight.yml:4"},
                                   {"task_path": "/r/tasks/gate.yml:1"},
                                   {"task_action": "ansible.builtin.validate_argument_spec"}])
def test_gate_preflight_and_argument_spec_failures_are_refusals(extra):
    events = [failed("a", "Check", {"msg": "Refused, nothing was changed"}, **extra),
              stats_event(ok={"a": 1}, failures={"a": 1})]
    result = build_result("rollback_app", "failed", 2, 0.1, events)
    assert result.status == "refused" and isinstance(error_for(result), Refused)


def test_unreachable_host_and_runs_killed_before_the_recap():
    events = [{"event": "runner_on_unreachable", "event_data": {"host": "a", "task": "Ping", "res": {"msg": "no route"}}}]
    result = build_result("x", "timeout", 254, 9.0, events)
    assert result.failed_task.unreachable and result.failed_task.message == "no route"
    assert isinstance(error_for(result), TimedOut)
    assert isinstance(error_for(build_result("x", "canceled", 254, 1.0, [])), Cancelled)
    assert error_for(build_result("x", "canceled", 254, 1.0, [])).result.failed_task is None


def test_a_run_that_stopped_before_any_task_reports_ansible_error():
    events = [{"event": "verbose", "stdout": "lacrei-rollback-secrets: "},
              {"event": "verbose", "stdout": "ERROR! the playbook: x.yml could not be found"}]
    result = build_result("x", "failed", 1, 0.2, events)
    assert result.failed_task.message == "ERROR! the playbook: x.yml could not be found"
    assert str(error_for(result)) == "x: failed (rc=1): ERROR! the playbook: x.yml could not be found"
    assert build_result("x", "failed", 1, 0.2, []).failed_task is None


def test_success_with_no_host_is_a_failure():
    result = build_result("x", "successful", 0, 0.2, [{"event": "playbook_on_no_hosts_matched", "event_data": {}}])
    assert result.status == "failed" and "no host matched" in result.failed_task.message


def test_outputs_by_host_and_run_wide_stats_from_the_recap():
    events = [set_stats("a", {"lacrei_audit": {"to_image": "img:v1"}}), set_stats("b", {"report": "/r/b.json"}),
              stats_event(ok={"a": 2, "b": 1}, changed={"a": 1}) | {}]
    events[-1]["event_data"]["artifact_data"] = {"plan": ["step"]}
    result = build_result("x", "successful", 0, 0.3, events)
    assert result.ok and result.changed and result.hosts["a"].outcome == "changed"
    assert result.audit == {"to_image": "img:v1"} and result.output("report") == "/r/b.json"
    assert result.output("plan") == ["step"] and result.output("nothing", default=7) == 7
    assert result.output("lacrei_audit", host="b") is None
    events.append(set_stats("b", {"lacrei_audit": {"to_image": "img:v2"}}))
    with pytest.raises(ValueError, match="several hosts"):
        build_result("x", "successful", 0, 0.3, events).audit


def test_task_results_keep_the_last_result_per_host():
    events = [ok("a", "lacrei.rollback.ecr_image_info", {"images": [1]}),
              ok("a", "lacrei.rollback.ecr_image_info", {"images": [2]}),
              ok("b", "ecr", {"images": [3]}, resolved_action="lacrei.rollback.ecr_image_info"),
              ok("b", "ansible.builtin.debug", {"msg": "x"})]
    assert task_results(events, ["lacrei.rollback.ecr_image_info"]) == {"a": {"images": [2]}, "b": {"images": [3]}}
