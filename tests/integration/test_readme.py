"""The README's quickstart walkthrough, run as a new user would run it: every command it shows works, in order,
on what `scripts/quickstart.sh` starts, and prints what the README says it prints.

Junction is started exactly as the quickstart starts it: the config file is the quickstart's own
(`scripts/quickstart.sh --write-config DIR`) and the flags are its `--foreground --reload`. Only the ports differ:
the test's Junction listens on 18033 (clients) and 18032 (admin), so it runs next to a quickstart on 6033/6032,
and the README's `6033`/`6032` (and the lab's 13306-13308, when JUNCTION_LAB_PORT moves the lab) are rewritten
to those ports in each block before it runs. Nothing else in a block is changed.

Which blocks run, and how, is marked in README.md with an HTML comment on the line before the fenced block:

  <!-- readme-test: quickstart -->  a ```sh block that must be exactly `scripts/quickstart.sh`: what this test
                                    stands in for (it does not install, build or start the lab itself).
  <!-- readme-test: client -->      on a ```sh block: the one `mariadb ...` command that opens a session on the
  <!-- readme-test: admin -->       client (6033) or admin (6032) port. On a ```sql block: SQL typed into the
                                    session the last `sh` block of the same kind opened (which must come first
                                    in the README; `admin` SQL before any admin `sh` block uses
                                    `mariadb -h127.0.0.1 -P6032 -uadmin -padmin`). The test runs that command, as
                                    written, with the SQL on its standard input: the client's batch mode stops at
                                    the first error, so the block must run to its end with exit 0 and no ERROR.
  <!-- readme-test: shell -->       a ```sh block run by bash as written (`set -e`); its `# ...` lines are the
                                    output the README promises, checked by this test.

Every fenced block of the walkthrough's sections (WALKTHROUGH below) must carry a marker, so an example added
there is run too. The checks of what a block prints (CHECKS) are keyed by a piece of the block's text; a check
whose block is gone from the README fails, so that the test and the README change together.

The walkthrough's table `sbtest.t` is dropped on the lab's primary before and after the run.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from admin_helpers import Admin, _port_open, own_junction
from conftest import DIRECT, LAB_PORT, REPO, direct_primary_conn

pytestmark = [pytest.mark.skipif(DIRECT, reason="runs the README against Junction"), pytest.mark.proxy_only]

README = REPO / "README.md"
QUICKSTART = REPO / "scripts" / "quickstart.sh"
ADMIN_PORT = 18032
PROXY_PORT = 18033
WALKTHROUGH = ("Try it in five minutes", "Configure it live: the admin interface", "Split reads and writes",
               "Debug a rule: EXPLAIN ROUTING")
KINDS = ("quickstart", "client", "admin", "shell")
DEFAULT_ADMIN_COMMAND = "mariadb -h127.0.0.1 -P6032 -uadmin -padmin"
# The README's ports -> this test's.
PORTS = {6033: PROXY_PORT, 6032: ADMIN_PORT, 13306: LAB_PORT, 13307: LAB_PORT + 1, 13308: LAB_PORT + 2}


@dataclass
class Block:
    section: str
    lang: str
    text: str
    kind: str | None  # the readme-test marker, if any
    line: int  # of the opening fence, 1-based

    def where(self) -> str:
        return f"README.md:{self.line} ({self.section!r}, {self.kind or 'unmarked'} {self.lang} block)"


def readme_blocks() -> list[Block]:
    """Every fenced block of README.md with its section (the last `#`/`##`/`###` heading) and marker."""
    blocks: list[Block] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    section, marker, i = "", None, 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^```(\w*)\s*$", line)
        if marker is not None and not fence:
            raise AssertionError(f"README.md:{i + 1}: a readme-test marker must be right before a fenced block")
        if m := re.match(r"^<!-- readme-test: (\S+) -->$", line.strip()):
            marker = m.group(1)
        elif fence:
            start, body = i, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            blocks.append(Block(section, fence.group(1), "\n".join(body) + "\n", marker, start + 1))
            marker = None
        elif m := re.match(r"^#{1,6} (.*)$", line):
            section = m.group(1).strip()
        i += 1
    return blocks


def localize(text: str) -> str:
    """The README's ports replaced by the test's."""
    return re.sub(r"(?<!\d)(6033|6032|13306|13307|13308)(?!\d)", lambda m: str(PORTS[int(m.group(1))]), text)


def marked_blocks() -> list[Block]:
    return [b for b in readme_blocks() if b.kind]


# ---------------------------------------------------------------- the checks of what blocks print


def tsv(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines()]


def after_header(output: str, header: str) -> list[str]:
    """The row under `header` in the client's batch output (tab-separated, column names first)."""
    rows = tsv(output)
    names = header.split("\t")
    for k, row in enumerate(rows[:-1]):
        if row == names:
            return rows[k + 1]
    raise AssertionError(f"no result with columns {names} in:\n{output}")


