#!/usr/bin/env bash
# The module sanity checks (ansible-test sanity) on a copy of the collection laid out as
# ansible_collections/lacrei/rollback, as ansible-test requires.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pyver=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test seeds its venvs with a pip bootstrap script from outside the registries;
# give it the offline stand-in under the cache name it looks for.
pip_version=$(grep -ho "pip='[0-9.]*'" .venv/lib/python*/site-packages/ansible_test/_internal/python_requirements.py | head -n1 | cut -d"'" -f2)
cache=~/.ansible/test/cache
mkdir -p "$cache"
for v in $pip_version; do cp tools/get_pip_offline.py "$cache/get_pip_${v//./_}.py"; done

PIP_NOISE="WARNING: Location|Collecting|Downloading|━|Looking in|Installing|Successfully|Uninstall|Requirement|Found existing|Using locale"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/lacrei/rollback
mkdir -p "$dest"
cp -r galaxy.yml meta plugins "$dest"/
[ -d roles ] && cp -r roles "$dest"/
[ -d playbooks ] && cp -r playbooks "$dest"/
[ -d extensions ] && cp -r extensions "$dest"/
find "$dest" -name __pycache__ -prune -exec rm -rf {} +
(cd "$dest" && git init -q . && git add -A \
  && "$OLDPWD/.venv/bin/ansible-test" sanity --python "$pyver" --local \
     --test validate-modules --test compile --test import --test pep8 --test yamllint \
     >"$work/sanity.log" 2>&1) || { grep -vE "$PIP_NOISE" "$work/sanity.log" >&2; echo "sanity: FAILED" >&2; exit 1; }
grep -E '^(Running|ERROR|FATAL)' "$work/sanity.log" || true
echo "sanity: passed"

