#!/usr/bin/env bash
# Install what is needed, then run the platform server on SQLite with demo data and the app's
# web client, printing both addresses and one-time enrolment codes for a demo inspector and a
# demo supervisor. Stop both with Ctrl-C. Settings: ZSC_DATA_DIR (default ./data),
# ZSC_SERVER_PORT (8700), ZSC_WEB_PORT (8550).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" server
data="${ZSC_DATA_DIR:-data}"
port="${ZSC_SERVER_PORT:-8700}"
server_url="http://127.0.0.1:$port"
seeded=$(.venv/bin/python -m server_stub seed-demo --data "$data" --if-empty)
echo "$seeded"
inspector=$(echo "$seeded" | tail -n 1)
supervisor=$(echo "$seeded" | sed -n 's/^可注册为审核人的同部门人员编号：//p')
inspector_code=$(.venv/bin/python -m server_stub enroll-code --data "$data" --inspector "$inspector" \
  --server-url "$server_url" | tail -n 1)
supervisor_code=""
if [ -n "$supervisor" ]; then
  supervisor_code=$(.venv/bin/python -m server_stub enroll-code --data "$data" --inspector "$supervisor" \
    --role supervisor --server-url "$server_url" | tail -n 1)
fi
.venv/bin/python -m server_stub serve --data "$data" --host 127.0.0.1 --port "$port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM
cat <<MSG

掌上查演示 · demo
  平台 platform:        $server_url/            (公示 results: $server_url/results)
  应用 app:             http://127.0.0.1:${ZSC_WEB_PORT:-8550}/
  执法检查人员 $inspector 的注册码 (inspector's one-time code): $inspector_code
MSG
[ -n "$supervisor_code" ] && echo "  审核人 $supervisor 的注册码 (supervisor's one-time code): $supervisor_code"
echo
export ZSC_SERVER_URL="$server_url"
.venv/bin/python -m app
