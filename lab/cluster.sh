#!/usr/bin/env bash
# A cluster of Junction nodes on this machine, to try the cluster (README, "A cluster of Junctions"): each node has
# its own datadir and config file, the lab's servers (lab/lab.sh: the primary in hostgroup 10, the replicas in 20),
# the user app/app, and every node in proxysql_servers with cluster credentials cluster1/secret.
#
#   lab/cluster.sh start [N]   start N nodes (default 3): node i has admin port 26032+10*i, client port 26033+10*i
#   lab/cluster.sh stop        stop every node (SIGTERM, by PID)
#   lab/cluster.sh status      each node's ports, PID, and what it sees of its peers (stats_proxysql_servers_checksums)
#
# Environment: JUNCTION_BIN (default .build/release/junction), JUNCTION_CLUSTER_DIR (default /tmp/junction-cluster),
# JUNCTION_LAB_PORT (the lab's primary, default 13306).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${JUNCTION_BIN:-.build/release/junction}"
DIR="${JUNCTION_CLUSTER_DIR:-/tmp/junction-cluster}"
LAB_PORT="${JUNCTION_LAB_PORT:-13306}"
HOST=127.0.0.1

admin_port() { echo $((26032 + 10 * $1)); }
client_port() { echo $((26033 + 10 * $1)); }

config() {
    local i="$1" n="$2" peers="" j
    for ((j = 0; j < n; j++)); do
        peers+="${peers:+, }{ hostname=\"$HOST\", port=$(admin_port "$j") }"
    done
    cat <<EOF
datadir="$DIR/node$i/data"
admin_variables = { admin_credentials="admin:admin;cluster1:secret" mysql_ifaces="$HOST:$(admin_port "$i")"
                    cluster_username="cluster1" cluster_password="secret" cluster_check_interval_ms=200
                    cluster_check_status_frequency=10 }
mysql_variables = { interfaces="$HOST:$(client_port "$i")" monitor_username="monitor" monitor_password="monitor" }
mysql_servers = ( { address="$HOST", port=$LAB_PORT, hostgroup=10 }, { address="$HOST", port=$((LAB_PORT + 1)), hostgroup=20 },
                  { address="$HOST", port=$((LAB_PORT + 2)), hostgroup=20 } )
mysql_replication_hostgroups = ( { writer_hostgroup=10, reader_hostgroup=20, comment="lab" } )
mysql_users = ( { username="app", password="app", default_hostgroup=10 } )
proxysql_servers = ( $peers )
EOF
}

start() {
    local n="${1:-3}" i
    [ -x "$BIN" ] || { echo "cluster: $BIN not found (scripts/build-release.sh)" >&2; exit 1; }
    for ((i = 0; i < n; i++)); do
        mkdir -p "$DIR/node$i/data"
        config "$i" "$n" > "$DIR/node$i/junction.cnf"
        if [ -f "$DIR/node$i/pid" ] && kill -0 "$(cat "$DIR/node$i/pid")" 2>/dev/null; then
            echo "cluster: node $i already runs (pid $(cat "$DIR/node$i/pid"))"
            continue
        fi
        "$BIN" -f -c "$DIR/node$i/junction.cnf" > "$DIR/node$i/junction.log" 2>&1 &
        echo $! > "$DIR/node$i/pid"
        echo "cluster: node $i: admin $HOST:$(admin_port "$i"), clients $HOST:$(client_port "$i"), pid $!, log $DIR/node$i/junction.log"
    done
}

stop() {
    local pidfile pid
    for pidfile in "$DIR"/node*/pid; do
        [ -f "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        rm -f "$pidfile"
    done
    echo "cluster: stopped"
}

status() {
    local dir i pid
    for dir in "$DIR"/node*; do
        [ -d "$dir" ] || continue
        i="${dir##*node}"
        pid="$(cat "$dir/pid" 2>/dev/null || echo -)"
        echo "node $i: admin $(admin_port "$i"), clients $(client_port "$i"), pid $pid"
        mariadb -h"$HOST" -P"$(admin_port "$i")" -uadmin -padmin -e \
            "SELECT hostname, port, name, version, epoch, checksum, diff_check FROM stats_proxysql_servers_checksums
             WHERE name IN ('mysql_servers_v2', 'mysql_users', 'mysql_query_rules') ORDER BY port, name" 2>/dev/null \
            || echo "  (admin not answering)"
    done
}

case "${1:-}" in
    start) start "${2:-3}" ;;
    stop) stop ;;
    status) status ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
esac
