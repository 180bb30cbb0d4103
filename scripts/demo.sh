#!/usr/bin/env bash
# Install what is needed, then run the platform server on SQLite with demo data and one app web
# client per person: the demo inspector's at ZSC_WEB_PORT (8550) and the demo supervisor's at the
# next port (8551), each with data and a key of its own (two phones), printing which address is
# whose with its one-time enrolment code. Stop everything with Ctrl-C. Settings: ZSC_DATA_DIR
# (default ./data), ZSC_SERVER_PORT (8700), ZSC_WEB_PORT (8550).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" server
data="${ZSC_DATA_DIR:-data}"
port="${ZSC_SERVER_PORT:-8700}"
inspector_port="${ZSC_WEB_PORT:-8550}"
supervisor_port=$((inspector_port + 1))
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
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
.venv/bin/python -m server_stub serve --data "$data" --host 127.0.0.1 --port "$port" &
pids+=($!)
export ZSC_SERVER_URL="$server_url"
# One app process per person: each is one phone (its own store, key and enrolment).
ZSC_WEB_PORT="$inspector_port" ZSC_APP_DATA_DIR="$data/app-inspector" .venv/bin/python -m app >/dev/null &
pids+=($!)
if [ -n "$supervisor_code" ]; then
  ZSC_WEB_PORT="$supervisor_port" ZSC_APP_DATA_DIR="$data/app-supervisor" .venv/bin/python -m app >/dev/null &
  pids+=($!)
fi
cat <<MSG

掌上查演示 · demo
  平台 platform:  $server_url/            (公示 results: $server_url/results)
  执法检查人员 $inspector (inspector):
    应用 app:     http://127.0.0.1:$inspector_port/
    注册码 code:  $inspector_code
MSG
if [ -n "$supervisor_code" ]; then
  cat <<MSG
  审核人 $supervisor (supervisor):
    应用 app:     http://127.0.0.1:$supervisor_port/
    注册码 code:  $supervisor_code
MSG
fi
echo "  Ctrl-C 停止 stops all."
wait
