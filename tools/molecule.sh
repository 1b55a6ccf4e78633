#!/usr/bin/env bash
# The rollback drills as Molecule scenarios (molecule/<scenario>/, shared molecule/base.yml).
#
#   tools/molecule.sh                      molecule test, every scenario of the run list ($MOLECULE_PARALLEL,
#                                          default 2, at a time; each one's output printed whole, in list
#                                          order); then the secret scan; fails if any scenario or scan fails
#   tools/molecule.sh test app_rollback    one scenario's full test
#   tools/molecule.sh converge app_rollback   bring its sandbox up and run its drill (prints the report);
#                                          `tools/molecule.sh destroy app_rollback` stops it
#   tools/molecule.sh report app_rollback  print the newest Markdown report of a converged scenario
#
# Each scenario runs in its own sandbox ($SANDBOX_DIR = the scenario's ephemeral folder), offline.
# `all` and `test` run with HOME, XDG_*_HOME and TMPDIR in temporary folders (removed at the end), so no
# drill writes into the person's home or leaves files in /tmp (the default audit trail ~/.local/state/... included); the
# step-by-step commands (converge, report, destroy) keep the caller's HOME, so they find each other.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.venv/bin:$PATH
unset ANSIBLE_CONFIG  # Molecule writes its own (molecule/base.yml repeats the project's settings)

# Only scenarios that pass join this list ($MOLECULE_SCENARIOS, space separated, overrides it).
# app_rollback waits for the audit callback to stop counting rescued failures (see docs/runbooks/drills.md).
read -r -a SCENARIOS <<< "${MOLECULE_SCENARIOS:-app_rollback failed_deploy db_rollback config_rollback emergency git_revert auto_rollback ecs_rollback}"


link=.collections/ansible_collections/lacrei/rollback
[ -e "$link" ] || { mkdir -p "$(dirname "$link")" && ln -sfn ../../.. "$link"; }

molecule_() { molecule -c molecule/base.yml "$@"; }

isolate_home() { # HOME, XDG_*_HOME and TMPDIR -> temporary folders, removed when this script exits
  # TMPDIR: what the drills' processes leave in theirs (a killed ansible-playbook's pymp-* folder, a
  # stopped responder run's eda* folder, a cluster's lacrei-pg-*) goes with the run. Short (Ansible's
  # local RPC socket lives in it) and mode 1777 like /tmp (the postgres user traverses it).
  local home tmp
  home=$(mktemp -d "${TMPDIR:-/tmp}/lacrei-molecule-home.XXXXXX")
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/lacrei-molecule-tmp.XXXXXX")
  chmod 1777 "$tmp"
  trap 'rm -rf "'"$home"'" "'"$tmp"'"' EXIT
  export HOME=$home XDG_STATE_HOME=$home/.local/state XDG_CACHE_HOME=$home/.cache \
    XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share TMPDIR=$tmp
  echo "molecule: HOME=$HOME, TMPDIR=$TMPDIR (temporary)"
}

ephemeral_dir() { # the scenario's ephemeral folder, as Molecule names it
  python - "$1" <<'PY'
import sys
from pathlib import Path
from molecule.text import checksum
from ansible_compat.runtime import Runtime
print(Runtime(project_dir=Path.cwd(), isolated=False).cache_dir / "tmp" / f"molecule.{checksum(Path.cwd().name, 4)}.{sys.argv[1]}")
PY
}

case "${1:-all}" in
  all|test) isolate_home ;;
esac

seed_secrets() { # known secrets in every scenario's sandbox (tools/secret_scan.py looks for them afterwards)
  local mark
  mark=$(python -c 'import os; print(os.urandom(6).hex())')
  export SANDBOX_AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/${mark}KEY" SANDBOX_WEBHOOK_TOKEN="whTok${mark}xoxb" \
    SANDBOX_SERVICE_API_TOKEN="apiTok${mark}en"
}

