#!/usr/bin/env bash
# Install everything and run the full test suite against the real PostgreSQL
# and Redis of this machine (started, or installed, when absent).
# Extra arguments go to pytest, e.g. scripts/test.sh tests/incidents -x
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
source scripts/services.sh
install_requirements requirements-test.txt
ensure_postgres
ensure_redis
ensure_debian_tools
# axe-core, which the browser tests inject into pages.
[ -d node_modules/axe-core ] || npm ci --no-audit --no-fund --silent

export DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export AIKB_VAR_DIR=${AIKB_VAR_DIR:-$PWD/var/test}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

"$VENV/bin/python" manage.py check
"$VENV/bin/python" manage.py makemigrations --check --dry-run
set +e
"$VENV/bin/python" -m pytest --create-db "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests" >&2
fi
exit "$status"
