#!/usr/bin/env bash
# Install what is needed, then run the platform server on SQLite with demo data and the app's
# web client. Stop both with Ctrl-C. Settings: ZSC_DATA_DIR (default ./data), ZSC_SERVER_PORT
# (8700), ZSC_WEB_PORT (8550).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" ""
data="${ZSC_DATA_DIR:-data}"
port="${ZSC_SERVER_PORT:-8700}"
.venv/bin/python -m server_stub seed-demo --data "$data" --if-empty
.venv/bin/python -m server_stub serve --data "$data" --host 127.0.0.1 --port "$port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM
export ZSC_SERVER_URL="http://127.0.0.1:$port"
.venv/bin/python -m app
