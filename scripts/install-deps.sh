#!/usr/bin/env bash
# Installs what Junction's tests and lab need on Debian 12, skipping whatever is
# already there (so it returns in a second on a prepared machine).
#   Debian: mariadb-server, mariadb-client, sysbench, haproxy and linux-perf (for bench/), keepalived (for
#           lab/ha.sh), libsqlite3-dev,
#           procps, python3-pip; adduser and systemd (systemd-analyze) for the package tests (test_package.py);
#           tmux, in which test_dolphie.py drives dolphie's TUI; chromium, which loads the dashboard
#           (test_http_endpoints.py);
#           iproute2 (ip netns) for lab/ha.sh;
#           gcc and libmariadb-dev (MariaDB Connector/C, which the `mariadb` Python
#           driver is compiled against), and python3-dev when the python3 that runs the tests has no headers
#   PyPI:   pytest, pytest-timeout, PyMySQL, mysql-connector-python, mariadb (MariaDB Connector/Python),
#           SQLAlchemy, dolphie 6.18.0 (the monitoring TUI test_dolphie.py points at the admin port),
#           prometheus_client (parses /metrics) and requests (the REST API)
# Run as root (or with sudo available).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-deps: run as root (or install sudo)" >&2; exit 1
    fi
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || { echo "install-deps: $PY not found" >&2; exit 1; }

wanted=(mariadb-server mariadb-client sysbench haproxy linux-perf keepalived libsqlite3-dev procps ca-certificates
        gcc libc6-dev libmariadb-dev adduser systemd tmux iproute2 chromium fonts-dejavu-core)
missing=()
for p in "${wanted[@]}"; do
    installed "$p" || missing+=("$p")
done
# pip for the python3 that will run the tests (a python from elsewhere may bring its own).
if ! "$PY" -m pip --version >/dev/null 2>&1; then
    installed python3-pip || missing+=(python3-pip)
fi

# `pip install mariadb` compiles a C extension: it needs Python.h of the python3 that will run the tests.
# A python built from source (pyenv) has its own; Debian's python3 has them in python3-dev.
if ! "$PY" -c 'import os, sys, sysconfig; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)'; then
    installed python3-dev || missing+=(python3-dev)
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Debian package may start a system-wide server on 3306; the lab does not use it.
# Likewise haproxy's own service (its default config listens nowhere): bench/ starts its own, and keepalived's
# (it has no /etc/keepalived/keepalived.conf): lab/ha.sh runs its own in network namespaces.

if ! "$PY" - <<'EOF' 2>/dev/null
import pytest, pytest_timeout, pymysql, mysql.connector, mariadb, sqlalchemy, prometheus_client, requests
from importlib.metadata import version
assert version("dolphie") == "6.18.0"
EOF
then
    echo "install-deps: installing Python packages"
    # mariadb 1.1 builds against Debian 12's MariaDB Connector/C (3.3); SQLAlchemy's ORM drives PyMySQL in the tests.
    pip_args=(install --quiet pytest pytest-timeout PyMySQL mysql-connector-python "mariadb>=1.1,<1.2" "SQLAlchemy>=2,<3"
              "dolphie==6.18.0" prometheus_client requests)
    # Debian's own python3 refuses pip installs unless told (PEP 668).
    marker="$("$PY" -c 'import sysconfig, os; print(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED"))')"
    if [ -f "$marker" ]; then pip_args+=(--break-system-packages); fi
    if [ "$(id -u)" != 0 ] && [ -z "${VIRTUAL_ENV:-}" ]; then pip_args+=(--user); fi
    "$PY" -m pip "${pip_args[@]}"
fi

echo "install-deps: ok"
