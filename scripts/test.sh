#!/usr/bin/env bash
# Install what the tests need, then run the whole test suite: everything on SQLite, then the
# server's tests again on a throw-away PostgreSQL; both runs with a throw-away S3 object store
# (SeaweedFS). Extra arguments go to both pytest runs.
# As root on Debian, it first installs the system packages the tests drive (Chromium for the
# browser tests, PostgreSQL for the database tests) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)  # the 现场检查笔录 PDF tests
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
source scripts/bootstrap.sh server,test
echo "== lint (ruff)"
.venv/bin/ruff check .
echo "== types (mypy --strict)"
.venv/bin/mypy sync server_stub app bench
# A real S3-compatible object store (SeaweedFS) for the photo store's tests, in both runs.
if source scripts/objectstore.sh; then
  echo "== object store (SeaweedFS) at $ZSC_TEST_S3_URL"
elif [ -n "${CI:-}" ] || [ -n "${ZSC_REQUIRE_POSTGRES:-}" ]; then
  exit 1
fi
# Everything but the browser tests in two processes (pytest-xdist), each test module in one of
# them; then the browser tests in one, as a phone's story is told step by step and its Flet
# client and Chromium want the cores to themselves.
# Arguments that name tests of one kind only (./scripts/test.sh tests/sync) leave the other run
# nothing to do: pytest's 5, "no tests collected", which fails CI (.ci/run) alone.
run_pytest() {
  local status=0
  .venv/bin/python -m pytest "$@" || status=$?
  if [ "$status" = 5 ] && [ -z "${ZSC_REQUIRE_BROWSER:-}" ]; then
    return 0
  fi
  return "$status"
}
echo "== test suite on SQLite, but the browser tests (two processes)"
run_pytest -m "not browser" -n 2 --dist loadscope --durations=15 "$@"
# What the first run leaves behind (its disk writes, a store's compaction, processes still
# stopping) is let settle first: the first browser tests after it once stalled for minutes.
sync
for _ in $(seq 60); do
  awk -v cores="$(nproc)" '{ exit !($1 < cores) }' /proc/loadavg && break
  sleep 3
done
echo "== browser tests on SQLite (one process); load $(cut -d' ' -f1-3 /proc/loadavg)"
ps -eo pcpu,etime,comm --sort=-pcpu | head -6
run_pytest -m browser --durations=15 "$@"
if source scripts/postgres.sh; then
  echo "== server test suite on PostgreSQL ($ZSC_TEST_PG_URL)"
  # two processes (pytest-xdist), each test module in one of them: every test has a database of
  # its own, and a module's shared server stays in one process
  .venv/bin/python -m pytest tests/server_stub -m "not browser" -n 2 --dist loadscope --durations=15 "$@"
elif [ -n "${CI:-}" ] || [ -n "${ZSC_REQUIRE_POSTGRES:-}" ]; then
  exit 1
fi
