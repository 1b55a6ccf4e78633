"""The printed table and its Markdown twin."""
from bench.stats import Row
from bench.table import markdown_table, text_table

ROWS = [Row("backup time", "pg_dump 1.00 s", "module 1.20 s", 1.2, "<= 1.5x", True),
        Row("lag", "0.50 s", "1.80 s", None, "<= 1 s", False),
        Row("drill", "-", "2.00 s", None, "report", None)]


def test_text_table_has_a_header_rule_and_one_line_per_row():
    lines = text_table(ROWS).splitlines()
    assert lines[0].split() == ["benchmark", "baseline", "ours", "ratio", "goal", "met"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert len(lines) == 2 + len(ROWS)
    assert "1.20x" in lines[2] and lines[2].endswith("met")
    assert lines[3].endswith("NOT MET") and lines[4].endswith("-")


def test_markdown_table_escapes_pipes():
    table = markdown_table([Row("a|b", "x", "y", 0.5, "<= 1x", True)])
    assert table.splitlines()[2] == "| a\\|b | x | y | 0.50x | <= 1x | met |"
