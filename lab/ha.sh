#!/usr/bin/env bash
# Junction HA lab: two Junction nodes behind a keepalived virtual IP, in network namespaces on this
# machine, with a MariaDB behind them, and a write loop that measures what an application sees when
# the active node goes away. Run as root. Addresses come only from 198.18.0.0/24 (benchmarking range).
#
#   lab/ha.sh up [--vrrp v2|v3]        (re)create everything (cleaning leftovers first) and wait until
#                                      one node holds the VIP and both are healthy
#   lab/ha.sh status                   who holds the VIP, keepalived states, Junction pids, health
#   lab/ha.sh failover [--vrrp v2|v3] [--planned|--crash] [--before S] [--settle S] [--interval-ms MS]
#                                      write through the VIP, then take the active node away:
#                                        (default)  SIGKILL its Junction (unplanned failure)
#                                        --planned  SIGTERM its Junction (planned switchover: it reports
#                                                   itself unhealthy for stop_grace_period_ms, then drains)
#                                        --crash    the whole node vanishes (link down, keepalived and
#                                                   Junction killed)
#                                      keep writing until writes succeed again, report, restore the node.
#                                      The last line of output is the result as JSON.
#   lab/ha.sh down [--purge]           stop everything (by PID), delete the namespaces and the bridge;
#                                      --purge also deletes the lab's directory (database included)
#
# Layout (bridge br-jha, addresses 198.18.0.0/24):
#   host side of the bridge   198.18.0.1     (to reach the VIP or the nodes from this machine)
#   jha-db      MariaDB       198.18.0.10:3306   accounts app/app (schema ha, table writes), monitor/monitor
#   jha-p1      Junction      198.18.0.11   admin 127.0.0.1:6032 and 198.18.0.11:6032, clients 0.0.0.0:6033
#   jha-p2      Junction      198.18.0.12   (same)
#   jha-client  write loop    198.18.0.20
#   VIP                       198.18.0.100 (keepalived, VRRP router id 51, on eth0 of jha-p1 or jha-p2)
#
# VRRP settings (--vrrp, default v3; `failover --vrrp` switches a running lab):
#   v2  as ProxySQL tutorials set it up: VRRPv2, advert_int 1, check every 2 s, fall 2, rise 1,
#       weight -20 (a failing node drops below the other), MASTER/BACKUP with preemption
#   v3  recommended: VRRPv3, advert_int 0.2, check every 1 s, fall 1, rise 2, weight 0 (a failing
#       check puts the node in FAULT: it gives the VIP up at once), both BACKUP with nopreempt
#
# Environment: JUNCTION_BIN (default .build/release/junction; copied into the lab at `up`),
# JUNCTION_HA_DIR (default /tmp/junction-ha), PYTHON (a python3 with PyMySQL).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"

DIR="${JUNCTION_HA_DIR:-/tmp/junction-ha}"
SRC_BIN="${JUNCTION_BIN:-$REPO/.build/release/junction}"
BIN="$DIR/bin/junction"
BR=br-jha
NET=198.18.0
HOST_IP=$NET.1
DB_IP=$NET.10
CLIENT_IP=$NET.20
VIP=$NET.100
NODES=(p1 p2)
ALL_NS=(jha-db jha-p1 jha-p2 jha-client)
VRID=51

log() { echo "ha: $*" >&2; }
die() { echo "ha: $*" >&2; exit 1; }

node_ip() { case "$1" in p1) echo "$NET.11" ;; p2) echo "$NET.12" ;; *) die "no node $1" ;; esac; }
ns_of() { echo "jha-$1"; }
ndir() { echo "$DIR/$1"; }
in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }
ns_exists() { [ -e "/run/netns/$1" ]; }

# PID from a file if that process is alive (not a zombie) and its command line mentions the lab's dir.
live_pid() {
    local f="$1" pid state
    [ -s "$f" ] || return 0
    pid="$(tr -dc '0-9' <"$f")"
    [ -n "$pid" ] || return 0
    state="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" || return 0
    case "$state" in ''|Z|X) return 0 ;; esac
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$DIR" && echo "$pid"
    return 0
}

