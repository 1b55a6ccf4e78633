"""How CloudWatch judges a metric alarm, as pure functions (no AWS call here).

An alarm looks at its latest ``EvaluationPeriods`` (N) periods; a period's datapoint breaches when
it compares with the threshold as ``ComparisonOperator`` says. ``DatapointsToAlarm`` (M, default N)
breaching datapoints among them set it to ALARM. A period without a datapoint counts as
``TreatMissingData`` says:

- ``breaching`` / ``notBreaching``: as a breaching / a good datapoint;
- ``missing`` (the default) / ``ignore``: not at all; the range is judged on the datapoints it has,
  of which at most M must breach (so ``- - X`` with M=3 is ALARM, as CloudWatch's own table
  shows); a range with no datapoint at all is INSUFFICIENT_DATA (``missing``) or keeps the
  alarm's state (``ignore``).

Differences from CloudWatch are listed in docs/runbooks/alarms.md.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
COMPARISONS = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    datapoints: tuple  # the evaluated range, oldest first (None = missing)
    breaching: int


def breaches(value: float, comparison: str, threshold: float) -> bool:
    return COMPARISONS[comparison][0](value, threshold)


def judge(alarm: dict, datapoints: list, current_state: str = INSUFFICIENT) -> Verdict:
    """The state ``alarm`` (a DescribeAlarms MetricAlarm) should be in, from its range's
    datapoints, oldest first (``None`` where the period had no data)."""
    periods = int(alarm["EvaluationPeriods"])
    needed = int(alarm.get("DatapointsToAlarm") or periods)
    treatment = alarm.get("TreatMissingData") or "missing"
    comparison, threshold = alarm["ComparisonOperator"], float(alarm["Threshold"])
    points = tuple(datapoints[-periods:])
    if treatment in ("breaching", "notBreaching"):
        flags = [breaches(p, comparison, threshold) if p is not None else treatment == "breaching" for p in points]
        present = len(flags)
    else:
        flags = [breaches(p, comparison, threshold) for p in points if p is not None]
        present = len(flags)
        if not present:
            if treatment == "ignore":
                return Verdict(current_state, "no datapoint in the evaluation range: state kept (ignore)",
                               points, 0)
            return Verdict(INSUFFICIENT, f"Insufficient Data: {periods} datapoints were unknown.", points, 0)
    count = sum(flags)
    shown = ", ".join("missing" if p is None else _number(p) for p in reversed(points))
    words = COMPARISONS[comparison][1]
    if count >= min(needed, present):
        return Verdict(ALARM, f"Threshold Crossed: {count} out of the last {periods} datapoints [{shown}] "
                              f"were {words} the threshold ({_number(threshold)}) (minimum {needed} datapoints "
                              "for OK -> ALARM transition).", points, count)
    return Verdict(OK, f"Threshold Crossed: {periods - count} out of the last {periods} datapoints [{shown}] "
                       f"were not {words} the threshold ({_number(threshold)}) (minimum {needed} datapoints "
                       "for ALARM -> OK transition).", points, count)


def _number(value: float) -> str:
    return repr(float(value))


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def compute(expression: str, values: dict):
    """A metric math expression of query ids, numbers, + - * / and parentheses, for one period;
    None when a term is missing or a division by zero leaves no datapoint (CloudWatch drops it)."""
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise ValueError(f"unknown metric id {node.id!r} in {expression!r}")
            return values[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = walk(node.operand)
            return None if inner is None else -inner
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
                return None
            return _OPERATORS[type(node.op)](left, right)
        raise ValueError(f"the sandbox evaluates only + - * / of metric ids and numbers, not {expression!r}")
    return walk(ast.parse(expression, mode="eval"))
