#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sns_topic
short_description: Create or delete an SNS topic and keep its subscriptions as listed
description:
  - Creates the SNS topic when it does not exist, subscribes each endpoint of O(subscriptions) that
    is not subscribed yet and, with O(purge_subscriptions=true), unsubscribes the others. Deletes the
    topic (and with it its subscriptions) with O(state=absent).
  - Nothing is sent when the topic and its subscriptions already match.
  - A subscription waiting for its endpoint's confirmation has no ARN yet and cannot be removed;
    it is left as it is and listed.
version_added: "0.2.0"
options:
  name:
    description: The topic name.
    type: str
    required: true
  state:
    description: Whether the topic should exist.
    type: str
    choices: [present, absent]
    default: present
  subscriptions:
    description:
      - The subscriptions the topic should have.
      - An endpoint URL with a password in it is shown masked in the module's output.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: The SNS protocol.
        type: str
        required: true
        choices: [http, https, email, email-json, sms, sqs, lambda, application, firehose]
      endpoint:
        description: Where the notifications go (a URL, an address, an ARN).
        type: str
        required: true
  purge_subscriptions:
    description: Unsubscribe the endpoints that O(subscriptions) does not list.
    type: bool
    default: true
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode and diff mode (the subscriptions before and after).
  - Calls SNS ListTopics, CreateTopic, DeleteTopic, ListSubscriptionsByTopic, Subscribe and Unsubscribe.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: The alarm topic, with the responder and the on-call address subscribed
  lacrei.rollback.sns_topic:
    name: lacrei-rollback-lacrei-saude-backend-alarms
    subscriptions:
      - {protocol: https, endpoint: "https://responder.example.org/alarms"}
      - {protocol: email, endpoint: oncall@lacrei.example}
  register: topic

- name: Remove the topic and its subscriptions
  lacrei.rollback.sns_topic:
    name: lacrei-rollback-lacrei-saude-backend-alarms
    state: absent
"""

RETURN = r"""
topic_arn:
  description: The topic's ARN (predicted in check mode when it does not exist yet); empty when absent.
  returned: always
  type: str
  sample: arn:aws:sns:us-east-1:123456789012:lacrei-rollback-lacrei-saude-backend-alarms
subscriptions:
  description: The topic's subscriptions after the run (as they would be, in check mode); URL passwords masked.
  returned: always
  type: list
  elements: dict
  sample: [{protocol: https, endpoint: "https://responder.example.org/alarms"}]
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.log_filter import safe_line

PROTOCOLS = ["http", "https", "email", "email-json", "sms", "sqs", "lambda", "application", "firehose"]
ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    subscriptions=dict(type="list", elements="dict", default=[], options=dict(
        protocol=dict(type="str", required=True, choices=PROTOCOLS),
        endpoint=dict(type="str", required=True),
    )),
    purge_subscriptions=dict(type="bool", default=True),
)
PENDING = "PendingConfirmation"


def find_topic(client, name: str) -> str | None:
    with aws_action("list SNS topics"):
        for page in client.get_paginator("list_topics").paginate():
            for topic in page["Topics"]:
                if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                    return topic["TopicArn"]
    return None


def list_subscriptions(client, arn: str) -> list[dict]:
    with aws_action(f"list the subscriptions of {arn}"):
        pages = client.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
        return [item for page in pages for item in page["Subscriptions"]]


def _key(item: dict) -> tuple[str, str]:
    return (item.get("protocol") or item["Protocol"], item.get("endpoint") or item["Endpoint"])


def _shown(keys) -> list[dict]:
    return [{"protocol": protocol, "endpoint": safe_line(endpoint)} for protocol, endpoint in sorted(keys)]


def apply(module, client) -> dict:
    params, name = module.params, module.params["name"]
    arn = find_topic(client, name)
    current = list_subscriptions(client, arn) if arn else []
    before = {_key(item) for item in current}
    if params["state"] == "absent":
        changed = arn is not None
        if changed and not module.check_mode:
            with aws_action(f"delete topic {name}"):
                client.delete_topic(TopicArn=arn)
        return _result(module, changed, "", before, set())
    wanted = {_key(item) for item in params["subscriptions"]}
    removable = [item for item in current if _key(item) not in wanted and item["SubscriptionArn"] != PENDING]
    to_remove = removable if params["purge_subscriptions"] else []
    to_add = sorted(wanted - before)
    after = (before - {_key(item) for item in to_remove}) | wanted
    changed = arn is None or bool(to_add or to_remove)
    if module.check_mode or not changed:
        return _result(module, changed, arn or _predicted_arn(client, name), before, after)
    if arn is None:
        with aws_action(f"create topic {name}"):
            arn = client.create_topic(Name=name)["TopicArn"]
    for protocol, endpoint in to_add:
        with aws_action(f"subscribe a {protocol} endpoint to {name}"):
            client.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
    for item in to_remove:
        with aws_action(f"unsubscribe a {item['Protocol']} endpoint from {name}"):
            client.unsubscribe(SubscriptionArn=item["SubscriptionArn"])
    return _result(module, True, arn, before, {_key(item) for item in list_subscriptions(client, arn)})


def _predicted_arn(client, name: str) -> str:
    region = client.meta.region_name
    return f"arn:aws:sns:{region}:<account>:{name}"


def _result(module, changed: bool, arn: str, before: set, after: set) -> dict:
    result = {"changed": changed, "topic_arn": arn, "subscriptions": _shown(after)}
    if module._diff:
        result["diff"] = {"before": {"subscriptions": _shown(before)}, "after": {"subscriptions": _shown(after)}}
    return result


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = apply(module, aws_client("sns", module.params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
