#!/usr/bin/env bash
# Installs what Junction's tests and lab need on Debian 12, skipping whatever is
# already there (so it returns in a second on a prepared machine).
#   Debian: mariadb-server, mariadb-client, sysbench, haproxy and linux-perf (for bench/), libsqlite3-dev,
#           procps, python3-pip
#   PyPI:   pytest, pytest-timeout, PyMySQL, mysql-connector-python
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

wanted=(mariadb-server mariadb-client sysbench haproxy linux-perf libsqlite3-dev procps ca-certificates)
missing=()
for p in "${wanted[@]}"; do
    installed "$p" || missing+=("$p")
done
# pip for the python3 that will run the tests (a python from elsewhere may bring its own).
if ! "$PY" -m pip --version >/dev/null 2>&1; then
    installed python3-pip || missing+=(python3-pip)
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Debian package may start a system-wide server on 3306; the lab does not use it.
# Likewise haproxy's own service (its default config listens nowhere): bench/ starts its own.

if ! "$PY" - <<'EOF' 2>/dev/null
import pytest, pytest_timeout, pymysql, mysql.connector
EOF
then
    echo "install-deps: installing Python packages"
    pip_args=(install --quiet pytest pytest-timeout PyMySQL mysql-connector-python)
    # Debian's own python3 refuses pip installs unless told (PEP 668).
    marker="$("$PY" -c 'import sysconfig, os; print(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED"))')"
    if [ -f "$marker" ]; then pip_args+=(--break-system-packages); fi
    if [ "$(id -u)" != 0 ] && [ -z "${VIRTUAL_ENV:-}" ]; then pip_args+=(--user); fi
    "$PY" -m pip "${pip_args[@]}"
fi

echo "install-deps: ok"