alive() {
    local state
    state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
    case "$state" in ''|Z|X) return 1 ;; *) return 0 ;; esac
}

# Send a signal and wait (up to $3 seconds) until the process has gone.
stop_pid() {
    local pid="$1" sig="${2:-TERM}" wait="${3:-15}" deadline
    [ -n "$pid" ] || return 0
    kill -"$sig" "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + wait))
    while alive "$pid"; do
        if [ "$SECONDS" -ge "$deadline" ]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.1; alive "$pid" || break; fi
        sleep 0.1
    done
}

find_bin() {
    local b
    for b in "$@"; do
        if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
        if [ -x "/usr/sbin/$b" ]; then echo "/usr/sbin/$b"; return 0; fi
    done
    return 1
}

need_tools() {
    [ "$(id -u)" = 0 ] || die "run as root (namespaces, bridge, keepalived)"
    command -v ip >/dev/null || die "ip (iproute2) not found"
    KEEPALIVED="$(find_bin keepalived)" || die "keepalived not found (apt-get install keepalived, or scripts/install-deps.sh)"
    MARIADBD="$(find_bin mariadbd mysqld)" || die "mariadbd not found (scripts/install-deps.sh)"
    INSTALL_DB="$(find_bin mariadb-install-db mysql_install_db)" || die "mariadb-install-db not found"
    CLIENT="$(find_bin mariadb mysql)" || die "mariadb client not found"
    # The real interpreter (a pyenv shim would work too, but slowly, inside the namespace).
    PY="$("${PYTHON:-python3}" -c 'import sys, pymysql; print(sys.executable)' 2>/dev/null)" \
        || die "${PYTHON:-python3} with PyMySQL not found (scripts/install-deps.sh)"
}

# ------------------------------------------------------------------ network

net_down() {
    local ns
    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then ip netns del "$ns" 2>/dev/null || true; fi
        ip link del "$ns-br" 2>/dev/null || true
        ip link del "$ns-x" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
}

net_up() {
    ip link add "$BR" type bridge stp_state 0 forward_delay 0
    ip link set "$BR" type bridge mcast_snooping 0 2>/dev/null || true
    # Bridged frames must not go through the host's firewall (br_netfilter).
    ip link set "$BR" type bridge nf_call_iptables 0 nf_call_arptables 0 2>/dev/null || true
    ip addr add "$HOST_IP/24" dev "$BR"
    ip link set "$BR" up
    local ns addr
    for ns in "${ALL_NS[@]}"; do
        case "$ns" in
            jha-db) addr=$DB_IP ;; jha-client) addr=$CLIENT_IP ;; *) addr="$(node_ip "${ns#jha-}")" ;;
        esac
        ip netns add "$ns"
        ip link add "$ns-br" type veth peer name "$ns-x"
        ip link set "$ns-br" master "$BR"
        ip link set "$ns-br" up
        ip link set "$ns-x" netns "$ns"
        in_ns "$ns" ip link set "$ns-x" name eth0
        in_ns "$ns" ip addr add "$addr/24" dev eth0
        in_ns "$ns" ip link set lo up
        in_ns "$ns" ip link set eth0 up
    done
}

# ------------------------------------------------------------------ MariaDB in jha-db

DBD() { echo "$DIR/db"; }
db_sql() { "$CLIENT" --no-defaults --protocol=socket --socket="$(DBD)/mariadb.sock" -uroot --batch --skip-column-names --connect-timeout=5 "$@"; }

db_cnf() {
    {
        echo "[mariadbd]"
        echo "user=root"
        echo "datadir=$(DBD)/data"
        echo "socket=$(DBD)/mariadb.sock"
        echo "pid-file=$(DBD)/mariadb.pid"
        echo "log-error=$(DBD)/error.log"
        echo "bind-address=$DB_IP"
        echo "port=3306"
        echo "skip-name-resolve"
        echo "skip-log-bin"
        echo "character-set-server=utf8mb4"
        echo "collation-server=utf8mb4_general_ci"
        echo "max_connections=500"
        echo "max_connect_errors=1000000"
        echo "innodb_buffer_pool_size=64M"
        echo "innodb_log_file_size=32M"
        echo "performance_schema=OFF"
    } >"$(DBD)/my.cnf"
}

