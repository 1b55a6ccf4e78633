"""`make bench`: side-by-side measurements of lacrei.rollback against the runbook's own commands.

Every benchmark runs the project's way and the baseline a person would otherwise run, on the
same machine in the same run, A/B interleaved, and reports medians and their ratio. See
docs/performance.md.
"""
