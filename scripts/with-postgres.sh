#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster, then stops the cluster and removes it.
#
#   scripts/with-postgres.sh CMD ARGS…
#
# The cluster lives in a temporary folder, owned by an unprivileged user (the `postgres` account
# Debian's package creates when this runs as root, else the caller), listens on 127.0.0.1 at a free
# port and on a socket in that folder, and asks for a password (SCRAM-SHA-256). CMD sees:
#   NNREG_TEST_POSTGRES  postgresql://nnreg@127.0.0.1:PORT/postgres  (a superuser, no password inside)
#   PGPASSWORD           that user's password
# Installs Debian's postgresql when missing (as root), or says what to install.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "with-postgres: installing Debian's postgresql" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  else
    echo "with-postgres: PostgreSQL is not installed. Run: sudo apt-get install -y postgresql" >&2
    exit 1
  fi
fi

folder=$(mktemp -d /tmp/nnreg-postgres.XXXXXX)
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
  chown postgres "$folder"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$folder/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT

printf '%s\n' "$password" > "$folder/password"
[ "$(id -u)" = 0 ] && chown postgres "$folder/password"
"${as_owner[@]}" "$bindir/initdb" -D "$folder/data" -U nnreg --pwfile="$folder/password" \
  --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$folder/initdb.log" 2>&1 \
  || { cat "$folder/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$bindir/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$folder -c max_connections=200" \
  start >/dev/null || { cat "$folder/server.log" >&2; exit 1; }

export NNREG_TEST_POSTGRES="postgresql://nnreg@127.0.0.1:$port/postgres"
export PGPASSWORD="$password"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (in $folder)" >&2
set +e
"$@"
status=$?
exit $status