db_start() {
    mkdir -p "$(DBD)"
    db_cnf
    if [ ! -f "$(DBD)/.ready" ]; then
        log "creating the database in $(DBD)/data"
        rm -rf "$(DBD)/data"
        if ! "$INSTALL_DB" --defaults-file="$(DBD)/my.cnf" --user=root --skip-test-db --skip-name-resolve \
            --auth-root-authentication-method=socket --auth-root-socket-user=root >"$(DBD)/install.log" 2>&1; then
            cat "$(DBD)/install.log" >&2
            die "mariadb-install-db failed"
        fi
    fi
    rm -f "$(DBD)/mariadb.pid"
    setsid ip netns exec jha-db "$MARIADBD" --defaults-file="$(DBD)/my.cnf" >>"$(DBD)/stdout.log" 2>&1 </dev/null &
    local deadline=$((SECONDS + 60))
    until db_sql -e "SELECT 1" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$(DBD)/error.log" >&2; die "MariaDB did not start"; }
        sleep 0.2
    done
    db_sql <<'SQL'
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app';
GRANT ALL PRIVILEGES ON *.* TO 'app'@'%';
CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY 'monitor';
GRANT USAGE, REPLICATION CLIENT ON *.* TO 'monitor'@'%';
CREATE DATABASE IF NOT EXISTS ha;
CREATE TABLE IF NOT EXISTS ha.writes (
  run VARCHAR(40) NOT NULL,
  seq INT NOT NULL,
  via VARCHAR(64) NULL COMMENT 'the Junction node (its address) that forwarded the write',
  at DATETIME(6) NOT NULL DEFAULT NOW(6),
  PRIMARY KEY (run, seq)
) ENGINE=InnoDB;
SQL
    touch "$(DBD)/.ready"
}

db_pid() { live_pid "$(DBD)/mariadb.pid"; }

# ------------------------------------------------------------------ Junction nodes

copy_binary() {
    mkdir -p "$DIR/bin"
    local deadline=$((SECONDS + 300))
    # The binary may be being relinked: wait until a copy of it runs.
    while :; do
        if [ -x "$SRC_BIN" ] && cp "$SRC_BIN" "$BIN.tmp" 2>/dev/null && "$BIN.tmp" --version >/dev/null 2>&1; then
            mv -f "$BIN.tmp" "$BIN"
            break
        fi
        [ "$SECONDS" -lt "$deadline" ] || die "$SRC_BIN is missing or does not run (build it, or set JUNCTION_BIN)"
        log "waiting for $SRC_BIN"
        sleep 3
    done
    if "$BIN" health --help >/dev/null 2>&1; then HEALTH_MODE=junction; else HEALTH_MODE=standin; fi
    echo "$HEALTH_MODE" >"$DIR/health-mode"
    if [ "$HEALTH_MODE" = standin ]; then
        log "WARNING: this junction has no 'health' subcommand; keepalived uses a stand-in check (mariadb CLI)"
    fi
}

junction_cnf() {
    local p="$1" ip
    ip="$(node_ip "$p")"
    cat <<EOF
# Junction node $p of the HA lab (lab/ha.sh). The two nodes differ only in their addresses.
datadir="$(ndir "$p")/data"
# On SIGTERM: report unhealthy (junction health) but keep serving for 3 s, so keepalived moves the VIP first.
stop_grace_period_ms=3000
admin_variables = { admin_credentials="admin:admin;cluster1:secret" mysql_ifaces="127.0.0.1:6032;$ip:6032"
                    cluster_username="cluster1" cluster_password="secret" }
mysql_variables = { threads=2 interfaces="0.0.0.0:6033" monitor_username="monitor" monitor_password="monitor" }
mysql_servers = ( { address="$DB_IP", port=3306, hostgroup=10, max_connections=200 } )
mysql_users = ( { username="app", password="app", default_hostgroup=10 } )
proxysql_servers = ( { hostname="$(node_ip p1)", port=6032, comment="p1" }, { hostname="$(node_ip p2)", port=6032, comment="p2" } )
EOF
}

