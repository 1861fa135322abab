"""The `junction` command line: start-up errors, version/help, and clean shutdown."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import DIRECT, HOST, LAB_PORT, _junction_bin, wait_until

pytestmark = pytest.mark.skipif(DIRECT, reason="about the junction binary itself")

STARTUP_PORT = 16133


def _run(args, timeout=20):
    return subprocess.run([str(_junction_bin()), *args], capture_output=True, text=True, timeout=timeout)


def test_version_and_help():
    version = _run(["--version"])
    assert version.returncode == 0 and version.stdout.strip()[0].isdigit()
    help_ = _run(["--help"])
    assert help_.returncode == 0
    for flag in ("--config", "--datadir", "--foreground", "--initial", "--reload"):
        assert flag in help_.stdout


def test_config_error_names_file_line_and_key(tmp_path: Path):
    cfg = tmp_path / "broken.cnf"
    cfg.write_text(
        'datadir="%s"\n'
        "mysql_servers = (\n"
        '    { address="127.0.0.1", port=3306, hostgroup=0 },\n'
        '    { address="127.0.0.1", port="3307", hostgroup=0 }\n'
        ")\n" % tmp_path
    )
    result = _run(["-f", "-c", str(cfg)])
    assert result.returncode != 0
    assert "broken.cnf:4" in result.stderr and "mysql_servers[1].port" in result.stderr, result.stderr


def test_syntax_error_and_bad_variable_are_reported(tmp_path: Path):
    cfg = tmp_path / "syntax.cnf"
    cfg.write_text('datadir="%s"\nmysql_variables = { threads 4 }\n' % tmp_path)
    result = _run(["-f", "-c", str(cfg)])
    assert result.returncode != 0 and "syntax.cnf:2" in result.stderr, result.stderr
    cfg.write_text('datadir="%s"\nmysql_variables = { max_connections="lots" }\n' % tmp_path)
    result = _run(["-f", "-c", str(cfg)])
    assert result.returncode != 0 and "max_connections" in result.stderr, result.stderr


def test_missing_config_file_is_a_clear_error(tmp_path: Path):
    result = _run(["-f", "-c", str(tmp_path / "nope.cnf")])
    assert result.returncode != 0 and "nope.cnf" in result.stderr and "not found" in result.stderr


def test_sigterm_stops_cleanly_and_removes_the_pid_file(tmp_path: Path, lab):
    cfg = tmp_path / "ok.cnf"
    cfg.write_text(
        'datadir="%s"\n'
        'mysql_variables = { interfaces="%s:%d" }\n'
        'mysql_servers = ( { address="%s", port=%d, hostgroup=0 } )\n'
        'mysql_users = ( { username="app", password="app", default_hostgroup=0 } )\n'
        % (tmp_path / "data", HOST, STARTUP_PORT, HOST, LAB_PORT)
    )
    proc = subprocess.Popen([str(_junction_bin()), "-f", "-c", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def listening():
            with socket.socket() as s:
                return s.connect_ex((HOST, STARTUP_PORT)) == 0
        wait_until(listening, timeout=20, what="junction listening")
        pid_file = tmp_path / "data" / "junction.pid"
        assert pid_file.read_text().strip() == str(proc.pid)
        out = subprocess.run(["mariadb", "-h", HOST, "-P", str(STARTUP_PORT), "-uapp", "-papp", "-N", "-e", "SELECT 40+2"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "42", out.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert not pid_file.exists()
        assert not listening()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_port_in_use_is_a_clear_error(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        cfg = tmp_path / "busy.cnf"
        cfg.write_text('datadir="%s"\nmysql_variables = { interfaces="%s:%d" }\n' % (tmp_path, HOST, port))
        result = _run(["-f", "-c", str(cfg)])
        assert result.returncode != 0
        assert "cannot listen" in result.stderr or "in use" in result.stderr.lower(), result.stderr
