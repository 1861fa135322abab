#!/usr/bin/env bash
# Junction lab: three local MariaDB servers (one primary, two GTID replicas)
# for Junction's integration tests, the quickstart and the benchmarks.
#
#   lab/lab.sh start             start (and on first use create) all three servers
#   lab/lab.sh stop              stop all servers of the lab (by PID)
#   lab/lab.sh status            port, pid, read_only and replication state of each server
#   lab/lab.sh env               print `export` lines for the lab's ports, dir and sockets
#   lab/lab.sh restart-server N  start server N again with its data (N: 0 primary, 1, 2 replicas)
#   lab/lab.sh kill-server N     kill -9 server N
#   lab/lab.sh destroy           stop everything and delete the lab's data
#
# Environment:
#   JUNCTION_LAB_DIR   where data, sockets, pid files and logs live (default /tmp/junction-lab)
#   JUNCTION_LAB_PORT  primary's port (default 13306); replica 1 = +1, replica 2 = +2
#
# Accounts (created on the primary and replicated):
#   app/app          ALL PRIVILEGES on *.* except READ_ONLY ADMIN, so that read_only=1
#                    on a replica really rejects its writes (as on a managed replica)
#   monitor/monitor  USAGE, REPLICATION CLIENT, SLAVE MONITOR
#   repl/repl        REPLICATION SLAVE (used by the replicas)
#   root             unix socket only (the OS user that runs this script)
# Schema: sbtest
set -euo pipefail

LAB_DIR="${JUNCTION_LAB_DIR:-/tmp/junction-lab}"
BASE_PORT="${JUNCTION_LAB_PORT:-13306}"
HOST=127.0.0.1
NAMES=(primary replica1 replica2)
START_TIMEOUT="${JUNCTION_LAB_START_TIMEOUT:-90}"

die() { echo "lab: $*" >&2; exit 1; }
log() { echo "lab: $*" >&2; }

find_bin() {
    local b
    for b in "$@"; do
        if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
        if [ -x "/usr/sbin/$b" ]; then echo "/usr/sbin/$b"; return 0; fi
        if [ -x "/usr/bin/$b" ]; then echo "/usr/bin/$b"; return 0; fi
    done
    return 1
}

need_bins() {
    MARIADBD="$(find_bin mariadbd mysqld)" || die "mariadbd not found (run scripts/install-deps.sh)"
    INSTALL_DB="$(find_bin mariadb-install-db mysql_install_db)" || die "mariadb-install-db not found"
    CLIENT="$(find_bin mariadb mysql)" || die "mariadb client not found"
}

OS_USER="$(id -un)"

port_of()   { echo $((BASE_PORT + $1)); }
dir_of()    { echo "$LAB_DIR/server$1"; }
sock_of()   { echo "$LAB_DIR/server$1/mariadb.sock"; }
pidf_of()   { echo "$LAB_DIR/server$1/mariadb.pid"; }
cnf_of()    { echo "$LAB_DIR/server$1/my.cnf"; }
errlog_of() { echo "$LAB_DIR/server$1/error.log"; }

check_index() {
    case "${1:-}" in
        0|1|2) ;;
        *) die "server index must be 0 (primary), 1 or 2 (replicas), got '${1:-}'" ;;
    esac
}

# PID of server N if it is running, else empty.
pid_of() {
    local f pid
    f="$(pidf_of "$1")"
    [ -s "$f" ] || return 0
    pid="$(tr -dc '0-9' <"$f")"
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null && grep -q "mariadbd\|mysqld" "/proc/$pid/cmdline" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(cnf_of "$1")"; then
        echo "$pid"
    fi
}

# Run SQL on server N as the admin (root over the unix socket). Extra args go to the client.
sql() {
    local n="$1"; shift
    "$CLIENT" --no-defaults --protocol=socket --socket="$(sock_of "$n")" -u"$OS_USER" \
        --batch --skip-column-names --connect-timeout=5 "$@"
}

