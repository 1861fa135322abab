#!/usr/bin/env bash
# Junction's quickstart: installs what it needs, builds Junction, starts the lab (a MariaDB
# primary and two read-only replicas on 127.0.0.1) and runs Junction in the foreground in
# front of them. Stop with Ctrl-C; `lab/lab.sh stop` stops the MariaDB servers.
#
#   scripts/quickstart.sh
#
# Environment: JUNCTION_PORT (default 6033), JUNCTION_LAB_DIR, JUNCTION_LAB_PORT (see lab/lab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "== building Junction (release; the first build takes several minutes)"
scripts/build-release.sh
lab/lab.sh start

LAB_DIR="${JUNCTION_LAB_DIR:-/tmp/junction-lab}"
PRIMARY_PORT="${JUNCTION_LAB_PORT:-13306}"
PORT="${JUNCTION_PORT:-6033}"
CONFIG="$LAB_DIR/junction.cnf"
mkdir -p "$LAB_DIR/junction-data"
cat > "$CONFIG" <<CNF
# Written by scripts/quickstart.sh: the lab's three servers behind Junction.
datadir="$LAB_DIR/junction-data"
admin_variables = { admin_credentials="admin:admin" mysql_ifaces="127.0.0.1:6032" }
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
echo "== Junction on port $PORT (config: $CONFIG). Try: mariadb -h127.0.0.1 -P$PORT -uapp -papp"
# --reload: this file is rewritten on every run; merging it keeps what you saved from the admin.
exec "$(swift build -c release --show-bin-path)/junction" --foreground --reload --config "$CONFIG"
