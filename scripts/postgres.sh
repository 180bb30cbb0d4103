# Sourced by test.sh: start a throw-away PostgreSQL cluster on 127.0.0.1 and export its URL as
# ZSC_TEST_PG_URL; it is stopped and deleted when the sourcing shell exits.
# Debian's service scripts start no cluster in a sandbox, so initdb and pg_ctl are run directly
# (as the postgres user when we are root: PostgreSQL refuses to run as root).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed: the PostgreSQL run is skipped." >&2
  return 1
fi
pg_dir=$(mktemp -d /tmp/zsc-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
as_pg "'$pg_bin/initdb' -D '$pg_dir/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "'$pg_bin/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/log' -w -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c max_connections=200\" start" >/dev/null
# beside objectstore.sh's clean-up when both are sourced (see there)
_zsc_on_exit="${_zsc_on_exit:-}"'as_pg "\"$pg_bin/pg_ctl\" -D \"$pg_dir/data\" -m immediate stop" >/dev/null 2>&1; rm -rf "$pg_dir"; '
trap 'eval "$_zsc_on_exit"' EXIT
export ZSC_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