def check_first_session(output: str, junction) -> None:
    server_id, version = after_header(output, "@@server_id\t@@version")
    assert server_id == "1", f"the first select was answered by server_id {server_id}, not the primary (1)"
    assert "MariaDB" in version, version
    assert after_header(output, "id\tv") == ["1", "héllo 😀"], "the row did not round-trip"
    (now,) = after_header(output, "now()")
    shown = datetime.datetime.strptime(now, "%Y-%m-%d %H:%M:%S")
    expected = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5))).replace(tzinfo=None)
    assert abs((shown - expected).total_seconds()) < 120, f"now() = {now}, expected about {expected} (UTC+5)"
    # And it was written on the primary, through Junction.
    c = direct_primary_conn(database="sbtest", charset="utf8mb4")
    try:
        with c.cursor() as cur:
            cur.execute("SELECT id, v FROM t")
            assert cur.fetchall() == ((1, "héllo 😀"),)
    finally:
        c.close()


def check_admin_tour(output: str, junction) -> None:
    block = next(b for b in marked_blocks() if "show databases;" in b.text)
    promised = re.search(r"show databases;\s*--\s*(.*)", block.text).group(1)
    names = [n.strip() for n in promised.split(",")]
    shown = [row[1] for row in tsv(output)[1:1 + len(names)]]
    assert shown == names, f"show databases printed {shown}, the README promises {names}"
    assert after_header(output, "hostgroup_id\thostname\tport\tstatus") == ["10", "127.0.0.1", str(LAB_PORT), "ONLINE"]
    with Admin(ADMIN_PORT) as a:
        assert a.rows("SELECT hostgroup_id, port, status FROM runtime_mysql_servers ORDER BY port") == [
            ("10", str(LAB_PORT), "ONLINE"), ("20", str(LAB_PORT + 1), "ONLINE"), ("20", str(LAB_PORT + 2), "ONLINE")]
        assert a.variable("mysql-max_connections", "runtime") == "4000"
        assert a.variable("mysql-max_connections", "disk") == "4000", "save mysql variables to disk saved nothing"


def check_split_rules(output: str, junction) -> None:
    rows = tsv(output)
    assert rows[0] == ["hostgroup_id", "hostname", "port", "comment"], output
    assert [r[:3] for r in rows[1:]] == [["10", "127.0.0.1", str(LAB_PORT)], ["20", "127.0.0.1", str(LAB_PORT + 1)],
                                         ["20", "127.0.0.1", str(LAB_PORT + 2)]], \
        "the quickstart's servers are not the ones the README says it made"
    with Admin(ADMIN_PORT) as a:
        assert a.column("SELECT rule_id FROM runtime_mysql_query_rules ORDER BY rule_id") == ["1", "2", "3"]
        assert a.column("SELECT rule_id FROM disk.mysql_query_rules ORDER BY rule_id") == ["1", "2", "3"]


def check_split_reads(output: str, junction, command: str) -> None:
    ids = output.split()
    assert len(ids) == 3 and ids[0] in ("2", "3") and ids[1] in ("2", "3") and ids[2] == "1", \
        f"the README promises 2 or 3, 2 or 3, then 1; got {ids}"
    # "each read goes to one of the replicas": over a few more runs, both replicas answer and only they do.
    seen = set(ids[:2])
    for _ in range(15):
        r = subprocess.run(["bash", "-ec", command], capture_output=True, text=True, encoding="utf-8", timeout=30)
        assert r.returncode == 0, r.stderr
        more = r.stdout.split()
        assert more[2] == "1", f"a FOR UPDATE read left the primary: {more}"
        seen.update(more[:2])
    assert seen == {"2", "3"}, f"reads landed on server_ids {sorted(seen)}, expected both replicas (2 and 3)"


def check_explain_routing(output: str, junction) -> None:
    items = {row[0]: row[1] for row in tsv(output)[1:] if len(row) == 2}
    # "which rules were examined and why each matched or not, the flags, the final hostgroup, the digest and digest
    # text, and whether the query would be rewritten (to what), cached or mirrored"
    for item in ("final_flag", "destination_hostgroup", "digest", "digest_text", "rewritten_query", "cache", "mirror"):
        assert item in items, f"EXPLAIN ROUTING printed no {item!r}:\n{output}"
    assert any(k.startswith("rule 1") and "matched" in v for k, v in items.items()), output
    assert items["destination_hostgroup"].startswith("10"), items["destination_hostgroup"]
    assert items["digest_text"] == "select * from orders where id = ? for update", items["digest_text"]