scenario_test() { # scenario log: molecule test without its last destroy, the secret scan, then the destroy
  local scenario=$1 log=$2 rc=0 start=$SECONDS
  {
    molecule_ test -s "$scenario" --destroy never || rc=1
    python tools/secret_scan.py "$(ephemeral_dir "$scenario")" "$log.molecule" || rc=1
    molecule_ destroy -s "$scenario" || rc=1
  } > "$log.molecule" 2>&1
  printf '%s %s\n' "$rc" "$((SECONDS - start))" > "$log.status"
}

case "${1:-all}" in
  all)
    # Each scenario has its own sandbox (own ports, own state folder): they run side by side,
    # $MOLECULE_PARALLEL at a time; their outputs are kept apart and printed whole, in list order.
    # Stopped early (make test interrupted, a TERM): the running scenarios are stopped (each is a
    # process group of its own) and every sandbox a scenario left is brought down before HOME goes.
    seed_secrets
    logs=$(mktemp -d "${TMPDIR:-/tmp}/lacrei-molecule-logs.XXXXXX")
    jobs_started=()
    kill_tree() { # a process and all its descendants, stopped first so none forks meanwhile (Ansible's
      # workers run in sessions of their own: killing the job's process group alone misses them)
      local pid=$1 child
      kill -STOP "$pid" 2>/dev/null || return 0
      for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do kill_tree "$child"; done
      kill -KILL "$pid" 2>/dev/null || true
    }
    cleanup() {
      local job dir
      for job in "${jobs_started[@]}"; do kill_tree "$job"; done
      for dir in "$HOME"/.ansible/tmp/molecule.*/sandbox "$HOME"/.cache/ansible-compat/*/tmp/molecule.*/sandbox; do
        [ -d "$dir" ] && SANDBOX_DIR=$dir python -m sandbox down > /dev/null 2>&1
      done
      # sandbox down keeps a cluster's files (in $TMPDIR/lacrei-pg-<hash>) for a next up that never comes:
      # they go with $TMPDIR
      rm -rf "$HOME" "$logs" "$TMPDIR"
    }
    trap cleanup EXIT
    trap 'exit 143' INT TERM
    parallel=${MOLECULE_PARALLEL:-2}
    started=$SECONDS running=0 failed=()
    for scenario in "${SCENARIOS[@]}"; do
      if [ "$running" -ge "$parallel" ]; then wait -n || true; running=$((running - 1)); fi
      echo "molecule: $scenario started"
      set -m; scenario_test "$scenario" "$logs/$scenario" & set +m  # a process group of its own
      jobs_started+=($!)
      running=$((running + 1))
    done
    wait || true
    jobs_started=()
    for scenario in "${SCENARIOS[@]}"; do
      cat "$logs/$scenario.molecule"
      read -r rc seconds < "$logs/$scenario.status" || { rc=1 seconds=?; }
      if [ "$rc" = 0 ]; then status=passed; else status=FAILED; failed+=("$scenario"); fi
      printf '== scenario %s %s in %ss\n' "$scenario" "$status" "$seconds"
    done
    echo "molecule: ${#SCENARIOS[@]} scenarios, $parallel at a time, in $((SECONDS - started))s"
    if [ ${#failed[@]} -gt 0 ]; then echo "molecule: failed: ${failed[*]}" >&2; exit 1; fi
    echo "molecule: all ${#SCENARIOS[@]} scenarios passed (${SCENARIOS[*]})"
    ;;
  report)
    dir=$(ephemeral_dir "${2:?scenario}")/sandbox/reports
    report=$(ls -t "$dir"/drill-*.md 2>/dev/null | head -n 1)
    [ -n "$report" ] || { echo "molecule: no report in $dir (run: tools/molecule.sh converge ${2})" >&2; exit 1; }
    cat "$report"
    ;;
  *)
    command=$1; shift
    args=(); for scenario in "$@"; do args+=(-s "$scenario"); done
    molecule_ "$command" "${args[@]}"
    ;;
esac
