"""tests/http_stub.py: a client that hangs up before its answer is written (a check whose timeout ran
out, as endpoint-check tests make it on purpose) is counted and leaves no traceback in the output."""
from __future__ import annotations

import threading
import urllib.request

from tests.http_stub import http_stub


def test_a_client_that_hangs_up_is_no_error_of_the_stub(capfd):
    release = threading.Event()

    def answer(_path, _count):
        release.wait(10)  # answers after the client gave up
        return 200, "x" * 4_000_000

    with http_stub(answer) as (url, hits):
        try:
            urllib.request.urlopen(url + "/slow", timeout=0.2).read()  # noqa: S310 - loopback
            raise AssertionError("the client did not time out")
        except TimeoutError:
            pass
        release.set()
    assert hits == {"/slow": 1}
    assert "Traceback" not in capfd.readouterr().err
