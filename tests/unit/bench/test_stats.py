"""The bench's arithmetic: medians, ratios, goals, A/B interleaving."""
from bench.stats import Goal, Row, interleave, median, ratio, seconds, size


def test_median_ignores_missing_values():
    assert median([3.0, None, 1.0, 2.0]) == 2.0
    assert median([None]) is None


def test_ratio_is_ours_over_baseline_and_none_without_a_baseline():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0) is None
    assert ratio(None, 2.0) is None


def test_interleave_swaps_who_goes_first_each_pair():
    order = []
    a, b = interleave(4, lambda i: order.append(("a", i)) or i, lambda i: order.append(("b", i)) or -i)
    assert order == [("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2), ("b", 3), ("a", 3)]
    assert a == [0, 1, 2, 3] and b == [0, -1, -2, -3]


def test_goal_is_an_upper_bound_and_unjudged_without_limit():
    assert Goal("<= 1.25x", 1.25).met(1.25) is True
    assert Goal("<= 1.25x", 1.25).met(1.26) is False
    assert Goal("report").met(3.0) is None
    assert Goal("<= 1 s", 1.0).met(None) is None


def test_row_judges_the_ratio_unless_told_another_value():
    by_ratio = Row.judged("x", "b", "o", 2.0, Goal("<= 1.5x", 1.5))
    by_value = Row.judged("lag", "b", "o", None, Goal("<= 1 s", 1.0), judged_value=0.4, note="n")
    assert by_ratio.met is False
    assert by_value.met is True and by_value.details == {"note": "n"}


def test_formatting():
    assert seconds(1.234) == "1.23 s" and seconds(None) == "n/a"
    assert size(512) == "512 B" and size(3 * 1024 * 1024) == "3.0 MB"
