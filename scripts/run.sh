#!/usr/bin/env bash
# Install everything and run the whole system (web, worker, beat) on the
# embedded defaults, loaded with the curated fixtures. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
source scripts/services.sh
install_requirements requirements.txt requirements-eval.txt
ensure_cjk_font
exec "$VENV/bin/python" -m config.stack "$@"
