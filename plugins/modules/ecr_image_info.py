#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ecr_image_info
short_description: List the images of an ECR repository and resolve git SHA tags
description:
  - Lists the images of an Amazon ECR repository, newest push first, with their tags, digest,
    push time and size.
  - Resolves a short git SHA to the one full 40-character SHA tag it prefixes, as the release
    images are tagged by git SHA.
version_added: "0.1.0"
options:
  repository:
    description: Name of the ECR repository.
    type: str
    required: true
    aliases: [repository_name]
  registry_id:
    description: AWS account id of the registry, when it is not the caller's own.
    type: str
  tag:
    description: Only images carrying exactly this tag.
    type: str
  tag_prefix:
    description: Only images with a tag starting with this text.
    type: str
  sha:
    description:
      - A git SHA of 7 to 40 hexadecimal characters to resolve to the one full 40-character SHA tag
        it prefixes.
      - Fails when it is malformed (before any AWS call), when it prefixes several SHA tags (listing them) or none (listing
        the five newest tags).
    type: str
    aliases: [resolve]
extends_documentation_fragment:
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: List the images of the API repository, newest first
  lacrei.rollback.ecr_image_info:
    repository: consultas-api
  register: api_images

- name: Resolve the short SHA of the release to roll back to
  lacrei.rollback.ecr_image_info:
    repository: consultas-api
    sha: 3f9c2ab
  register: target

- name: Show the image to deploy
  ansible.builtin.debug:
    msg: "{{ target.image_uri }} ({{ target.image.digest }})"
"""

RETURN = r"""
repository_uri:
  description: URI of the repository.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api
images:
  description: Images matching O(tag) / O(tag_prefix), newest push first.
  returned: always
  type: list
  elements: dict
  contains:
    tags:
      description: Tags of the image, sorted.
      type: list
      elements: str
      sample: [3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d, latest]
    digest:
      description: Image manifest digest.
      type: str
      sample: sha256:5e9f...
    pushed_at:
      description: When the image was pushed (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T13:45:10+00:00"
    size_bytes:
      description: Image size in bytes.
      type: int
      sample: 52428800
  sample: []
tag:
  description: The full git SHA tag that O(sha) resolved to.
  returned: when O(sha) is given
  type: str
  sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d
image:
  description: The image that O(sha) resolved to (same keys as an element of RV(images)).
  returned: when O(sha) is given
  type: dict
  sample: {"tags": ["3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d"], "digest": "sha256:5e9f..."}
image_uri:
  description: C(repository_uri:tag) of the resolved image, ready for P(lacrei.rollback.apprunner_deploy#module).
  returned: when O(sha) is given
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api:3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d
release:
  description:
    - The image O(sha) resolved to as a release record, the one shape of a release that
      P(lacrei.rollback.apprunner_deploy#module) takes as O(lacrei.rollback.apprunner_deploy#module:release).
    - C(ran) is null (whether a service ran it is not looked up here).
  returned: when O(sha) is given
  type: dict
  contains:
    sha: {description: The full git SHA tag., type: str, sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d}
    tags: {description: Every tag of the image (sorted)., type: list, elements: str, sample: [3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d, v1.3.0]}
    version: {description: Its first version-like tag (null when none)., type: str, sample: v1.3.0}
    digest: {description: Image manifest digest., type: str, sample: "sha256:5e9f..."}
    image_uri: {description: C(repository_uri:sha)., type: str, sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api:3f9c2ab0..."}
    pushed_at: {description: "When the image was pushed (ISO 8601, UTC).", type: str, sample: "2024-05-02T13:45:10+00:00"}
    ran: {description: Always null here., type: str, sample: null}
  sample: {sha: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d, version: v1.3.0, digest: "sha256:5e9f..."}
"""

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.releases import release_record

ARGUMENT_SPEC = dict(
    repository=dict(type="str", required=True, aliases=["repository_name"]),
    registry_id=dict(type="str"),
    tag=dict(type="str"),
    tag_prefix=dict(type="str"),
    sha=dict(type="str", aliases=["resolve"]),
)


def image_info(client, params: dict) -> dict:
    repository, registry_id = params["repository"], params["registry_id"]
    uri = ecr.repository_uri(client, repository, registry_id)
    images = ecr.image_details(client, repository, registry_id)
    result = {"repository_uri": uri,
              "images": ecr.filter_images(images, params["tag"], params["tag_prefix"])}
    if params["sha"]:
        tag, image = ecr.resolve_sha(images, params["sha"], repository)
        result.update(tag=tag, image=image, image_uri=ecr.image_uri(uri, tag), release=release_record(uri, image))
    return result


def main():
    module = aws_module(ARGUMENT_SPEC)
    refuse_bad_params(module, dict(sha="git_sha", tag="line", tag_prefix="line"))
    with fail_on_error(module):
        result = image_info(aws_client("ecr", module.params), module.params)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