junction_pid() { live_pid "$(ndir "$1")/junction.pid"; }

junction_start() {
    local p="$1" d pid
    d="$(ndir "$p")"
    mkdir -p "$d/data"
    [ -f "$d/junction.cnf" ] || junction_cnf "$p" >"$d/junction.cnf"
    if [ -n "$(junction_pid "$p")" ]; then return 0; fi
    # setsid and ip exec: $! is Junction's own PID.
    setsid ip netns exec "$(ns_of "$p")" "$BIN" -f -c "$d/junction.cnf" --initial >>"$d/junction.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/junction.pid"
}

# Wait until node p answers on its client port (inside its namespace).
junction_wait() {
    local p="$1" deadline=$((SECONDS + 60)) ip
    ip="$(node_ip "$p")"
    until in_ns "$(ns_of "$p")" bash -c "exec 3<>/dev/tcp/$ip/6033" 2>/dev/null; do
        if [ -z "$(junction_pid "$p")" ]; then tail -n 20 "$(ndir "$p")/junction.log" >&2; die "Junction $p exited"; fi
        [ "$SECONDS" -lt "$deadline" ] || die "Junction $p does not accept clients after 60 s"
        sleep 0.2
    done
}

health_script() {
    local p="$1" d
    d="$(ndir "$p")"
    if [ "$(cat "$DIR/health-mode" 2>/dev/null)" = junction ]; then
        cat <<EOF
#!/bin/sh
# keepalived's check of Junction node $p (lab/ha.sh): exit 0 = this node may hold the VIP.
out="\$("$BIN" health -c "$d/junction.cnf" --timeout-ms 800 2>&1)"; rc=\$?
echo "\$(date +%s.%N) rc=\$rc \$out" >"$d/health.last"
echo "\$out"
exit \$rc
EOF
    else
        cat <<EOF
#!/bin/bash
# keepalived's check of Junction node $p (lab/ha.sh) -- STAND-IN: this junction binary has no
# 'health' subcommand, so the mariadb CLI does what it would (client port, an ONLINE writer reachable).
check() {
    if ! timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6033' 2>/dev/null; then
        echo "unhealthy: the client port 127.0.0.1:6033 does not accept connections"; return 1
    fi
    local writers h port
    writers="\$(timeout 2 "$CLIENT" --no-defaults -h127.0.0.1 -P6032 -uadmin -padmin -N -B --connect-timeout=1 \\
        -e "SELECT hostname, port FROM runtime_mysql_servers WHERE status = 'ONLINE' AND hostgroup_id = 10" 2>&1)" \\
        || { echo "unhealthy: the admin port does not answer (\$writers)"; return 1; }
    while read -r h port; do
        [ -n "\$h" ] || continue
        if timeout 1 bash -c "exec 3<>/dev/tcp/\$h/\$port" 2>/dev/null; then
            echo "healthy: clients accepted on 127.0.0.1:6033, writer \$h:\$port reachable"; return 0
        fi
    done <<<"\$writers"
    echo "unhealthy: no ONLINE writer reachable"; return 1
}
out="\$(check)"; rc=\$?
echo "\$(date +%s.%N) rc=\$rc \$out (WARNING: stand-in for junction health)" >"$d/health.last"
echo "\$out (WARNING: stand-in for junction health)"
exit \$rc
EOF
    fi
}

notify_script() {
    local p="$1" d
    d="$(ndir "$p")"
    cat <<EOF
#!/bin/sh
# keepalived notify for node $p (lab/ha.sh): \$1 GROUP|INSTANCE, \$2 name, \$3 state, \$4 priority
echo "\$(date +%s.%N) $p \$3 \$4" >>"$d/vrrp.log"
EOF
}

# ------------------------------------------------------------------ keepalived

