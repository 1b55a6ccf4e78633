"""`python -m sandbox.alarms [--tick 1] [--delay 2]`: the alarm evaluator over the sandbox's moto.

The endpoints and credentials come from the environment (boto3's standard variables, as
`sandbox up` gives them); the subscribers' bearer token from ``SANDBOX_RESPONDER_TOKEN``.
"""
from __future__ import annotations

import argparse
import logging
import os

import boto3
from botocore.config import Config

from sandbox.alarms.evaluator import Evaluator

CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.alarms", description=__doc__.splitlines()[0])
    parser.add_argument("--tick", type=float, default=float(os.environ.get("SANDBOX_ALARMS_TICK", "1")),
                        help="seconds between evaluation rounds")
    parser.add_argument("--delay", type=float, default=float(os.environ.get("SANDBOX_ALARMS_DELAY", "2")),
                        help="seconds after a period ends before it is judged (late datapoints)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    cloudwatch, logs, sns = (boto3.client(name, region_name=region, config=CLIENT_CONFIG)
                             for name in ("cloudwatch", "logs", "sns"))
    Evaluator(cloudwatch, logs, sns, region, os.environ.get("SANDBOX_RESPONDER_TOKEN") or None,
              delay=args.delay).run(args.tick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
