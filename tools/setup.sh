#!/usr/bin/env bash
# make setup: the venv at .venv with the project and its test dependencies, the collection
# link under .collections, and the PostgreSQL server binaries. Idempotent; fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP=$VENV/.setup-stamp
# The sample releases' own interpreter: their requirements.txt and nothing else, as their image would
# have (the tools' venv also holds psycopg 3, which ansible-rulebook brings and Django would prefer).
APP_VENV=.venv-app
APP_REQUIREMENTS=sandbox/consultas/releases/v1.0.0/requirements.txt

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
at_least() { # at_least VERSION MAJOR.MINOR
  local have=$1 want=$2
  [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ]
}

pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  local best="" best_v="0" cand v
  local candidates=()
  for name in python3.14 python3.13 python3.12 python3; do
    command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
  done
  if command -v pyenv >/dev/null 2>&1; then
    for cand in "$(pyenv root)"/versions/3.*/bin/python3; do [ -x "$cand" ] && candidates+=("$cand"); done
  fi
  for cand in "${candidates[@]}"; do
    v=$(version_of "$cand") || continue
    if at_least "$v" 3.12 && at_least "$v" "$best_v"; then best=$cand; best_v=$v; fi
  done
  if [ -n "$best" ]; then echo "$best"; return; fi
  for cand in "${candidates[@]}"; do
    v=$(version_of "$cand") || continue
    if at_least "$v" 3.11; then
      echo "setup: WARNING: no Python >= 3.12 found; using $cand ($v): ansible-core 2.19 is the newest it runs, and its security support ends in late 2026." >&2
      echo "$cand"; return
    fi
  done
  echo "setup: no Python >= 3.11 found; install one or set PYTHON=/path/to/python3" >&2
  exit 1
}

ensure_postgres() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then return; fi
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return; fi
  local cmd="apt-get update && apt-get install -y postgresql postgresql-client"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing the PostgreSQL server binaries: $cmd"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
  else
    echo "setup: the PostgreSQL server binaries (initdb, postgres, pg_dump) are missing. Run: sudo sh -c '$cmd'" >&2
    exit 1
  fi
}

ensure_collection_link() {
  mkdir -p .collections/ansible_collections/lacrei
  ln -sfn ../../.. .collections/ansible_collections/lacrei/rollback
}

ensure_postgres
ensure_collection_link

want="$(cat pyproject.toml tools/setup.sh "$APP_REQUIREMENTS" | sha256sum | cut -c1-16)"
if [ -x "$VENV/bin/python" ] && [ -x "$APP_VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi

py=$(pick_python)
if [ -x "$VENV/bin/python" ] && [ "$(version_of "$VENV/bin/python")" != "$(version_of "$py")" ]; then
  echo "setup: recreating $VENV for $(version_of "$py")"
  rm -rf "$VENV"
fi
app_venv() { # the releases' interpreter; its output kept for the end (it runs beside the tools' install)
  if [ -x "$APP_VENV/bin/python" ] && [ "$(version_of "$APP_VENV/bin/python")" != "$(version_of "$py")" ]; then
    rm -rf "$APP_VENV"
  fi
  [ -x "$APP_VENV/bin/python" ] || "$py" -m venv "$APP_VENV"
  "$APP_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$APP_REQUIREMENTS" 2>&1 \
    | { grep -v '^WARNING: Location' || true; } || return 1
  "$APP_VENV/bin/python" -c 'import django, gunicorn, psycopg2' 2>&1
}
# The two installs side by side: pip keeps one core busy, and the releases' venv takes about 17 s alone.
echo "setup: the sample releases' interpreter in $APP_VENV ($APP_REQUIREMENTS), beside the tools' install"
app_log=$(mktemp "${TMPDIR:-/tmp}/lacrei-setup-app.XXXXXX")
app_venv > "$app_log" 2>&1 & app_pid=$!
trap 'kill "$app_pid" 2>/dev/null || true; rm -f "$app_log"' EXIT
[ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
echo "setup: installing into $VENV (Python $(version_of "$VENV/bin/python"))"
# pip's status decides (a requirement it could not install fails setup even when the imports below work).
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | { grep -v '^WARNING: Location' || true; } \
  || { echo "setup: pip could not install into $VENV; see its output above" >&2; exit 1; }
"$VENV/bin/python" -c 'import ansible, ansible_runner, boto3, psycopg2, moto, django, lacrei_rollback' \
  || { echo "setup: the install did not complete; see the pip output above" >&2; exit 1; }
if ! wait "$app_pid"; then
  cat "$app_log" >&2
  echo "setup: the install into $APP_VENV did not complete; see the pip output above" >&2
  exit 1
fi
cat "$app_log"
# The responder (ansible-rulebook) needs Java 17: say so now rather than at `make responder`.
java17=$(ls -d /usr/lib/jvm/*17*/bin/java 2>/dev/null | head -n1 || true)
if ! JAVA_HOME="${JAVA_HOME:-${java17%/bin/java}}" "$VENV/bin/ansible-rulebook" --version >/dev/null 2>&1; then
  echo "setup: WARNING: ansible-rulebook does not start (it needs a Java 17 runtime: install openjdk-17-jre-headless or set JAVA_HOME); everything but the responder works" >&2
fi
echo "$want" > "$STAMP"