keepalived_cnf() {
    local p="$1" ver="$2" d prio
    d="$(ndir "$p")"
    if [ "$ver" = v2 ]; then
        if [ "$p" = p1 ]; then prio=101; else prio=100; fi
        local state=BACKUP
        [ "$p" = p1 ] && state=MASTER
        cat <<EOF
# Junction HA lab, node $p: VRRPv2 set up the way ProxySQL tutorials do (lab/ha.sh --vrrp v2).
global_defs {
    router_id jha-$p
    script_user root
    enable_script_security
}
vrrp_script chk_junction {
    script "$d/health.sh"
    interval 2
    timeout 2
    fall 2
    rise 1
    weight -20
}
vrrp_instance junction_vip {
    state $state
    interface eth0
    virtual_router_id $VRID
    priority $prio
    advert_int 1
    virtual_ipaddress {
        $VIP/24 dev eth0
    }
    track_script {
        chk_junction
    }
    notify "$d/notify.sh"
}
EOF
    else
        # High priorities: a backup takes over (256 - priority) / 256 * advert_int after the master gives up.
        if [ "$p" = p1 ]; then prio=250; else prio=249; fi
        cat <<EOF
# Junction HA lab, node $p: the recommended settings (lab/ha.sh --vrrp v3); docs/HA.md explains them.
global_defs {
    router_id jha-$p
    script_user root
    enable_script_security
    vrrp_version 3
    # Real-time scheduling when keepalived falls behind: adverts every 0.2 s must not be late.
    max_auto_priority
}
vrrp_script chk_junction {
    script "$d/health.sh"
    interval 1
    timeout 2
    fall 1
    rise 2
}
vrrp_instance junction_vip {
    state BACKUP
    nopreempt
    interface eth0
    virtual_router_id $VRID
    priority $prio
    advert_int 0.2
    virtual_ipaddress {
        $VIP/24 dev eth0
    }
    track_script {
        chk_junction
    }
    notify "$d/notify.sh"
}
EOF
    fi
}

keepalived_pid() {
    local d
    d="$(ndir "$1")"
    live_pid "$d/keepalived.pid" | grep . || live_pid "$d/keepalived.launch"
}

keepalived_write() {
    local p="$1" ver="$2" d
    d="$(ndir "$p")"
    health_script "$p" >"$d/health.sh"
    notify_script "$p" >"$d/notify.sh"
    keepalived_cnf "$p" "$ver" >"$d/keepalived.conf"
    chmod 700 "$d/health.sh" "$d/notify.sh"
    chmod 600 "$d/keepalived.conf"
}

keepalived_start() {
    local p="$1" d
    d="$(ndir "$p")"
    [ -z "$(keepalived_pid "$p")" ] || return 0
    rm -f "$d/keepalived.pid" "$d/vrrp.pid" "$d/checkers.pid"
    echo "$(date +%s.%N) $p START -" >>"$d/vrrp.log"
    setsid ip netns exec "$(ns_of "$p")" "$KEEPALIVED" --dont-fork --log-console --log-detail --no-syslog --vrrp \
        -f "$d/keepalived.conf" -p "$d/keepalived.pid" -r "$d/vrrp.pid" -c "$d/checkers.pid" -i "$p" \
        >>"$d/keepalived.log" 2>&1 </dev/null &
    # keepalived writes its own pid files (it refuses to start if one names a live process).
    echo "$!" >"$d/keepalived.launch"
}

keepalived_stop() {
    local p="$1" d
    d="$(ndir "$p")"
    stop_pid "$(keepalived_pid "$p")" TERM 10
    stop_pid "$(live_pid "$d/vrrp.pid")" KILL 5
}

vrrp_version() { cat "$DIR/vrrp" 2>/dev/null || echo v3; }

has_vip() { in_ns "$(ns_of "$1")" ip -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }

