#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for the tests.
#   eval "$(scripts/pg-throwaway.sh start)"   prints: export COULOIR_TEST_PG_URL=...; export COULOIR_TEST_PG_DIR=...
#   scripts/pg-throwaway.sh stop DIR           stops the cluster and removes DIR
# Trust authentication on 127.0.0.1 only; the data directory lives under /tmp and is removed on stop.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg-throwaway: PostgreSQL server not installed" >&2; exit 1; }
run_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/couloir-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    run_as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    run_as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "export COULOIR_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
    echo "export COULOIR_TEST_PG_DIR=$dir"
    ;;
  stop)
    dir=${2:?directory}
    [ -d "$dir/data" ] && run_as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
