#!/usr/bin/env bash
# Junction's quickstart: installs what it needs, builds Junction, starts the lab (a MariaDB
# primary and two read-only replicas on 127.0.0.1) and runs Junction in the foreground in
# front of them. Stop with Ctrl-C; `lab/lab.sh stop` stops the MariaDB servers.
#
#   scripts/quickstart.sh                    all of the above
#   scripts/quickstart.sh --write-config DIR only write the quickstart's config file, DIR/junction.cnf
#                                            (datadir DIR/junction-data), and print its path; installs,
#                                            builds and starts nothing (tests/integration/test_readme.py)
#
# Environment: JUNCTION_PORT (clients, default 6033), JUNCTION_ADMIN_PORT (admin, default 6032),
# JUNCTION_LAB_DIR, JUNCTION_LAB_PORT (see lab/lab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

LAB_DIR="${JUNCTION_LAB_DIR:-/tmp/junction-lab}"
PRIMARY_PORT="${JUNCTION_LAB_PORT:-13306}"
PORT="${JUNCTION_PORT:-6033}"
ADMIN_PORT="${JUNCTION_ADMIN_PORT:-6032}"

# write_config DIR: the lab's three servers behind Junction, in DIR/junction.cnf.
write_config() {
    local dir="$1"
    mkdir -p "$dir/junction-data"
    cat >"$dir/junction.cnf" <<CNF
# Written by scripts/quickstart.sh: the lab's three servers behind Junction.
datadir="$dir/junction-data"
admin_variables = { admin_credentials="admin:admin" mysql_ifaces="127.0.0.1:$ADMIN_PORT" }
mysql_variables = {
    interfaces="0.0.0.0:$PORT"
    monitor_username="monitor"
    monitor_password="monitor"
}
mysql_servers = (
    { address="127.0.0.1", port=$PRIMARY_PORT, hostgroup=10, max_connections=200, comment="primary" },
    { address="127.0.0.1", port=$((PRIMARY_PORT + 1)), hostgroup=20, comment="replica 1" },
    { address="127.0.0.1", port=$((PRIMARY_PORT + 2)), hostgroup=20, comment="replica 2" }
)
mysql_replication_hostgroups = ( { writer_hostgroup=10, reader_hostgroup=20, comment="lab" } )
mysql_users = (
    { username="app", password="app", default_hostgroup=10, default_schema="sbtest" }
)
CNF
}

case "${1:-}" in
    "") ;;
    --write-config)
        [ -n "${2:-}" ] || { echo "usage: scripts/quickstart.sh --write-config DIR" >&2; exit 2; }
        dir="$(mkdir -p "$2" && cd "$2" && pwd)"
        write_config "$dir"
        echo "$dir/junction.cnf"
        exit 0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/quickstart.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

scripts/install-deps.sh
echo "== building Junction (release; the first build takes several minutes)"
scripts/build-release.sh
lab/lab.sh start

mkdir -p "$LAB_DIR"
write_config "$LAB_DIR"
CONFIG="$LAB_DIR/junction.cnf"
echo "== Junction on port $PORT (admin: 127.0.0.1:$ADMIN_PORT, config: $CONFIG). Try: mariadb -h127.0.0.1 -P$PORT -uapp -papp"
# --reload: this file is rewritten on every run; merging it keeps what you saved from the admin.
exec "$(swift build -c release --show-bin-path)/junction" --foreground --reload --config "$CONFIG"