vip_holder() {
    local p holders=()
    for p in "${NODES[@]}"; do has_vip "$p" && holders+=("$p"); done
    case ${#holders[@]} in 0) echo none ;; 1) echo "${holders[0]}" ;; *) echo both ;; esac
}

vrrp_state() { tail -n 1 "$(ndir "$1")/vrrp.log" 2>/dev/null | awk '{ print $3 }'; }

node_healthy() { in_ns "$(ns_of "$1")" "$(ndir "$1")/health.sh" >/dev/null 2>&1; }

# Wait until both nodes are healthy and exactly one holds the VIP (the preferred one when the
# settings preempt), stable over two checks.
wait_settled() {
    local deadline=$((SECONDS + ${1:-60})) stable=0 holder want
    while :; do
        holder="$(vip_holder)"
        want=any
        [ "$(vrrp_version)" = v2 ] && want=p1
        if [ "$holder" != none ] && [ "$holder" != both ] && { [ "$want" = any ] || [ "$holder" = "$want" ]; } \
            && [ "$(vrrp_state "$holder")" = MASTER ] && node_healthy p1 && node_healthy p2 \
            && [ "$(vrrp_state p1)" != FAULT ] && [ "$(vrrp_state p2)" != FAULT ]; then
            stable=$((stable + 1))
            [ "$stable" -ge 2 ] && return 0
        else
            stable=0
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            cmd_status >&2 || true
            die "the lab did not settle (VIP on: $holder)"
        fi
        sleep 0.5
    done
}

set_vrrp() {
    local ver="$1" p
    case "$ver" in v2|v3) ;; *) die "--vrrp takes v2 or v3, not '$ver'" ;; esac
    for p in "${NODES[@]}"; do keepalived_stop "$p"; done
    echo "$ver" >"$DIR/vrrp"
    for p in "${NODES[@]}"; do keepalived_write "$p" "$ver"; done
    for p in "${NODES[@]}"; do keepalived_start "$p"; done
}

# ------------------------------------------------------------------ commands

cleanup() {
    local ns pid p
    # Whatever still runs in the lab's namespaces is the lab's.
    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
        fi
    done
    for p in "${NODES[@]}"; do
        stop_pid "$(keepalived_pid "$p")" TERM 10
        stop_pid "$(live_pid "$(ndir "$p")/vrrp.pid")" KILL 5
        stop_pid "$(junction_pid "$p")" KILL 5
    done
    stop_pid "$(db_pid)" TERM 60
    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid" TERM 10; done
        fi
    done
    net_down
    rm -f "$DIR/.up"
}

cmd_down() {
    [ "$(id -u)" = 0 ] || die "run as root"
    cleanup
    if [ "${1:-}" = --purge ]; then rm -rf "$DIR"; echo "ha: down (deleted $DIR)"; else echo "ha: down (data kept in $DIR)"; fi
}

cmd_up() {
    local ver=v3
    while [ $# -gt 0 ]; do
        case "$1" in
            --vrrp) ver="${2:-}"; shift 2 ;;
            *) die "up: unknown option $1" ;;
        esac
    done
    case "$ver" in v2|v3) ;; *) die "--vrrp takes v2 or v3, not '$ver'" ;; esac
    need_tools
    cleanup
    local taken
    taken="$(ip -4 route show to match "$NET.0/24" | grep -v '^default' | head -n 1 || true)"
    [ -z "$taken" ] || die "$NET.0/24 is already routed on this machine ($taken); the lab needs it for itself"
    mkdir -p "$DIR"
    copy_binary
    net_up
    db_start
    local p
    for p in "${NODES[@]}"; do
        mkdir -p "$(ndir "$p")"
        rm -rf "$(ndir "$p")/data" "$(ndir "$p")/vrrp.log" "$(ndir "$p")/health.last"
        : >"$(ndir "$p")/junction.log"
        : >"$(ndir "$p")/keepalived.log"
        junction_cnf "$p" >"$(ndir "$p")/junction.cnf"
        junction_start "$p"
    done
    for p in "${NODES[@]}"; do junction_wait "$p"; done
    set_vrrp "$ver"
    wait_settled 60
    touch "$DIR/.up"
    cmd_status
}

cmd_status() {
    local p holder
    if ! ns_exists jha-p1; then echo "ha: the lab is down"; return 0; fi
    holder="$(vip_holder)"
    echo "VIP $VIP:6033 on: $holder   (VRRP settings: $(vrrp_version); health check: $(cat "$DIR/health-mode" 2>/dev/null || echo '?'))"
    printf '%-4s %-14s %-10s %-10s %-7s %-4s %s\n' NODE ADDRESS JUNCTION KEEPALIVED VRRP VIP HEALTH
    for p in "${NODES[@]}"; do
        local h vip=no
        h="$(in_ns "$(ns_of "$p")" "$(ndir "$p")/health.sh" 2>&1 || true)"
        has_vip "$p" && vip=yes
        printf '%-4s %-14s %-10s %-10s %-7s %-4s %s\n' "$p" "$(node_ip "$p")" "$(junction_pid "$p" | grep . || echo -)" \
            "$(keepalived_pid "$p" | grep . || echo -)" "$(vrrp_state "$p" | grep . || echo -)" "$vip" "$h"
    done
    echo "db   $DB_IP:3306 pid $(db_pid | grep . || echo -)   (app/app, schema ha; root over $(DBD)/mariadb.sock)"
    echo "logs: $DIR/{p1,p2}/{junction.log,keepalived.log,vrrp.log}; results of failover runs: $DIR/results.jsonl"
}

