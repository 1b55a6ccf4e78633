"""The sandbox's CloudWatch alarm evaluator: moto stores alarms but never evaluates them.

`python -m sandbox.alarms` (started by `python -m sandbox up`, stopped by `down`) reads the
alarms stored in moto and the metrics and log events the live services publish, moves alarm
states as CloudWatch would and sends each state change to the HTTP(S) subscribers of the
alarm's action topics in SNS's own message format. See docs/runbooks/alarms.md.
"""
