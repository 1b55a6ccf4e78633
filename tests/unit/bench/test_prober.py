"""Turning a probe log into seconds of unavailability."""
from bench.prober import Probe, unavailable_seconds


def probes(*spec):
    """(start, end, ok) tuples -> Probes."""
    return [Probe(*item) for item in spec]


def test_all_good_fast_probes_mean_no_downtime():
    assert unavailable_seconds(probes((0.0, 0.01, True), (0.03, 0.04, True))) == 0.0


def test_downtime_runs_from_the_first_failure_to_the_end_of_the_next_success():
    log = probes((0.0, 0.01, True), (0.03, 0.04, False), (0.06, 0.07, False), (1.00, 1.02, True))
    assert unavailable_seconds(log) == 0.99


def test_a_probe_kept_waiting_counts_as_unavailable():
    log = probes((0.0, 0.01, True), (0.03, 0.53, True), (0.55, 0.56, True))
    assert unavailable_seconds(log, slow=0.25) == 0.5


def test_an_outage_still_open_at_the_end_counts_until_the_last_probe():
    log = probes((0.0, 0.01, True), (0.03, 0.04, False), (2.0, 2.01, False))
    assert unavailable_seconds(log) == 1.98


def test_several_outages_add_up():
    log = probes((0.0, 0.1, False), (0.2, 0.3, True), (1.0, 1.1, False), (1.5, 1.6, True))
    assert unavailable_seconds(log) == 0.9
