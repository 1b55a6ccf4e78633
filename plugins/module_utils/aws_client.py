# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one AWS connection builder: argument spec, module factory and boto3 clients.

Everything follows boto3's standard configuration: region, profile, credentials and
endpoints come from the module options when set, otherwise from the usual environment
variables and config files (``AWS_REGION``, ``AWS_PROFILE``, ``AWS_ENDPOINT_URL_<SERVICE>``,
...), which boto3 reads itself. Retries use botocore's own retry modes (jittered exponential
backoff on throttling and 5xx), configured per client, for reads. A write is sent again only
when its first attempt surely did nothing (refused with a 4xx such as throttling, or never
connected); after a 5xx, a timeout or a dropped connection the error reaches the caller, which
looks at the resource to learn whether the write happened (``no_blind_write_retry``).

The region is, in this order: the module option ``region`` (the playbooks give it from the
inventory's ``aws_region`` through the ``lacrei.rollback.aws`` action group), ``AWS_REGION``,
``AWS_DEFAULT_REGION``, the profile's ``region``, and last the region of the ``service_arn`` the
module was given. An AWS variable set to an empty string counts as unset (botocore would take
``AWS_DEFAULT_REGION=""`` as a region and build ``https://api.ecr..amazonaws.com``).
"""
from __future__ import annotations

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import boto3
    import botocore.loaders
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover - exercised only without boto3
    boto3 = None
    BOTO3_IMPORT_ERROR = traceback.format_exc()
else:
    BOTO3_IMPORT_ERROR = None

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action, is_write, may_have_been_applied

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

DEFAULT_MAX_ATTEMPTS = 8
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
NO_REGION_HINT = ("set the module option region (aws_region in the inventory: the playbooks pass it to every "
                  "lacrei.rollback AWS module), or AWS_REGION, or a region in the AWS profile")

AWS_CONNECTION_SPEC = dict(
    region=dict(type="str", aliases=["aws_region"]),
    profile=dict(type="str", aliases=["aws_profile"]),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url"]),
    access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=False),
    secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True),
    session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
    retry_mode=dict(type="str", choices=["standard", "adaptive"], default="standard"),
    max_attempts=dict(type="int", default=DEFAULT_MAX_ATTEMPTS),
)


def aws_argument_spec(**module_options) -> dict:
    """The module's own options merged over the common AWS connection options."""
    spec = {name: dict(option) for name, option in AWS_CONNECTION_SPEC.items()}
    spec.update(module_options)
    return spec


def aws_module(argument_spec: dict, **kwargs) -> AnsibleModule:
    """An AnsibleModule with the AWS connection options; fails early without boto3."""
    kwargs.setdefault("supports_check_mode", True)
    kwargs["required_together"] = [*kwargs.get("required_together", []), ["access_key", "secret_key"]]
    module = AnsibleModule(argument_spec=aws_argument_spec(**argument_spec), **kwargs)
    if boto3 is None:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_IMPORT_ERROR)
    return module


def retry_config(retry_mode: str = "standard", max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> "Config":
    """botocore client config: retried throttling and 5xx with jittered backoff."""
    return Config(retries={"mode": retry_mode, "total_max_attempts": max(1, max_attempts)})


def no_blind_write_retry(response=None, caught_exception=None, operation=None, **_kwargs):
    """botocore ``needs-retry`` hook, run before the retry mode's: a write that may have been
    applied is not sent again; its error goes to the caller as it came (None: the retry mode decides).
    """
    if operation is None or not is_write(operation.name):
        return None
    if caught_exception is not None:
        if may_have_been_applied(exc=caught_exception):
            raise caught_exception
        return None
    http_response, parsed = response if response else (None, {})
    if http_response is not None and may_have_been_applied(http_response.status_code):
        raise ClientError(parsed, operation.name)
    return None


def _drop_empty_aws_variables() -> None:
    """Unset AWS_* variables that hold only whitespace: they mean "not set" to a person."""
    for name in [name for name, value in os.environ.items() if name.startswith("AWS_") and not value.strip()]:
        del os.environ[name]


def _first(*values):
    return next((value.strip() for value in values if value and value.strip()), None)


def arn_region(arn: str | None) -> str | None:
    """The region field of an ARN (arn:aws:apprunner:<region>:<account>:...), if it has one."""
    parts = (arn or "").split(":")
    return _first(parts[3]) if len(parts) > 5 and parts[0] == "arn" else None


def _profile_region(profile: str | None) -> str | None:
    if boto3 is None:  # pragma: no cover - aws_module() fails first
        return None
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    session = botocore.session.Session(profile=profile)
    try:
        return _first(session.get_scoped_config().get("region"))
    except ProfileNotFound as exc:
        raise ActionFailed(f"The AWS profile {profile!r} is not in the AWS config files ({exc}): set the module "
                           "option profile (aws_profile in the inventory) or AWS_PROFILE to a profile that exists.")


def resolve_region(params: dict) -> str:
    """The region: option, AWS_REGION, AWS_DEFAULT_REGION, the profile's, the service ARN's."""
    _drop_empty_aws_variables()
    region = (_first(params.get("region"), *(os.environ.get(name) for name in REGION_VARIABLES))
              or _profile_region(resolve_profile(params)) or arn_region(params.get("service_arn")))
    if not region:
        raise ActionFailed(f"No AWS region: {NO_REGION_HINT}.")
    return region


def resolve_profile(params: dict) -> str | None:
    return _first(params.get("profile"), *(os.environ.get(name) for name in PROFILE_VARIABLES))


class _SearchPaths(list):
    """A loader's search paths: boto3 appends its own data folder for each session it makes, once here."""

    def append(self, path):
        if path not in self:
            super().append(path)


_LOADER = None
# What the runbooks' modules read for nearly every client: loaded with the loader (see shared_loader).
# ssm: the service lease, taken and released by every changing runbook (32 ms to parse, twice a run otherwise).
PRELOADED_DATA = ("endpoints", "partitions", "_retry", "sdk-default-configuration")
PRELOADED_MODELS = ("apprunner", "ecr", "sts", "ssm")


def shared_loader(preload: bool = False) -> "botocore.loaders.Loader":
    """The botocore data loader every session of this process uses (``preload``: with the files
    nearly every client reads already parsed).

    A new botocore session reads and parses its own copy of the service model, the endpoint rules
    and the endpoints file for each client: about 45 ms a client, where a client from a loader that
    has them costs 9 ms. Modules run in forks of the playbook's process (plugins/plugin_utils/
    in_process.py), which calls this with ``preload`` before the first fork: every task's clients
    then find them parsed. The parsed data is only read (botocore shares it between the clients of
    one session the same way).
    """
    global _LOADER  # pylint: disable=global-statement
    if _LOADER is None:  # as botocore's own (create_loader), AWS_DATA_PATH's folders first
        data_path = os.environ.get("AWS_DATA_PATH")
        _LOADER = botocore.loaders.Loader(extra_search_paths=_SearchPaths(
            os.path.expanduser(os.path.expandvars(path)) for path in (data_path.split(os.pathsep) if data_path else ())))
    if preload:
        for name in PRELOADED_DATA:
            _LOADER.load_data(name)
        for service in PRELOADED_MODELS:
            _LOADER.load_service_model(service, "service-2")
            _LOADER.load_service_model(service, "endpoint-rule-set-1")
    return _LOADER


def aws_session(params: dict) -> "boto3.session.Session":
    """A boto3 session from the connection options; unset options fall back to boto3's chain.

    botocore itself reads only AWS_DEFAULT_REGION; AWS_REGION (what the other SDKs and the
    CLI v2 read) is honoured here too, after the option (see :func:`resolve_region`).
    """
    region = resolve_region(params)
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    return boto3.session.Session(
        botocore_session=core,
        profile_name=resolve_profile(params),
        region_name=region,
        aws_access_key_id=params.get("access_key"),
        aws_secret_access_key=params.get("secret_key"),
        aws_session_token=params.get("session_token"),
    )


def aws_client(service: str, params: dict, session=None, primary: bool = True):
    """A boto3 client for ``service`` (e.g. "ecr", "apprunner") from module params.

    The ``endpoint_url`` option is for the module's primary service only (a module that also
    reads ECR passes ``primary=False`` for that client); without it boto3 honours
    ``AWS_ENDPOINT_URL_<SERVICE>`` / ``AWS_ENDPOINT_URL`` by itself.
    """
    with aws_action(f"create the {service} client"):
        session = session or aws_session(params)
        config = retry_config(params.get("retry_mode") or "standard",
                              params.get("max_attempts") or DEFAULT_MAX_ATTEMPTS)
        kwargs = {"config": config}
        if primary and params.get("endpoint_url"):
            kwargs["endpoint_url"] = params["endpoint_url"]
        client = session.client(service, **kwargs)
        service_event = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"needs-retry.{service_event}", no_blind_write_retry,
                                          unique_id=f"lacrei-no-blind-write-retry-{service_event}")
        return client