write_cnf() {
    local n="$1" dir
    dir="$(dir_of "$n")"
    {
        echo "[mariadbd]"
        if [ "$(id -u)" = 0 ]; then echo "user=root"; fi
        echo "datadir=$dir/data"
        echo "socket=$(sock_of "$n")"
        echo "pid-file=$(pidf_of "$n")"
        echo "log-error=$(errlog_of "$n")"
        echo "port=$(port_of "$n")"
        echo "bind-address=$HOST"
        echo "skip-name-resolve"
        echo "server_id=$((n + 1))"
        echo "log_bin=$dir/data/binlog"
        echo "relay_log=$dir/data/relay-bin"
        echo "log_slave_updates=1"
        echo "binlog_format=ROW"
        echo "gtid_domain_id=0"
        echo "report_host=$HOST"
        echo "report_port=$(port_of "$n")"
        echo "slave_net_timeout=10"
        if [ "$n" != 0 ]; then
            echo "read_only=1"
        fi
        echo "character-set-server=utf8mb4"
        echo "collation-server=utf8mb4_general_ci"
        echo "max_connections=2000"
        echo "max_connect_errors=1000000"
        echo "max_allowed_packet=64M"
        echo "local_infile=1"
        echo "innodb_buffer_pool_size=64M"
        echo "innodb_log_file_size=32M"
        echo "innodb_log_buffer_size=8M"
        echo "innodb_flush_log_at_trx_commit=2"
        echo "innodb_flush_method=O_DIRECT_NO_FSYNC"
        echo "sync_binlog=0"
        echo "performance_schema=OFF"
        echo "thread_cache_size=64"
        echo "table_open_cache=400"
        echo "key_buffer_size=8M"
        echo "aria_pagecache_buffer_size=8M"
        echo "query_cache_type=0"
        echo "query_cache_size=0"
        echo "open_files_limit=10000"
        echo "expire_logs_days=1"
    } >"$(cnf_of "$n")"
}

# Launch server N in the background (in its own session so that a Ctrl-C in the caller's
# terminal does not reach it).
launch() {
    local n="$1"
    write_cnf "$n"
    if [ -n "$(pid_of "$n")" ]; then return 0; fi
    local port
    port="$(port_of "$n")"
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
        die "port $port is already in use by another program (set JUNCTION_LAB_PORT)"
    fi
    rm -f "$(pidf_of "$n")"
    setsid nohup "$MARIADBD" --defaults-file="$(cnf_of "$n")" \
        >>"$(dir_of "$n")/stdout.log" 2>&1 </dev/null &
    echo "$!" >"$(dir_of "$n")/launch.pid"
}

# Wait until server N answers over its socket and over TCP.
wait_up() {
    local n="$1" deadline lpid
    deadline=$((SECONDS + START_TIMEOUT))
    lpid="$(cat "$(dir_of "$n")/launch.pid" 2>/dev/null || true)"
    while :; do
        if sql "$n" -e "SELECT 1" >/dev/null 2>&1 && [ -n "$(pid_of "$n")" ] \
            && (exec 3<>"/dev/tcp/$HOST/$(port_of "$n")") 2>/dev/null; then
            return 0
        fi
        if [ -n "$lpid" ] && ! kill -0 "$lpid" 2>/dev/null && [ -z "$(pid_of "$n")" ]; then
            tail -n 30 "$(errlog_of "$n")" >&2 || true
            die "${NAMES[$n]} (server $n) exited during startup; log: $(errlog_of "$n")"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 30 "$(errlog_of "$n")" >&2 || true
            die "${NAMES[$n]} (server $n) did not start within ${START_TIMEOUT}s"
        fi
        sleep 0.2
    done
}

# One value of SHOW SLAVE STATUS on server N.
slave_field() {
    sql "$1" --column-names --vertical -e "SHOW SLAVE STATUS" 2>/dev/null \
        | awk -F': ' -v k="$2" '{ gsub(/^ +/, "", $1) } $1 == k { print $2; exit }'
}

configure_replica() {
    local n="$1"
    sql "$n" <<SQL
STOP SLAVE;
RESET SLAVE ALL;
SET GLOBAL gtid_slave_pos = '';
CHANGE MASTER TO
  MASTER_HOST = '$HOST',
  MASTER_PORT = $(port_of 0),
  MASTER_USER = 'repl',
  MASTER_PASSWORD = 'repl',
  MASTER_CONNECT_RETRY = 1,
  MASTER_USE_GTID = slave_pos;
START SLAVE;
SQL
}

# Wait until replica N runs both threads and has applied everything the primary has.
wait_replication() {
    local n="$1" deadline io sqlt pos res
    deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        io="$(slave_field "$n" Slave_IO_Running)"
        sqlt="$(slave_field "$n" Slave_SQL_Running)"
        if [ "$io" = Yes ] && [ "$sqlt" = Yes ]; then
            pos="$(sql 0 -e "SELECT @@gtid_binlog_pos")"
            res="$(sql "$n" -e "SELECT MASTER_GTID_WAIT('$pos', 1)" 2>/dev/null || echo -1)"
            if [ "$res" = 0 ]; then return 0; fi
        elif [ -z "$io" ]; then
            die "${NAMES[$n]} (server $n) has no replication configured; run: lab/lab.sh destroy && lab/lab.sh start"
        elif [ "$sqlt" = No ] || { [ "$io" = No ] && [ -n "$(slave_field "$n" Last_IO_Error)" ]; }; then
            # A stopped thread after a crash: try to restart it once per loop.
            sql "$n" -e "START SLAVE" >/dev/null 2>&1 || true
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            sql "$n" --vertical -e "SHOW SLAVE STATUS" >&2 || true
            die "replication on ${NAMES[$n]} (server $n) is not running"
        fi
        sleep 0.2
    done
}