# A piece of a marked block's text -> what to check after it ran (output, the Junction[, the command run]).
CHECKS = {
    "insert into t values (1, 'héllo 😀')": check_first_session,
    "save mysql variables to disk;": check_admin_tour,
    "insert into mysql_query_rules": check_split_rules,
    "select @@server_id for update": check_split_reads,
    "EXPLAIN ROUTING": check_explain_routing,
}


# ---------------------------------------------------------------- the tests


def test_the_walkthrough_blocks_are_all_marked():
    blocks = readme_blocks()
    for b in blocks:
        assert b.kind in (None, *KINDS), f"{b.where()}: unknown readme-test kind {b.kind!r} (one of {KINDS})"
        if b.section in WALKTHROUGH:
            assert b.kind, f"{b.where()}: a block of the quickstart walkthrough without a readme-test marker"
        if b.kind:
            want = ("sh",) if b.kind in ("quickstart", "shell") else ("sh", "sql")
            assert b.lang in want, f"{b.where()}: a {b.kind} marker on a {b.lang or 'plain'} block"
    sections = {b.section for b in blocks}
    assert set(WALKTHROUGH) <= sections, f"walkthrough sections missing from README: {set(WALKTHROUGH) - sections}"
    quickstart = [b for b in blocks if b.kind == "quickstart"]
    assert [b.text.strip() for b in quickstart] == ["scripts/quickstart.sh"]


@pytest.fixture
def sbtest_t(lab):
    def drop():
        c = direct_primary_conn(database="sbtest")
        try:
            with c.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS t")
        finally:
            c.close()

    drop()
    yield
    drop()


@pytest.fixture
def quickstart_junction(tmp_path, lab, sbtest_t):
    """Junction on the quickstart's config and flags, on this test's ports."""
    for port in (ADMIN_PORT, PROXY_PORT):
        if _port_open(port):
            pytest.skip(f"port {port} is taken (another Junction?): the README's walkthrough runs on 18032/18033")
    env = dict(os.environ, JUNCTION_PORT=str(PROXY_PORT), JUNCTION_ADMIN_PORT=str(ADMIN_PORT),
               JUNCTION_LAB_PORT=str(LAB_PORT))
    r = subprocess.run(["bash", str(QUICKSTART), "--write-config", str(tmp_path)], env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, f"scripts/quickstart.sh --write-config failed:\n{r.stderr}"
    assert Path(r.stdout.strip()) == tmp_path / "junction.cnf", r.stdout
    for j in own_junction(tmp_path, ADMIN_PORT, PROXY_PORT):
        yield j.start("--reload")


def run(command: str, stdin: str | None, block: Block) -> str:
    r = subprocess.run(["bash", "-ec", command], input=stdin, capture_output=True, text=True, encoding="utf-8",
                       timeout=60, cwd=REPO)
    shown = f"{block.where()} failed\n$ {command}\n{stdin or ''}\n--- exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert r.returncode == 0, shown
    assert "ERROR" not in r.stderr and "ERROR" not in r.stdout, shown
    return r.stdout


def test_every_walkthrough_command_works_in_order(quickstart_junction):
    assert shutil.which("mariadb"), "the README's commands need the mariadb client"
    sessions = {"admin": localize(DEFAULT_ADMIN_COMMAND)}
    checked = set()
    for block in marked_blocks():
        text = localize(block.text)
        command = None
        if block.kind == "quickstart":
            continue  # what the fixture stands in for
        if block.kind in ("client", "admin") and block.lang == "sh":
            commands = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
            assert len(commands) == 1 and shlex.split(commands[0])[0] == "mariadb", \
                f"{block.where()}: expected one mariadb command, got {commands}"
            port = PROXY_PORT if block.kind == "client" else ADMIN_PORT
            assert f"-P{port}" in shlex.split(commands[0]), f"{block.where()}: not on the {block.kind} port"
            sessions[block.kind] = commands[0]
            continue
        if block.kind in ("client", "admin"):
            assert block.kind in sessions, f"{block.where()}: no {block.kind} session opened before it"
            command = sessions[block.kind]
            output = run(command, text, block)
        else:  # shell
            command = text
            output = run(command, None, block)
        keys = [k for k in CHECKS if k in block.text]
        assert len(keys) <= 1, f"{block.where()}: more than one check applies: {keys}"
        for key in keys:
            check = CHECKS[key]
            if check is check_split_reads:
                check(output, quickstart_junction, command)
            else:
                check(output, quickstart_junction)
            checked.add(key)
    assert checked == set(CHECKS), f"README blocks gone (update CHECKS with the README): {set(CHECKS) - checked}"