cmd_failover() {
    local ver="" mode=unplanned before=3 settle=3 interval=25
    while [ $# -gt 0 ]; do
        case "$1" in
            --vrrp) ver="${2:-}"; shift 2 ;;
            --planned) mode=planned; shift ;;
            --crash) mode=crash; shift ;;
            --before) before="$2"; shift 2 ;;
            --settle) settle="$2"; shift 2 ;;
            --interval-ms) interval="$2"; shift 2 ;;
            *) die "failover: unknown option $1" ;;
        esac
    done
    need_tools
    if [ ! -f "$DIR/.up" ] || ! ns_exists jha-p1; then die "the lab is not up (lab/ha.sh up)"; fi
    if [ -n "$ver" ] && [ "$ver" != "$(vrrp_version)" ]; then
        log "switching keepalived to the $ver settings"
        set_vrrp "$ver"
    fi
    ver="$(vrrp_version)"
    wait_settled 60
    local active pid crash_cmd=()
    active="$(vip_holder)"
    pid="$(junction_pid "$active")"
    [ -n "$pid" ] || die "no Junction runs on the active node $active"
    case "$mode" in
        unplanned) log "VRRP $ver: SIGKILL to Junction on $active (pid $pid)" ;;
        planned) log "VRRP $ver: SIGTERM to Junction on $active (pid $pid): planned switchover" ;;
        crash)
            local kpid vpid
            kpid="$(keepalived_pid "$active")"
            vpid="$(live_pid "$(ndir "$active")/vrrp.pid")"
            crash_cmd=(--crash-cmd "ip netns exec $(ns_of "$active") ip link set eth0 down; kill -KILL $pid $kpid $vpid")
            log "VRRP $ver: node $active vanishes (link down, keepalived and Junction killed)"
            ;;
    esac
    local out="$DIR/failover.json" sig=KILL
    [ "$mode" = planned ] && sig=TERM
    rm -f "$out"
    in_ns jha-client "$PY" "$REPO/lab/ha_writer.py" --vip "$VIP" --db-host "$DB_IP" --pid "$pid" --signal "$sig" \
        "${crash_cmd[@]}" --before "$before" --settle "$settle" --interval-ms "$interval" \
        --label "vrrp=$ver mode=$mode from=$active" --vrrp "$ver" --active-address "$(node_ip "$active")" \
        --notify-log "$(ndir p1)/vrrp.log" --notify-log "$(ndir p2)/vrrp.log" --json-out "$out" \
        || die "the write loop failed"
    # Put the node back.
    log "restoring $active"
    stop_pid "$pid" KILL 20
    if [ "$mode" = crash ]; then
        stop_pid "$(keepalived_pid "$active")" KILL 5
        in_ns "$(ns_of "$active")" ip addr del "$VIP/24" dev eth0 2>/dev/null || true
        in_ns "$(ns_of "$active")" ip link set eth0 up
    fi
    junction_start "$active"
    junction_wait "$active"
    keepalived_start "$active"
    wait_settled 60
    log "settled: VIP on $(vip_holder)"
    [ -s "$out" ] || die "no result"
    cat "$out" >>"$DIR/results.jsonl"
    cat "$out"
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

case "${1:-}" in
    up) shift; cmd_up "$@" ;;
    down) shift; cmd_down "$@" ;;
    status) need_tools; cmd_status ;;
    failover) shift; cmd_failover "$@" ;;
    -h|--help|help) usage 0 ;;
    *) usage ;;
esac
