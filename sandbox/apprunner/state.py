"""Emulator state and its JSON file.

Layout (``version`` 1)::

    {"version": 1,
     "services": {"<ServiceArn>": {
         "service": {...},          # the API's Service, as DescribeService answers it
         "tags": [{"Key": ..., "Value": ...}],
         "operations": [{...}],     # OperationSummary records, oldest first
         "pending": null | {"OperationId": ..., "Type": ..., "prior_status": ...,
                            "previous": {...} | null}}}}

The file is rewritten after every change: written to a temporary file in the same folder,
fsync'ed, then renamed over the old one, so a crash never leaves a torn file.
"""
from __future__ import annotations

import json

from sandbox.awsjson import state


class Store(state.Store):
    """The records plus one lock (sandbox.awsjson.state.Store: load, save, clear)."""

    SECTIONS = ("services",)

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.services))

