#!/usr/bin/env bash
# make demo: a real incident in the sandbox and its rollback, end to end.
#   1. the sandbox comes up (or is reused) with the service on v1.2.0
#   2. the pipeline deploys v1.3.0, whose /api/appointments/ answers 500
#   3. rollback_app.yml -e target=previous puts the last good release back and validates it
#   4. the audit line and the time it took are printed
#   5. the app_rollback drill (runbook section 5) rehearses the same story and prints its report
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG=$PWD/ansible.cfg PATH=$PWD/.venv/bin:$PATH
PY=.venv/bin/python
STATE=${SANDBOX_DIR:-$PWD/.sandbox}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
probe() { # probe PATH: the status code the service URL answers
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SERVICE_URL$1" || true
}

step "1. Sandbox (moto, App Runner emulator, PostgreSQL, the Consultas API)"
$PY -m sandbox up
set -a; . "$STATE/env"; set +a
current=$($PY -c 'import boto3,os; s=boto3.client("apprunner").describe_service(ServiceArn=os.environ["APPRUNNER_SERVICE_ARN"])["Service"]; print(s["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"].rsplit(":",1)[-1])')
if [ "$current" != "$RELEASE_V1_2_0_SHA" ]; then
  echo "(resetting the service to v1.2.0 for the story)"
  $PY -m sandbox deploy v1.2.0 >/dev/null
fi
ansible-playbook playbooks/list_images.yml

step "2. Incident: the pipeline deploys v1.3.0"
$PY -m sandbox deploy v1.3.0
echo "GET /health/            -> $(probe /health/)"
echo "GET /api/appointments/  -> $(probe /api/appointments/)   (the business-logic bug App Runner's health check misses)"

step "3. Rollback: ansible-playbook playbooks/rollback_app.yml -e target=previous"
start=$(date +%s.%N)
ansible-playbook playbooks/rollback_app.yml -e target=previous
end=$(date +%s.%N)
echo "GET /api/appointments/  -> $(probe /api/appointments/)"

step "4. Audit trail ($STATE/audit.jsonl, last line)"
tail -n 1 "$STATE/audit.jsonl" | $PY -m json.tool
elapsed=$($PY -c "print(f\"{$end - $start:.1f}\")")
printf "\nRecovered in %s s (playbook wall time).\n" "$elapsed"

step "5. Drill: ansible-playbook playbooks/drill.yml (v1.2.0 -> v1.3.0 -> detect -> roll back -> validate)"
ansible-playbook playbooks/drill.yml -e drill_name=app_rollback
echo
echo "Reports are in $STATE/reports; \`make sandbox-down\` stops the sandbox."
