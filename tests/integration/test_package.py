"""Junction's Debian package (scripts/build-deb.sh) and its systemd unit, as an operator meets them.

What a user would notice: `dpkg -i` installs the program, a commented /etc/junction/junction.cnf, the unit
(enabled, not started) and a `junction` system user owning /var/lib/junction; installing twice is harmless; an
upgrade keeps the config file they edited (also when the package's own default changed: the new one lands in
junction.cnf.dpkg-dist), their data and their enable/disable choice; `dpkg -r` keeps config, data and user;
`dpkg -P` removes them all. The unit passes `systemd-analyze verify`, and the packaged binary serves as the
junction user under the unit's restrictions (no capabilities, no new privileges, no writable+executable memory),
tells systemd READY=1 / STOPPING=1 through $NOTIFY_SOCKET, and merges the edited config file on SIGHUP
(`systemctl reload`).

Every install runs for real — dpkg, the maintainer scripts, adduser, deb-systemd-helper — in a throwaway root:
`unshare --mount` gives a private mount namespace where an overlay of / (its writes kept in the test's
temporary directory) is chrooted into. The machine's own dpkg database, users and /etc are never touched, and
each step costs the time of dpkg itself. Needs root and overlayfs (skipped otherwise). systemd is not PID 1 here,
so `systemctl` in the scripts has nothing to talk to; what it would run is exercised directly instead.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pymysql
import pytest

from conftest import HOST, REPO, _junction_bin, test_junction_logs, wait_until

BUILD_DEB = REPO / "scripts" / "build-deb.sh"
UNIT = "/lib/systemd/system/junction.service"
CNF = "/etc/junction/junction.cnf"
DATA = "/var/lib/junction"
WANTS_LINK = "/etc/systemd/system/multi-user.target.wants/junction.service"
ADMIN_PORT = 16732
CLIENT_PORT = 16733
# Inside the throwaway root the packages are bind-mounted here.
DEBS_IN_ROOT = "/mnt/junction-debs"
ARCH = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip() \
    if shutil.which("dpkg") else ""

pytestmark = [
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="not a Debian system (no dpkg-deb)"),
    pytest.mark.timeout(120),
]


def _sh(args, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(args, **kw)


# ---------------------------------------------------------------- the packages


class Debs:
    """The packages under test: `base` (the binary's version), `newer` (+test2, same files) and `newer_conf`
    (+test3, whose shipped junction.cnf differs from the base's, as when a release changes the default)."""

    def __init__(self, directory: Path, version: str):
        self.dir = directory
        self.version = version
        self.newer_version = f"{version}+test2"
        self.newer_conf_version = f"{version}+test3"
        self.base = directory / f"junction_{version}_{ARCH}.deb"
        self.newer = directory / f"junction_{self.newer_version}_{ARCH}.deb"
        self.newer_conf = directory / f"junction_{self.newer_conf_version}_{ARCH}.deb"
        self.new_default_line = "# a line only the +test3 package's default config has"

    def in_root(self, deb: Path) -> str:
        return f"{DEBS_IN_ROOT}/{deb.name}"


@pytest.fixture(scope="module")
def debs(tmp_path_factory) -> Debs:
    binary = _junction_bin()
    if not binary.exists():
        pytest.skip("no junction binary (scripts/build-release.sh)")
    version = _sh([str(binary), "--version"]).stdout.strip()
    out = tmp_path_factory.mktemp("debs")
    out.chmod(0o755)  # bind-mounted into the throwaway root, where the junction user reaches the notify socket
    env = dict(os.environ, JUNCTION_BIN=str(binary), JUNCTION_DEB_COMPRESSION="none")
    for extra in ({}, {"JUNCTION_DEB_VERSION": f"{version}+test2"}):
        r = _sh(["bash", str(BUILD_DEB), str(out)], env=dict(env, **extra))
        assert r.returncode == 0, r.stderr
    d = Debs(out, version)
    assert d.base.exists() and d.newer.exists(), sorted(p.name for p in out.iterdir())
    # +test3: the +test2 package, unpacked, with a changed default config file and version, and packed again.
    tree = tmp_path_factory.mktemp("deb-tree") / "junction"
    assert _sh(["dpkg-deb", "-R", str(d.newer), str(tree)]).returncode == 0
    with open(tree / "etc/junction/junction.cnf", "a") as f:
        f.write(d.new_default_line + "\n")
    control = tree / "DEBIAN/control"
    control.write_text(control.read_text().replace(f"Version: {d.newer_version}\n", f"Version: {d.newer_conf_version}\n"))
    r = _sh(["dpkg-deb", "--root-owner-group", "-Znone", "--build", str(tree), str(d.newer_conf)])
    assert r.returncode == 0, r.stderr
    return d


def test_build_without_binary_says_what_to_do(tmp_path: Path):
    r = _sh(["bash", str(BUILD_DEB), str(tmp_path)], env=dict(os.environ, JUNCTION_BIN=str(tmp_path / "nope")))
    assert r.returncode == 1
    assert "scripts/build-release.sh" in r.stderr
    assert list(tmp_path.iterdir()) == []


def _control_fields(deb: Path) -> dict[str, str]:
    text = _sh(["dpkg-deb", "--field", str(deb)]).stdout
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def test_package_metadata_and_files(debs: Debs):
    fields = _control_fields(debs.base)
    assert fields["Package"] == "junction"
    assert fields["Version"] == debs.version
    assert fields["Architecture"] == ARCH
    assert fields["Section"] == "net" and fields["Priority"] == "optional"
    assert fields["Maintainer"] == "Junction team <junction@localhost>"
    assert "adduser" in fields["Depends"]
    assert fields["Description"].startswith("MySQL proxy")

    info = _sh(["dpkg-deb", "--info", str(debs.base)]).stdout
    for script in ("postinst", "prerm", "postrm"):
        assert re.search(rf"\*\s+{script}\s+#!/bin/sh", info), info  # executable, POSIX sh
    assert _sh(["dpkg-deb", "--info", str(debs.base), "conffiles"]).stdout.split() == [CNF]

    entries = {}
    for line in _sh(["dpkg-deb", "--contents", str(debs.base)]).stdout.splitlines():
        mode, owner, _size, _date, _time, path = line.split(None, 5)
        entries[path.removeprefix(".").rstrip("/") or "/"] = (mode, owner)
    assert all(owner == "root/root" for _mode, owner in entries.values()), entries
    expected = {
        "/usr/bin/junction": "-rwxr-xr-x",
        CNF: "-rw-r-----",
        UNIT: "-rw-r--r--",
        DATA: "drwxr-x---",
        "/usr/share/doc/junction/copyright": "-rw-r--r--",
        "/usr/share/doc/junction/changelog.Debian.gz": "-rw-r--r--",
        "/usr/share/doc/junction/README": "-rw-r--r--",
    }
    for path, mode in expected.items():
        assert entries.get(path, ("missing",))[0] == mode, (path, entries.get(path))
    files = {p for p, (mode, _) in entries.items() if not mode.startswith("d")}
    assert files == set(expected) - {DATA}, files  # nothing else: no logrotate, no init script


def test_depends_cover_the_linked_libraries(debs: Debs, tmp_path: Path):
    """Every shared library the packaged binary loads belongs to a package named in Depends."""
    assert _sh(["dpkg-deb", "-x", str(debs.base), str(tmp_path)]).returncode == 0
    ldd = _sh(["ldd", str(tmp_path / "usr/bin/junction")]).stdout
    assert "not found" not in ldd, ldd
    depends = {d.split()[0] for d in _control_fields(debs.base)["Depends"].split(",")}
    for path in re.findall(r"=> (/\S+)", ldd):
        candidates = {path, os.path.realpath(path)}
        candidates |= {c.removeprefix("/usr") for c in set(candidates)} | {"/usr" + c for c in set(candidates)}
        owners = set()
        for c in candidates:
            r = _sh(["dpkg", "-S", c])
            for line in r.stdout.splitlines() if r.returncode == 0 else []:
                if ": " in line and not line.startswith("diversion"):  # "libc6:amd64: /path"
                    owners |= {o.strip().split(":")[0] for o in line.rsplit(": ", 1)[0].split(",")}
        assert owners & depends, f"{path} comes from {owners or 'no package'}, not in Depends: {sorted(depends)}"


def test_config_file_and_its_examples_load(tmp_path: Path, service_log: Path):
    """The packaged junction.cnf starts Junction as shipped, and with every commented example switched on (the
    lines where `#` is directly followed by code): servers, replication hostgroups, users, query rules, peers."""
    text = (REPO / "packaging" / "junction.cnf").read_text()
    assert 'datadir="/var/lib/junction"' in text and 'mysql_ifaces="127.0.0.1:6032"' in text
    assert 'interfaces="0.0.0.0:6033"' in text and 'admin_credentials="admin:admin"' in text
    uncommented = "".join(
        line[1:] if line.startswith("#") and not re.match(r"#( \S|$)", line.rstrip("\n")) else line
        for line in text.splitlines(keepends=True))
    expected = {"mysql_servers": 3, "mysql_replication_hostgroups": 1, "mysql_users": 1, "mysql_query_rules": 2,
                "proxysql_servers": 2}
    for name, config, counts in (("shipped", text, dict.fromkeys(expected, 0)), ("examples", uncommented, expected)):
        datadir = tmp_path / name
        datadir.mkdir()
        cnf = tmp_path / f"{name}.cnf"
        cnf.write_text(config.replace('datadir="/var/lib/junction"', f'datadir="{datadir}"')
                       .replace("127.0.0.1:6032", f"{HOST}:{ADMIN_PORT}").replace("0.0.0.0:6033", f"{HOST}:{CLIENT_PORT}"))
        with open(service_log, "ab") as log:
            proc = subprocess.Popen([str(_junction_bin()), "-f", "-c", str(cnf)], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: proc.poll() is None and _port_open(ADMIN_PORT) or proc.poll() is not None, 30,
                       what="the admin port")
            assert proc.poll() is None, service_log.read_text(errors="replace")
            conn = _admin()
            with conn.cursor() as cur:
                for table, n in counts.items():
                    cur.execute(f"SELECT COUNT(*) FROM {table}")
                    assert int(cur.fetchone()[0]) == n, (name, table)
            conn.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, service_log.read_text(errors="replace")


# ---------------------------------------------------------------- the throwaway root

_SETUP = r"""
set -e
M="$JT_MERGED"
mount -t overlay overlay -o "lowerdir=/,upperdir=$JT_UPPER,workdir=$JT_WORK" "$M"
mount --rbind /dev "$M/dev"
mount -t proc proc "$M/proc"
mount -t tmpfs tmpfs "$M/run"
mount -t tmpfs tmpfs "$M/tmp"
mkdir -p "$M$JT_DEBS_IN_ROOT"
mount --bind "$JT_DEBS" "$M$JT_DEBS_IN_ROOT"
if [ -n "$JT_SYSTEMD" ]; then mkdir -p "$M/run/systemd/system"; fi
exec chroot "$M" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive NOTIFY_SOCKET="$JT_NOTIFY_SOCKET" /bin/sh -c "$1"
"""


class ThrowawayRoot:
    """This machine's / seen through an overlay whose writes go to `upper`; every `run` mounts it afresh in a
    private mount namespace (fresh /run and /tmp, as after a reboot) and runs a shell script chrooted there."""

    def __init__(self, base: Path, debs_dir: Path):
        self.upper, self.work, self.merged = base / "upper", base / "work", base / "merged"
        for d in (self.upper, self.work, self.merged):
            d.mkdir(parents=True)
        self.setup = base / "setup.sh"
        self.setup.write_text(_SETUP)
        self.debs_dir = debs_dir

    def _command(self, script: str, systemd: bool, notify_socket: str) -> tuple[list[str], dict]:
        env = dict(os.environ, JT_MERGED=str(self.merged), JT_UPPER=str(self.upper), JT_WORK=str(self.work),
                   JT_DEBS=str(self.debs_dir), JT_DEBS_IN_ROOT=DEBS_IN_ROOT, JT_SYSTEMD="1" if systemd else "",
                   JT_NOTIFY_SOCKET=notify_socket)
        # --kill-child: whatever runs in the root dies with unshare, never outlives the test.
        return ["unshare", "--mount", "--propagation", "private", "--fork", "--kill-child", "sh", str(self.setup),
                script], env

    def run(self, script: str, check: bool = True, systemd: bool = False, timeout: float = 60) -> subprocess.CompletedProcess:
        """Runs `script`; `systemd` makes /run/systemd/system exist, as on a machine booted with systemd."""
        args, env = self._command(script, systemd, "")
        r = _sh(args, env=env, timeout=timeout)
        if check:
            assert r.returncode == 0, f"{script!r} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
        return r

    def popen(self, script: str, log: Path, notify_socket: str = "") -> subprocess.Popen:
        args, env = self._command(script, False, notify_socket)
        with open(log, "wb") as f:
            return subprocess.Popen(args, env=env, stdout=f, stderr=subprocess.STDOUT)

    def out(self, script: str) -> str:
        return self.run(script).stdout.strip()

    def exists(self, path: str) -> bool:
        return self.run(f"test -e {path} || test -L {path}", check=False).returncode == 0

    def stat(self, path: str) -> str:
        """`owner:group mode` of a path in the root."""
        return self.out(f"stat -c '%U:%G %a' {path}")

    def host_path(self, path: str) -> Path:
        """Where a file written inside the root lies on the machine (its overlay upper layer)."""
        return self.upper / path.lstrip("/")

    def close(self):
        shutil.rmtree(self.upper.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def overlay_supported(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("installing packages into a throwaway root needs root")
    if shutil.which("unshare") is None:
        pytest.skip("no unshare (util-linux)")
    probe = ThrowawayRoot(tmp_path_factory.mktemp("probe"), tmp_path_factory.mktemp("probe-debs"))
    try:
        r = probe.run("test -x /usr/bin/dpkg", check=False)
        if r.returncode != 0:
            pytest.skip(f"cannot mount an overlay of / in a private namespace here: {r.stderr.strip()}")
    finally:
        probe.close()


@pytest.fixture
def root(debs: Debs, overlay_supported, tmp_path: Path):
    r = ThrowawayRoot(tmp_path / "root", debs.dir)
    yield r
    r.close()


def _dpkg(root: ThrowawayRoot, args: str, systemd: bool = False) -> subprocess.CompletedProcess:
    # --force-confdef --force-confold: what `apt-get -o Dpkg::Options::=...` passes for unattended upgrades.
    return root.run(f"dpkg --force-confdef --force-confold {args}", systemd=systemd)


def _status(root: ThrowawayRoot) -> str:
    return root.run("dpkg-query -W -f='${Status} ${Version}' junction", check=False).stdout.strip()


def _assert_installed(root: ThrowawayRoot, version: str):
    assert _status(root) == f"install ok installed {version}"
    assert root.out("/usr/bin/junction --version") == version.split("+")[0]
    passwd = root.out("getent passwd junction").split(":")
    assert int(passwd[2]) < 1000, passwd  # a system account
    assert passwd[5] == DATA and passwd[6] in ("/usr/sbin/nologin", "/sbin/nologin"), passwd
    assert root.out("id -gn junction") == "junction"
    assert root.stat(DATA) == "junction:junction 750"
    assert root.stat(CNF) == "root:junction 640"
    assert root.out(f"readlink {WANTS_LINK}") == UNIT
    overrides = root.out("dpkg-statoverride --list").splitlines()
    assert "junction junction 750 /var/lib/junction" in overrides and "root junction 640 /etc/junction/junction.cnf" in overrides
    # Every file as packaged (md5sums); an edited conffile (marked c) is the operator's business.
    changed = [line for line in root.out("dpkg --verify junction").splitlines() if not re.match(r"^\S+ c ", line)]
    assert changed == [], changed


def test_install_and_reinstall(root: ThrowawayRoot, debs: Debs):
    r = _dpkg(root, f"-i {debs.in_root(debs.base)}")
    assert "systemctl start junction" in r.stdout  # the fresh install says how to start it
    _assert_installed(root, debs.version)
    uid = root.out("id -u junction")
    for path in ("/usr/share/doc/junction/README", "/usr/share/doc/junction/copyright"):
        assert root.exists(path)
    assert debs.version in root.out("zcat /usr/share/doc/junction/changelog.Debian.gz")

    _dpkg(root, f"-i {debs.in_root(debs.base)}")
    _assert_installed(root, debs.version)
    assert root.out("id -u junction") == uid
    assert len(root.out("getent passwd junction").splitlines()) == 1


def test_upgrade_keeps_edited_config_data_and_enable_choice(root: ThrowawayRoot, debs: Debs):
    _dpkg(root, f"-i {debs.in_root(debs.base)}")
    root.run(f"sed -i 's/admin_credentials=\"admin:admin\"/admin_credentials=\"admin:s3cret\"/' {CNF}"
             f" && echo '# edited by the operator' >> {CNF}"
             f" && echo saved > {DATA}/junction.db && chown junction:junction {DATA}/junction.db"
             " && systemctl disable junction.service")
    edited = root.out(f"cat {CNF}")
    assert 'admin_credentials="admin:s3cret"' in edited
    assert not root.exists(WANTS_LINK)

    # On a machine booted with systemd the scripts also call systemctl daemon-reload and try-restart.
    r = _dpkg(root, f"-i {debs.in_root(debs.newer)}", systemd=True)
    assert "systemctl start junction" not in r.stdout  # an upgrade, not a fresh install
    assert _status(root) == f"install ok installed {debs.newer_version}"
    assert root.out(f"cat {CNF}") == edited
    assert root.stat(CNF) == "root:junction 640"
    assert root.out(f"cat {DATA}/junction.db") == "saved"
    assert root.stat(DATA) == "junction:junction 750"
    assert not root.exists(WANTS_LINK), "the upgrade re-enabled a unit the admin had disabled"

    # A release whose default config changed: the operator's file stays, the new default is put beside it.
    root.run("systemctl enable junction.service")
    _dpkg(root, f"-i {debs.in_root(debs.newer_conf)}")
    assert _status(root) == f"install ok installed {debs.newer_conf_version}"
    assert root.out(f"cat {CNF}") == edited
    assert debs.new_default_line in root.out(f"cat {CNF}.dpkg-dist")
    assert root.out(f"readlink {WANTS_LINK}") == UNIT


def test_remove_keeps_config_and_data_purge_removes_everything(root: ThrowawayRoot, debs: Debs):
    _dpkg(root, f"-i {debs.in_root(debs.base)}")
    root.run(f"echo '# edited by the operator' >> {CNF} && echo saved > {DATA}/junction.db")
    edited = root.out(f"cat {CNF}")

    _dpkg(root, "-r junction", systemd=True)
    assert _status(root).startswith("deinstall ok config-files")
    for gone in ("/usr/bin/junction", UNIT):
        assert not root.exists(gone), gone
    assert root.out(f"cat {CNF}") == edited
    assert root.out(f"cat {DATA}/junction.db") == "saved"
    assert root.out("getent passwd junction")

    # Installing again picks up where it left off.
    _dpkg(root, f"-i {debs.in_root(debs.base)}")
    _assert_installed(root, debs.version)
    assert root.out(f"cat {CNF}") == edited
    assert root.out(f"cat {DATA}/junction.db") == "saved"

    _dpkg(root, "-P junction")
    assert root.run("dpkg -s junction", check=False).returncode != 0
    for gone in ("/usr/bin/junction", UNIT, "/etc/junction", DATA, WANTS_LINK):
        assert not root.exists(gone), gone
    assert root.run("getent passwd junction", check=False).returncode == 2
    assert root.run("getent group junction", check=False).returncode == 2
    assert "junction" not in root.out("dpkg-statoverride --list")


def test_unit_file_verifies(root: ThrowawayRoot, debs: Debs):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("no systemd-analyze (the systemd package; scripts/install-deps.sh installs it)")
    _dpkg(root, f"-i {debs.in_root(debs.base)}")
    # The installed unit, with the installed /usr/bin/junction and the junction user.
    r = root.run(f"systemd-analyze verify {UNIT}", check=False)
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", r
    security = root.run(f"systemd-analyze security --offline=yes {UNIT}", check=False)
    m = re.search(r"Overall exposure level for junction.service: ([0-9.]+)", security.stdout + security.stderr)
    assert m and float(m.group(1)) <= 2.0, security.stdout[-2000:]

    unit = (REPO / "packaging" / "junction.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines() if re.match(r"^[A-Z]\w*=", line))
    assert settings["Type"] == "notify" and settings["NotifyAccess"] == "main"
    assert settings["ExecStart"] == "/usr/bin/junction -f -c /etc/junction/junction.cnf"
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert settings["User"] == "junction" and settings["Group"] == "junction"
    assert settings["CapabilityBoundingSet"] == "" and settings["MemoryDenyWriteExecute"] == "yes"


# ---------------------------------------------------------------- the packaged binary, as the unit runs it

# The unit's process, approximated without systemd: the junction user and group, no capabilities (bounding
# set emptied), no new privileges, umask 0027, /var/lib/junction as working directory, and memory that is never
# both writable and executable (PR_SET_MDWE, the kernel's form of MemoryDenyWriteExecute=yes; it survives exec).
_MDWE_EXEC = (
    "import ctypes, os, sys; libc = ctypes.CDLL(None, use_errno=True); "
    "sys.exit('PR_SET_MDWE failed') if libc.prctl(65, 1, 0, 0, 0) != 0 else os.execv(sys.argv[1], sys.argv[1:])"
)


class Service:
    """The installed Junction, started in the throwaway root as junction.service would start it."""

    def __init__(self, root: ThrowawayRoot, log: Path, notify_socket: str = ""):
        self.pid_file = root.debs_dir / f"junction-{os.getpid()}-{time.monotonic_ns()}.pid"
        script = (
            f"cd {DATA} && umask 027 && echo $$ > {DEBS_IN_ROOT}/{self.pid_file.name} && "
            f"exec {sys.executable} -c \"{_MDWE_EXEC}\" /usr/bin/setpriv --reuid=junction --regid=junction "
            "--init-groups --no-new-privs --bounding-set=-all --inh-caps=-all "
            f"/usr/bin/junction -f -c {CNF}"
        )
        self.log = log
        self.proc = root.popen(script, log, notify_socket)
        try:
            self.pid = int(wait_until(lambda: self.pid_file.exists() and self.pid_file.read_text().strip(), 10,
                                      what="the service's pid"))
        except BaseException:
            self.proc.kill()
            self.proc.wait(10)
            raise

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait_listening(self):
        def up():
            assert self.running(), f"junction exited:\n{self.log.read_text(errors='replace')}"
            return _port_open(ADMIN_PORT) and _port_open(CLIENT_PORT)
        wait_until(up, 30, what="both ports listening")

    def stop(self, timeout: float = 30) -> int:
        if self.running():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
        return self.proc.returncode

    def status(self) -> str:
        return Path(f"/proc/{self.pid}/status").read_text()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _use_test_ports(root: ThrowawayRoot):
    # Edited in place, as an operator would: the file keeps root:junction 0640.
    root.run(f"sed -i -e 's/127.0.0.1:6032/{HOST}:{ADMIN_PORT}/' -e 's/0.0.0.0:6033/{HOST}:{CLIENT_PORT}/' {CNF}")
    assert root.stat(CNF) == "root:junction 640"


def _admin(password: str = "admin"):
    return pymysql.connect(host=HOST, port=ADMIN_PORT, user="admin", password=password, connect_timeout=5,
                           read_timeout=30, autocommit=True)


@pytest.fixture
def installed(root: ThrowawayRoot, debs: Debs):
    _dpkg(root, f"-i {debs.in_root(debs.base)}")
    _use_test_ports(root)
    return root


@pytest.fixture
def service_log(tmp_path: Path):
    log = tmp_path / "junction.log"
    test_junction_logs.append(log)
    return log


def test_serves_as_the_junction_user_under_the_units_restrictions(installed: ThrowawayRoot, service_log: Path):
    service = Service(installed, service_log)
    try:
        service.wait_listening()
        status = service.status()
        uid = installed.out("id -u junction")
        assert re.search(rf"^Uid:\s+{uid}\s+{uid}\s+{uid}\s+{uid}$", status, re.M), status
        assert re.search(r"^CapBnd:\s+0+$", status, re.M) and re.search(r"^NoNewPrivs:\s+1$", status, re.M)

        conn = _admin()
        with conn.cursor() as cur:
            cur.execute("SELECT variable_value FROM global_variables WHERE variable_name = 'admin-mysql_ifaces'")
            assert cur.fetchone()[0] == f"{HOST}:{ADMIN_PORT}"
        conn.close()
        # The client port answers too: no user is configured yet, so a login is refused, as it should be.
        with pytest.raises(pymysql.err.OperationalError) as refused:
            pymysql.connect(host=HOST, port=CLIENT_PORT, user="app", password="app", connect_timeout=5)
        assert refused.value.args[0] == 1045, refused.value
    finally:
        rc = service.stop()
    assert rc == 0, service_log.read_text(errors="replace")
    # The first start saved the file's configuration as the junction user, unreadable to others (umask 0027).
    db = installed.host_path(f"{DATA}/junction.db")
    assert db.exists(), sorted(p.name for p in db.parent.iterdir()) if db.parent.exists() else "no data dir"
    st = db.stat()
    assert (st.st_uid, st.st_mode & 0o777) == (int(uid), 0o640)


def _notify_socket(tmp_dir: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_dir / "notify.sock"))
    os.chmod(tmp_dir / "notify.sock", 0o666)  # the junction user sends to it, as to systemd's
    sock.settimeout(0.5)
    return sock


def _notifications(sock: socket.socket, until: str, timeout: float, service: Service) -> list[str]:
    """Messages received until one contains `until` (each message is newline-separated KEY=VALUE lines)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(sock.recv(4096).decode())
        except socket.timeout:
            continue
        if until in seen[-1].split("\n"):
            return seen
    raise AssertionError(f"no {until} within {timeout}s (got {seen!r}; junction "
                         f"{'runs' if service.running() else 'exited'}):\n{service.log.read_text(errors='replace')[-3000:]}")


def test_tells_systemd_ready_and_stopping(installed: ThrowawayRoot, debs: Debs, service_log: Path):
    """Type=notify: READY=1 once both ports listen (so `systemctl start` returns when Junction serves), and
    STOPPING=1 as soon as a stop begins."""
    sock = _notify_socket(debs.dir)
    try:
        service = Service(installed, service_log, notify_socket=f"{DEBS_IN_ROOT}/notify.sock")
        try:
            _notifications(sock, "READY=1", 15, service)
            assert _port_open(ADMIN_PORT) and _port_open(CLIENT_PORT), "READY=1 came before both ports listened"
            os.kill(service.pid, signal.SIGTERM)
            _notifications(sock, "STOPPING=1", 10, service)
        finally:
            rc = service.stop()
        assert rc == 0, service_log.read_text(errors="replace")
    finally:
        sock.close()
        (debs.dir / "notify.sock").unlink(missing_ok=True)


def test_reload_merges_the_edited_config_file(installed: ThrowawayRoot, service_log: Path):
    """`systemctl reload junction` (SIGHUP): the servers and users added to the file since the first start are
    merged and loaded to runtime, without a restart."""
    service = Service(installed, service_log)
    try:
        service.wait_listening()
        installed.run(
            f"cat >> {CNF} <<'EOF'\n"
            'mysql_servers = ( { address="127.0.0.1", port=13306, hostgroup=10, comment="added later" } )\n'
            'mysql_users = ( { username="reloaded", password="pw", default_hostgroup=10 } )\n'
            "EOF"
        )
        os.kill(service.pid, signal.SIGHUP)

        def loaded():
            assert service.running(), f"junction exited on SIGHUP:\n{service_log.read_text(errors='replace')}"
            conn = _admin()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT comment FROM runtime_mysql_servers WHERE port = 13306")
                    servers = [r[0] for r in cur.fetchall()]
                    cur.execute("SELECT username FROM runtime_mysql_users")
                    users = {r[0] for r in cur.fetchall()}
            finally:
                conn.close()
            return servers == ["added later"] and "reloaded" in users
        wait_until(loaded, 15, interval=0.2, what="the edited file loaded to runtime")
        assert service.running()
    finally:
        rc = service.stop()
    assert rc == 0, service_log.read_text(errors="replace")
