"""Several deployments at once in one emulator with the live runtime (a fleet rollback, `make bench`'s
fleet): every good release comes up, however long the shared CPUs make its start, and release v1.4.0,
whose health check answers 500, still ends ROLLBACK_SUCCEEDED among them."""
from __future__ import annotations

import http.server
import threading

from sandbox import procs, seed
from sandbox.apprunner.images import EcrImages
from sandbox.apprunner.runtime import RuntimeContext
from sandbox.live.files import read_json, service_dir
from sandbox.live.runtime import LiveRuntime

from live_helpers import ACCOUNT, REGION, get, wait_operation

SERVICES = 4
START_BUDGET = 600  # a bound for a very busy machine; a deployment takes seconds on a quiet one


def source(image: str) -> dict:
    return {"ImageRepository": {"ImageIdentifier": image, "ImageRepositoryType": "ECR",
                                "ImageConfiguration": {"Port": seed.APP_PORT, "RuntimeEnvironmentVariables": {}}},
            "AuthenticationConfiguration": {"AccessRoleArn": seed.ACCESS_ROLE}, "AutoDeploymentsEnabled": False}


def test_concurrent_starts_succeed_and_a_failing_release_still_rolls_back(emulator, image_uris):
    apprunner = emulator.client()
    created = [apprunner.create_service(ServiceName=f"fleet-{n}", SourceConfiguration=source(image_uris["v1.2.0"]),
                                        HealthCheckConfiguration=seed.HEALTH_CHECK)
               for n in range(SERVICES)]
    arns = [answer["Service"]["ServiceArn"] for answer in created]
    statuses = [wait_operation(apprunner, arn, answer["OperationId"], timeout=START_BUDGET)["Status"]
                for arn, answer in zip(arns, created)]
    assert statuses == ["SUCCEEDED"] * SERVICES

    # All at once again: the first service to v1.4.0 (unhealthy), the others to v1.3.0 (healthy).
    targets = ["v1.4.0"] + ["v1.3.0"] * (SERVICES - 1)
    operations = [apprunner.update_service(ServiceArn=arn, SourceConfiguration=source(image_uris[version]))["OperationId"]
                  for arn, version in zip(arns, targets)]
    statuses = [wait_operation(apprunner, arn, operation, timeout=START_BUDGET)["Status"]
                for arn, operation in zip(arns, operations)]
    assert statuses == ["ROLLBACK_SUCCEEDED"] + ["SUCCEEDED"] * (SERVICES - 1)

    served = [get(apprunner.describe_service(ServiceArn=arn)["Service"]["ServiceUrl"] + "/health/")[1]["version"]
              for arn in arns]
    assert served == ["1.2.0"] + ["1.3.0"] * (SERVICES - 1)
    for arn in arns:
        apprunner.delete_service(ServiceArn=arn)


class Squatter(http.server.BaseHTTPRequestHandler):
    """Another process's server that answers 200 to anything (the listener a busy run met)."""

    def do_GET(self):  # noqa: N802 - http.server naming
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args):
        return None


def test_a_port_another_process_takes_is_never_served_as_the_release(live_env, image_uris, tmp_path, monkeypatch):
    """A port chosen free was taken by another process before gunicorn bound it; the other
    listener's 200 passed the health check and the service URL forwarded to it. Here the first
    port the sandbox is given is such a port: the release and the service URL must not use it."""
    squatter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Squatter)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    taken = squatter.server_address[1]
    pick, first = procs.free_port, iter([taken])
    monkeypatch.setattr(procs, "free_port", lambda host="127.0.0.1": next(first, None) or pick(host))
    for key, value in live_env.items():
        monkeypatch.setenv(key, value)
    runtime = LiveRuntime(RuntimeContext(REGION, ACCOUNT, tmp_path, EcrImages(REGION)))
    sid = "5" * 32
    service = {"ServiceId": sid, "ServiceName": "squatted", "SourceConfiguration": source(image_uris["v1.2.0"]),
               "ServiceArn": f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/squatted/{sid}",
               "HealthCheckConfiguration": seed.HEALTH_CHECK}
    try:
        result = runtime.deploy_operation(service, None, {"Id": "op-squatted", "Type": "CREATE_SERVICE"})
        assert result.ok, result.reason
        assert get(result.service_url + "/health/")[1]["version"] == "1.2.0"
        backend = read_json(service_dir(tmp_path, sid) / "backend.json")
        assert taken not in (backend["port"], int(result.service_url.rsplit(":", 1)[1]))
        assert procs.serves(backend["port"], backend["pid"]) is True
        assert next(first, None) is None, "the taken port was never offered to the sandbox"
    finally:
        runtime.stop(service)
        procs.stop_all(tmp_path)
        squatter.shutdown()