bootstrap_primary() {
    sql 0 <<'SQL'
-- Anonymous accounts would shadow app@'%' for local logins.
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app';
CREATE USER IF NOT EXISTS 'app'@'localhost' IDENTIFIED BY 'app';
CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'app';
GRANT ALL PRIVILEGES ON *.* TO 'app'@'%';
GRANT ALL PRIVILEGES ON *.* TO 'app'@'localhost';
GRANT ALL PRIVILEGES ON *.* TO 'app'@'127.0.0.1';
CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY 'monitor';
CREATE USER IF NOT EXISTS 'monitor'@'localhost' IDENTIFIED BY 'monitor';
CREATE USER IF NOT EXISTS 'monitor'@'127.0.0.1' IDENTIFIED BY 'monitor';
GRANT USAGE, REPLICATION CLIENT ON *.* TO 'monitor'@'%';
GRANT USAGE, REPLICATION CLIENT ON *.* TO 'monitor'@'localhost';
GRANT USAGE, REPLICATION CLIENT ON *.* TO 'monitor'@'127.0.0.1';
CREATE DATABASE IF NOT EXISTS sbtest CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
SQL
    # Privileges that only some MariaDB versions know.
    local h
    for h in '%' localhost 127.0.0.1; do
        sql 0 -e "REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'$h'" >/dev/null 2>&1 || true
        sql 0 -e "GRANT SLAVE MONITOR ON *.* TO 'monitor'@'$h'" >/dev/null 2>&1 || true
    done
}

initialize() {
    log "creating a new lab in $LAB_DIR"
    local n tmpl="$LAB_DIR/template"
    rm -rf "$tmpl" "$LAB_DIR/server0" "$LAB_DIR/server1" "$LAB_DIR/server2" "$LAB_DIR/.ready"
    mkdir -p "$tmpl"
    {
        echo "[mariadbd]"
        if [ "$(id -u)" = 0 ]; then echo "user=root"; fi
        echo "datadir=$tmpl/data"
        echo "innodb_buffer_pool_size=64M"
        echo "innodb_log_file_size=32M"
        echo "character-set-server=utf8mb4"
        echo "collation-server=utf8mb4_general_ci"
    } >"$tmpl/my.cnf"
    local user_opt=()
    if [ "$(id -u)" = 0 ]; then user_opt=(--user=root); fi
    if ! "$INSTALL_DB" --defaults-file="$tmpl/my.cnf" "${user_opt[@]}" --skip-test-db \
        --skip-name-resolve --auth-root-authentication-method=socket \
        --auth-root-socket-user="$OS_USER" >"$tmpl/install.log" 2>&1; then
        cat "$tmpl/install.log" >&2
        die "mariadb-install-db failed"
    fi
    # One initialisation, three copies: far faster than three runs of install-db.
    for n in 0 1 2; do
        mkdir -p "$(dir_of "$n")"
        cp -a "$tmpl/data" "$(dir_of "$n")/data"
    done
    rm -rf "$tmpl"
    for n in 0 1 2; do launch "$n"; done
    for n in 0 1 2; do wait_up "$n"; done
    bootstrap_primary
    configure_replica 1
    configure_replica 2
    touch "$LAB_DIR/.ready"
}

