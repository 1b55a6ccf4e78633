"""Medians, ratios, goals, and the A/B interleaving every benchmark uses (no I/O here)."""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Callable


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def ratio(ours: float | None, baseline: float | None) -> float | None:
    if ours is None or not baseline:
        return None
    return round(ours / baseline, 3)


def interleave(runs: int, first: Callable[[int], dict], second: Callable[[int], dict]) -> tuple[list, list]:
    """A, B, B, A, A, B...: each pair swaps who goes first, so drift hits both sides alike."""
    a_runs, b_runs = [], []
    for i in range(runs):
        order = [(first, a_runs), (second, b_runs)]
        for run, into in (order if i % 2 == 0 else order[::-1]):
            into.append(run(i))
    return a_runs, b_runs


@dataclass
class Goal:
    """``value <= limit``; ``text`` is how the issue states it."""
    text: str
    limit: float | None = None

    def met(self, value: float | None) -> bool | None:
        if self.limit is None or value is None:
            return None
        return value <= self.limit


@dataclass
class Row:
    """One line of the table: what was compared, both sides, the ratio, the goal and the verdict."""
    benchmark: str
    baseline: str
    ours: str
    ratio: float | None
    goal: str
    met: bool | None
    details: dict = field(default_factory=dict)

    @classmethod
    def judged(cls, benchmark: str, baseline: str, ours: str, ratio_value: float | None, goal: Goal,
               judged_value: float | None = None, **details) -> "Row":
        value = ratio_value if judged_value is None else judged_value
        return cls(benchmark, baseline, ours, ratio_value, goal.text, goal.met(value), details)

    def as_dict(self) -> dict:
        return asdict(self)


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def size(value: float | None) -> str:
    if value is None:
        return "n/a"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)
