# Sourced by demo.sh and test.sh: make .venv with the project and the given extras installed.
# Re-installs only when pyproject.toml or constraints.txt changed since the last install.
# constraints.txt holds every package's tested version, so a new machine gets what CI passed with.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  echo "Installing the project and its pinned dependencies into .venv (log: .venv/install.log)…"
  if ! { .venv/bin/python -m pip install --upgrade pip && \
         .venv/bin/python -m pip install -c constraints.txt -e ".${extras:+[$extras]}"; } > .venv/install.log 2>&1; then
    tail -n 40 .venv/install.log >&2
    echo "Installation failed; the whole log is in .venv/install.log" >&2
    exit 1
  fi
  touch "$stamp"
fi