cmd_start() {
    need_bins
    mkdir -p "$LAB_DIR"
    if [ ${#LAB_DIR} -gt 80 ]; then die "JUNCTION_LAB_DIR is too long for unix socket paths"; fi
    if [ ! -f "$LAB_DIR/.ready" ]; then
        # A half-made lab (interrupted first start): stop what runs and start again.
        cmd_stop_quiet
        initialize
    else
        local n
        for n in 0 1 2; do launch "$n"; done
        for n in 0 1 2; do wait_up "$n"; done
    fi
    wait_replication 1
    wait_replication 2
    cmd_status
}

stop_one() {
    local n="$1" pid deadline
    pid="$(pid_of "$n")"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "${NAMES[$n]} (pid $pid) did not stop in 60s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.1
    done
    rm -f "$(pidf_of "$n")"
}

cmd_stop_quiet() {
    local n pids=()
    for n in 0 1 2; do
        # Replicas first would be nicer for the primary's log; all at once is faster.
        local pid
        pid="$(pid_of "$n")"
        if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$n"); fi
    done
    for n in "${pids[@]}"; do stop_one "$n"; done
}

cmd_stop() {
    cmd_stop_quiet
    echo "lab: stopped (data kept in $LAB_DIR)"
}

cmd_kill() {
    local n="$1" pid
    check_index "$n"
    pid="$(pid_of "$n")"
    if [ -z "$pid" ]; then log "${NAMES[$n]} (server $n) is not running"; return 0; fi
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    echo "lab: killed ${NAMES[$n]} (server $n, pid $pid)"
}

cmd_restart() {
    local n="$1"
    check_index "$n"
    need_bins
    [ -f "$LAB_DIR/.ready" ] || die "no lab in $LAB_DIR; run: lab/lab.sh start"
    stop_one "$n"
    launch "$n"
    wait_up "$n"
    if [ "$n" != 0 ]; then
        if [ -n "$(pid_of 0)" ]; then wait_replication "$n"; fi
    fi
    echo "lab: ${NAMES[$n]} (server $n) running on $HOST:$(port_of "$n"), pid $(pid_of "$n")"
}

cmd_status() {
    need_bins
    local n pid ro repl
    printf '%-9s %-16s %-8s %-9s %s\n' SERVER ADDRESS PID READ_ONLY REPLICATION
    for n in 0 1 2; do
        pid="$(pid_of "$n")"
        if [ -z "$pid" ]; then
            printf '%-9s %-16s %-8s %-9s %s\n' "${NAMES[$n]}" "$HOST:$(port_of "$n")" - - "not running"
            continue
        fi
        ro="$(sql "$n" -e "SELECT @@global.read_only" 2>/dev/null || echo '?')"
        if [ "$n" = 0 ]; then
            repl="primary, gtid_binlog_pos=$(sql 0 -e "SELECT @@gtid_binlog_pos" 2>/dev/null || echo '?')"
        else
            local io st lag gtid
            io="$(slave_field "$n" Slave_IO_Running)"
            st="$(slave_field "$n" Slave_SQL_Running)"
            lag="$(slave_field "$n" Seconds_Behind_Master)"
            gtid="$(sql "$n" -e "SELECT @@gtid_slave_pos" 2>/dev/null || echo '?')"
            if [ -z "$io" ]; then
                repl="not configured"
            else
                repl="io=$io sql=$st lag=${lag:-?} gtid_slave_pos=$gtid"
            fi
        fi
        printf '%-9s %-16s %-8s %-9s %s\n' "${NAMES[$n]}" "$HOST:$(port_of "$n")" "$pid" "$ro" "$repl"
    done
    echo "users: app/app (all), monitor/monitor, repl/repl; root over the socket; schema sbtest"
    echo "dir: $LAB_DIR   (eval \"\$(lab/lab.sh env)\" for variables)"
}

cmd_env() {
    echo "export JUNCTION_LAB_DIR=$LAB_DIR"
    echo "export JUNCTION_LAB_PORT=$BASE_PORT"
    echo "export JUNCTION_LAB_HOST=$HOST"
    echo "export JUNCTION_LAB_PRIMARY_PORT=$(port_of 0)"
    echo "export JUNCTION_LAB_REPLICA1_PORT=$(port_of 1)"
    echo "export JUNCTION_LAB_REPLICA2_PORT=$(port_of 2)"
    echo "export JUNCTION_LAB_PRIMARY_SOCKET=$(sock_of 0)"
    echo "export JUNCTION_LAB_REPLICA1_SOCKET=$(sock_of 1)"
    echo "export JUNCTION_LAB_REPLICA2_SOCKET=$(sock_of 2)"
    echo "export JUNCTION_LAB_USER=app"
    echo "export JUNCTION_LAB_PASSWORD=app"
}

cmd_destroy() {
    cmd_stop_quiet
    rm -rf "$LAB_DIR/server0" "$LAB_DIR/server1" "$LAB_DIR/server2" "$LAB_DIR/template" "$LAB_DIR/.ready"
    rmdir "$LAB_DIR" 2>/dev/null || true
    echo "lab: destroyed $LAB_DIR"
}

usage() {
    local rc="${1:-2}"
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
    exit "$rc"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart-server) cmd_restart "${2:-}" ;;
    kill-server) cmd_kill "${2:-}" ;;
    destroy) cmd_destroy ;;
    -h|--help|help) usage 0 ;;
    *) usage ;;
esac
