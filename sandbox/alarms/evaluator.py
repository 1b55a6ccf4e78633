"""The loop: every tick, each metric alarm in moto whose latest period has ended (plus a delay for
the last datapoints to arrive) is judged on its evaluation range; a new state is set with moto's
``set_alarm_state`` and notified to the HTTP(S) subscribers of the state's action topics."""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

from sandbox.alarms import evaluation, notify
from sandbox.alarms.metrics import MetricReader

LOG = logging.getLogger(__name__)
ACTIONS = {evaluation.ALARM: "AlarmActions", evaluation.OK: "OKActions",
           evaluation.INSUFFICIENT: "InsufficientDataActions"}


class Evaluator:
    def __init__(self, cloudwatch, logs, sns, region: str, token: str | None = None, delay: float = 2.0,
                 clock=time.time):
        self.cloudwatch, self.sns, self.region, self.token = cloudwatch, sns, region, token
        self.reader = MetricReader(cloudwatch, logs)
        self.delay, self.clock = delay, clock
        self.judged: dict[str, tuple] = {}  # alarm name -> (configuration timestamp, range end judged)
        self.deliveries: list[dict] = []

    def alarms(self) -> list[dict]:
        pages = self.cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
        return [alarm for page in pages for alarm in page["MetricAlarms"]]

    def tick(self) -> list[tuple[str, str, str]]:
        """Judge every alarm whose range moved on; the (name, old, new) state changes made."""
        changes = []
        now = self.clock()
        for alarm in self.alarms():
            period = _period(alarm)
            end = int((now - self.delay) // period * period)
            key = (str(alarm.get("AlarmConfigurationUpdatedTimestamp")), end)
            if self.judged.get(alarm["AlarmName"]) == key:
                continue
            self.judged[alarm["AlarmName"]] = key
            try:
                change = self.judge(alarm, end)
            except Exception:  # noqa: BLE001 - one broken alarm must not stop the others
                LOG.exception("could not evaluate %s", alarm["AlarmName"])
                continue
            if change:
                changes.append(change)
        return changes

    def judge(self, alarm: dict, end: int):
        datapoints = self.reader.alarm_series(alarm, end)
        old = alarm["StateValue"]
        verdict = evaluation.judge(alarm, datapoints, old)
        if verdict.state == old:
            return None
        when = datetime.now(timezone.utc)
        period = _period(alarm)
        starts = [end - period * (len(datapoints) - i) for i in range(len(datapoints))]
        stamp = lambda epoch: notify._cloudwatch_time(datetime.fromtimestamp(epoch, timezone.utc))  # noqa: E731
        reason_data = {"version": "1.0", "queryDate": notify._cloudwatch_time(when), "startDate": stamp(starts[0]),
                       "period": period, "recentDatapoints": [p for p in datapoints if p is not None],
                       "threshold": float(alarm["Threshold"]),
                       "evaluatedDatapoints": [{"timestamp": stamp(start), **({"value": value} if value is not None
                                                                               else {})}
                                               for start, value in reversed(list(zip(starts, datapoints)))]}
        self.cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue=verdict.state,
                                        StateReason=verdict.reason[:1023], StateReasonData=json.dumps(reason_data))
        LOG.info("%s: %s -> %s (%s)", alarm["AlarmName"], old, verdict.state, verdict.reason)
        if alarm.get("ActionsEnabled", True):
            message = notify.alarm_message(alarm, old, verdict.state, verdict.reason, self.region, when)
            for arn in alarm.get(ACTIONS[verdict.state]) or []:
                if arn.startswith("arn:aws:sns:"):
                    self.deliveries += notify.deliver(self.sns, arn, message, self.token)
        return alarm["AlarmName"], old, verdict.state

    def run(self, tick_seconds: float = 1.0, stop=lambda: False) -> None:
        while not stop():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - moto restarting: try again next tick
                LOG.exception("evaluation round failed")
            time.sleep(tick_seconds)


def _period(alarm: dict) -> int:
    if alarm.get("Period"):
        return int(alarm["Period"])
    return int(next(q["MetricStat"]["Period"] for q in alarm.get("Metrics") or [] if q.get("MetricStat")))
