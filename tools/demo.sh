#!/usr/bin/env bash
# make demo: a real incident in the sandbox and its rollback, end to end.
#   1. the sandbox comes up (or is reused) with the service on v1.2.0
#   2. the pipeline deploys v1.3.0, whose /api/appointments/ answers 500
#   3. rollback_app.yml -e target=previous puts the last good release back and validates it
#   4. the audit line and the time it took are printed
#   5. the app_rollback drill (runbook section 5) rehearses the same story and prints its report
# Second story, the schema check (docs/runbooks/schema-check.md):
#   6. the pipeline deploys v1.5.0, whose release phase adds a NOT NULL column v1.2.0 cannot insert without
#   7. rollback_app.yml -e sha=<v1.2.0> is refused, printing the plan and the one command that carries it out
#   8. ... -e with_database=true: backup, unapply with v1.5.0's code, deploy v1.2.0, validate; v1.2.0 writes again
# Third story, nobody types anything (docs/runbooks/auto-rollback.md):
#   9. traffic running, the event-driven responder (ansible-rulebook) listening, the alarms (alarms.yml)
#  10. the pipeline deploys v1.3.0; the sandbox's alarm evaluator fires and notifies the responder (SNS format)
#  11. the responder rolls back (the emergency procedure); the incident report shows time to detect and recover
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG=$PWD/ansible.cfg PATH=$PWD/.venv/bin:$PATH
PY=.venv/bin/python
STATE=${SANDBOX_DIR:-$PWD/.sandbox}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
probe() { # probe PATH: the status code the service URL answers
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SERVICE_URL$1" || true
}
book() { # book: POST /api/appointments/ (a new appointment); the status code
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' \
    -d '{"professional": 2, "patient_name": "Demo", "scheduled_at": "2026-03-02T10:00:00Z"}' \
    "$SERVICE_URL/api/appointments/" || true
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

step "6. The pipeline deploys v1.5.0 (release phase: manage.py migrate adds appointments.booking_channel, NOT NULL)"
$PY -m sandbox deploy v1.5.0
echo "POST /api/appointments/ -> $(book)   (v1.5.0 fills booking_channel)"

step "7. Rollback to v1.2.0: ansible-playbook playbooks/rollback_app.yml -e sha=\$RELEASE_V1_2_0_SHA"
if ansible-playbook playbooks/rollback_app.yml -e sha="$RELEASE_V1_2_0_SHA"; then
  echo "unexpected: the rollback was not refused" >&2; exit 1
fi
echo "(refused, as it should be: v1.2.0's INSERTs would fail on booking_channel; nothing was changed)"

step "8. Both halves: ansible-playbook playbooks/rollback_app.yml -e sha=\$RELEASE_V1_2_0_SHA -e with_database=true"
ansible-playbook playbooks/rollback_app.yml -e sha="$RELEASE_V1_2_0_SHA" -e with_database=true
echo "POST /api/appointments/ -> $(book)   (v1.2.0 serves and writes)"
tail -n 1 "$STATE/audit.jsonl" | $PY -c 'import json,sys; a=json.load(sys.stdin); print(json.dumps({k: a.get(k) for k in ("result", "schema_plan", "database", "to_image")}, indent=2))'

step "9. Nobody types anything: traffic, the responder (make responder), the alarms (playbooks/alarms.yml)"
$PY -m sandbox traffic --rate 5 --seconds 1200 >/dev/null 2>&1 &
traffic=$!
trap 'kill "$traffic" 2>/dev/null || true; $PY -m sandbox responder --stop >/dev/null 2>&1 || true' EXIT
# --cooldown 0: the demo may be re-run at once (the default, 900 s, leaves a second alarm to a person).
$PY -m sandbox responder --background --cooldown 0
set -a; . "$STATE/env"; set +a
ansible-playbook playbooks/alarms.yml >/dev/null   # subscribes the responder's URL (SANDBOX_RESPONDER_URL)
alarm="lacrei-rollback-$APPRUNNER_SERVICE_NAME-error-rate"
for _ in $(seq 1 150); do   # the sandbox's alarm evaluator judges v1.2.0's traffic first
  state=$($PY -c 'import boto3,sys; print(boto3.client("cloudwatch").describe_alarms(AlarmNames=[sys.argv[1]])["MetricAlarms"][0]["StateValue"])' "$alarm")
  [ "$state" = OK ] && break
  sleep 2
done
echo "$alarm: $state"
seen=$(wc -l < "$STATE/audit.jsonl")

step "10. The pipeline deploys v1.3.0; the alarm fires (the sandbox's evaluator sends SNS's notification)"
$PY -m sandbox deploy v1.3.0
echo "GET /api/appointments/  -> $(probe /api/appointments/)"

step "11. The responder rolls back (rulebooks/auto_rollback.yml -> playbooks/auto_rollback.yml -> the emergency procedure)"
acted=""
for _ in $(seq 1 900); do
  acted=$(tail -n +"$((seen + 1))" "$STATE/audit.jsonl" | grep '"decision": "acted"' | tail -n 1 || true)
  [ -n "$acted" ] && break
  sleep 2
done
[ -n "$acted" ] || { echo "the responder did not roll back; its log: $STATE/logs/responder.log" >&2; exit 1; }
$PY -m sandbox responder --stop
kill "$traffic" 2>/dev/null || true
echo "GET /api/appointments/  -> $(probe /api/appointments/)"
echo "$acted" | $PY -c 'import json,sys; a=json.load(sys.stdin); print(json.dumps({k: a.get(k) for k in ("decision", "result", "from_version", "to_version", "timeline", "incident_report")}, indent=2))'
report=$(echo "$acted" | $PY -c 'import json,sys; print(json.load(sys.stdin).get("incident_report") or "")')
if [ -f "$report" ]; then
  echo; sed -n '/BEGIN lacrei.rollback.auto_rollback/,/END lacrei.rollback.auto_rollback/p' "$report" | grep -v '^<!--'
fi

echo
echo "Reports are in $STATE/reports; \`make sandbox-down\` stops the sandbox."
