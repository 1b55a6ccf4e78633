# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app rollback's preflight: one read of everything the decision needs, and the decision
(``preflight`` for App Runner, ``ecs_preflight`` for ECS and ECS Express Mode).

Who runs this (STS, tolerated when it fails), the service (one DescribeService), what it is busy
with when it is not RUNNING (one ListOperations), the target as a release record (resolved by
git SHA in ECR, or the previous good release from ``release_history``) and whether a deployment
is needed. A refusal is returned as its message, for the caller to record before failing.

In a fleet run, what is the same for every service of one account and repository (the caller
identity, the ECR listing) is read once (``shared_reads``) and handed to each service's preflight
(``shared``), which reads on its own whatever that does not hold.
"""
from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import normalize_service
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.caller_identity import caller_identity
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_history import ecs_release_history
from ansible_collections.lacrei.rollback.plugins.module_utils.release_history import Catalog, release_history
from ansible_collections.lacrei.rollback.plugins.module_utils.releases import release_record


@dataclass
class Clients:
    """The clients a preflight reads with (``logs`` None: no service event log)."""

    ecr: object
    sts: object | None = None
    logs: object | None = None


# What the refusals say the service cannot do now, per purpose (the app rollback's, the guarded deploy's).
CAN = {"rollback": "be rolled back", "deploy": "take a deploy"}


def not_running(service: dict, busy: dict | None, purpose: str = "rollback") -> str:
    """The refusal for a service that is not RUNNING (the wording the roles have always used)."""
    head = f"Refused, nothing was changed: App Runner service {service['service_name']} is {service['status']}"
    if busy:
        return (f"{head}, busy with {busy['type']} operation {busy['id']} ({busy['status']}) started at "
                f"{busy['started_at']}. Wait for it to end and run this again.")
    return f"{head}; only a RUNNING service can {CAN[purpose]}."


def caller_arn(sts) -> tuple[str | None, str | None]:
    """(the caller's ARN, None) or (None, why it is unknown): the audit trail's, never a refusal."""
    if sts is None:
        return None, None
    try:
        return caller_identity(sts)["arn"], None
    except ActionFailed as exc:
        return None, f"AWS caller identity unknown: {exc.msg}"


def running_image(service: dict, catalog: Catalog | None) -> dict:
    """Repository, tag, digest and git SHA of the image the service runs (digest and SHA from ECR's
    listing of the target's repository when the image is there)."""
    ref = ecr.parse_image_identifier(service["image_identifier"] or "")
    found = catalog.find(service["image_identifier"]) if catalog else None
    record = release_record(catalog.repository_uri, found) if found else {}
    sha = record.get("sha") or (ref.tag if ref.tag and ecr.FULL_SHA.match(ref.tag) else None)
    return {"image_repository": ref.repository_uri or None, "image_tag": ref.tag,
            "image_digest": record.get("digest") or ref.digest, "image_sha": sha, "image_tags": record.get("tags") or []}


def catalog_of(clients: Clients, repository: str, registry_id: str | None) -> Catalog:
    uri = ecr.repository_uri(clients.ecr, repository, registry_id)
    return Catalog(uri, ecr.image_details(clients.ecr, repository, registry_id))


def shared_reads(clients: Clients, repository: str | None = None, registry_id: str | None = None) -> dict:
    """What every service's preflight of one account reads alike, read once: the caller's ARN (or why
    it is unknown) and, with ``repository``, its URI and images. A listing that fails is left out
    (``listing_error``): each preflight then reads it, and refuses, as it would alone."""
    arn, why_unknown = caller_arn(clients.sts)
    shared = {"caller_arn": arn, "caller_unknown": why_unknown, "repository": repository,
              "registry_id": registry_id, "repository_uri": None, "images": None, "listing_error": None}
    if repository:
        try:
            catalog = catalog_of(clients, repository, registry_id)
        except ActionFailed as exc:
            return dict(shared, listing_error=exc.msg)
        shared.update(repository_uri=catalog.repository_uri, images=catalog.images)
    return shared


def shared_catalog(shared: dict | None, repository: str | None, registry_id: str | None) -> Catalog | None:
    """The shared ECR listing when it is of ``repository`` in the same registry, else None (read it)."""
    if not shared or shared.get("images") is None or not repository:
        return None
    if (shared.get("repository"), shared.get("registry_id") or None) != (repository, registry_id or None):
        return None
    return Catalog(shared["repository_uri"], shared["images"])


def by_sha(decision: dict, service: dict, clients: Clients, sha: str, repository: str | None,
           registry_id: str | None, shared: dict | None = None) -> dict:
    """The decision for ``sha`` (the target resolved in ``repository``: the shared listing when it is
    of that repository, else read here), or its refusal."""
    try:
        catalog = shared_catalog(shared, repository, registry_id) or catalog_of(clients, repository, registry_id)
        service.update(running_image(service, catalog))
        _tag, image = ecr.resolve_sha(catalog.images, sha, repository)
    except ActionFailed as exc:
        service.update({key: service.get(key) for key in ("image_repository", "image_tag", "image_digest",
                                                          "image_sha")}, image_tags=service.get("image_tags") or [])
        return dict(decision, refusal=exc.msg, refusal_details=exc.details, running_sha=service["image_sha"])
    return needed(decision, service, release_record(catalog.repository_uri, image))


def by_history(decision: dict, service: dict, history: dict) -> dict:
    """The decision for the previous good release ``history`` found, or its refusal."""
    service.update(running_image(service, None), image_digest=history["current"]["digest"],
                   image_tags=list(history["current"].get("tags") or []))
    if history["current"]["tag"] and ecr.FULL_SHA.match(history["current"]["tag"]):
        service["image_sha"] = history["current"]["tag"]
    if history["previous_release"] is None:
        return dict(decision, refusal=f"Refused: {history['previous_reason']}", running_sha=service["image_sha"],
                    history=history)
    return needed(dict(decision, history=history), service, history["previous_release"])


def needed(decision: dict, service: dict, target: dict) -> dict:
    return dict(decision, target=target, needed=target["digest"] != service["image_digest"],
                running_sha=service["image_sha"])


def start(clients: Clients, service: dict, shared: dict | None = None) -> dict:
    arn, why_unknown = (shared["caller_arn"], shared["caller_unknown"]) if shared else caller_arn(clients.sts)
    return {"caller_arn": arn, "caller_unknown": why_unknown, "service": service, "operation_in_progress": None,
            "target": None, "needed": False, "running_sha": None, "refusal": None}


def preflight(platform, clients: Clients, service_arn: str, *, sha: str | None = None,
              repository: str | None = None, registry_id: str | None = None,
              audit_log_path: str | None = None, event_log_group: str | None = None,
              shared: dict | None = None, purpose: str = "rollback", read: dict | None = None) -> dict:
    """The decision: {caller_arn, service, operation_in_progress, target, needed, running_sha, refusal}.

    ``sha`` given: the target is that release of ``repository``; otherwise the previous good
    release. ``needed`` is whether the service runs another image than the target (by digest).
    ``shared`` (``shared_reads``' result for this account): the caller is taken from it, and the
    ECR listing when it is of ``repository``. ``purpose`` (rollback, deploy): what a refusal says
    the service cannot do now. ``read``: the service as ``platform.read`` returned it just now, when the
    caller read it (to seal it for the deploy); else it is read here.
    """
    decision = start(clients, normalize_service(read if read is not None else platform.read(service_arn)), shared)
    service = decision["service"]
    if service["status"] != "RUNNING":
        busy = platform.operation_in_progress(service_arn)
        service.update(running_image(service, None))
        return dict(decision, operation_in_progress=busy, refusal=not_running(service, busy, purpose))
    if sha:
        return by_sha(decision, service, clients, sha, repository, registry_id, shared)
    return by_history(decision, service, release_history(platform, service, clients.ecr, clients.logs,
                                                         audit_log_path, event_log_group))


def ecs_refusal(platform, service: dict, busy: dict | None, purpose: str = "rollback") -> str | None:
    """Why an ECS (or Express Mode) service cannot be rolled back (``purpose``: or take a deploy) now:
    not ACTIVE, or a service deployment in flight; None when it can."""
    head = f"Refused, nothing was changed: {platform.kind} {service['service_name']}"
    if service["status"] != "ACTIVE":
        return f"{head} is {service['status']}; only an ACTIVE service can {CAN[purpose]}."
    if busy:
        busy_with = (f"{head} is busy with service deployment {busy['arn']} ({busy['status']}) started at "
                     f"{busy['started_at']}. Wait for it to end and run this again")
        if purpose == "deploy":
            return busy_with + "."
        return (busy_with + ", or stop it with ROLLBACK as the first step of this rollback (stop_in_flight=true; "
                "rollback_app.yml: -e stop_in_flight=true).")
    return None


def ecs_preflight(platform, clients: Clients, service_id: str, *, sha: str | None = None,
                  repository: str | None = None, registry_id: str | None = None,
                  audit_log_path: str | None = None, shared: dict | None = None,
                  stop_in_flight: bool = False, purpose: str = "rollback") -> dict:
    """The same decision for an ECS service or an ECS Express Mode service (``platform``:
    ``ecs.EcsPlatform`` or ``ecs_express.EcsExpressPlatform``; ``service_id`` its name or ARN):
    the service described once; busy is a service deployment in flight (in
    ``operation_in_progress``); the previous good release from its service deployments and the
    audit trail (``ecs_history``). With ``stop_in_flight`` a deployment in flight is no refusal:
    stopping it (ROLLBACK) is the rollback's first step, so one is ``needed`` whatever the target."""
    decision = start(clients, platform.describe(service_id), shared)
    service = decision["service"]
    busy = platform.deployments.in_flight(service["service_arn"]) if service["status"] == "ACTIVE" else None
    refusal = ecs_refusal(platform, service, None if stop_in_flight else busy, purpose)
    if refusal:
        service.update(running_image(service, None))
        return dict(decision, operation_in_progress=busy, refusal=refusal, running_sha=service["image_sha"])
    if sha:
        decision = by_sha(decision, service, clients, sha, repository, registry_id, shared)
    else:
        decision = by_history(decision, service, ecs_release_history(platform, service, clients.ecr, audit_log_path))
    if busy and decision["refusal"] is None:
        decision.update(operation_in_progress=busy, needed=True)
    return decision
