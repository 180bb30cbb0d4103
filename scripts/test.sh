#!/usr/bin/env bash
# Install what the tests need, then run the whole test suite. Extra arguments go to pytest.
# As root on Debian, it also installs the system packages the tests drive (Chromium for the
# browser tests, PostgreSQL for the database tests) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
source scripts/bootstrap.sh test
exec .venv/bin/python -m pytest "$@"
