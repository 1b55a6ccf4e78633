"""The one table `make bench` prints (text) and docs/performance.md shows (Markdown)."""
from __future__ import annotations

from bench.stats import Row

HEADERS = ("benchmark", "baseline", "ours", "ratio", "goal", "met")


def cells(row: Row) -> tuple[str, ...]:
    verdict = {True: "met", False: "NOT MET", None: "-"}[row.met]
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
    return (row.benchmark, row.baseline, row.ours, ratio, row.goal, verdict)


def text_table(rows: list[Row]) -> str:
    lines = [HEADERS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    rendered = ["  ".join(value.ljust(width) for value, width in zip(line, widths)).rstrip() for line in lines]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(rendered)


def markdown_table(rows: list[Row]) -> str:
    def line(values):
        return "| " + " | ".join(value.replace("|", "\\|") for value in values) + " |"
    return "\n".join([line(HEADERS), line(["---"] * len(HEADERS)), *(line(cells(row)) for row in rows)])
