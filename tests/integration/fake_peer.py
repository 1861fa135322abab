"""A fake cluster peer for tests: a tiny MySQL server on 127.0.0.1 that lets anyone log in and answers a polling
node's queries as told — with a configuration whose rows do not match the checksum it advertises (`lying`), or with
bytes that are no MySQL answer at all (`garbage`)."""

from __future__ import annotations

import socket
import struct
import threading


def _packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def _lenenc(data: bytes | None) -> bytes:
    if data is None:
        return b"\xfb"
    n = len(data)
    if n < 251:
        return bytes([n]) + data
    return b"\xfc" + struct.pack("<H", n) + data


def _result_set(columns: list[str], rows: list[list[str | None]]) -> list[bytes]:
    out = [bytes([len(columns)])]
    for name in columns:
        out.append(b"".join(_lenenc(x) for x in (b"def", b"", b"", b"", name.encode(), name.encode()))
                   + b"\x0c" + struct.pack("<HIBHB", 33, 255, 253, 0, 0) + b"\x00\x00")
    out.append(b"\xfe\x00\x00\x02\x00")
    for row in rows:
        out.append(b"".join(_lenenc(None if v is None else v.encode()) for v in row))
    out.append(b"\xfe\x00\x00\x02\x00")
    return out


class FakePeer:
    """Serves until `stop()`. `mode`: "lying" or "garbage"; `queries` lists what the polling node asked."""

    def __init__(self, port: int, mode: str):
        self.port = port
        self.mode = mode
        self.queries: list[str] = []
        self._server = socket.create_server(("127.0.0.1", port))
        self._server.settimeout(0.2)
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self):
        self._stopped = True
        self._thread.join(timeout=5)
        self._server.close()

    def _serve(self):
        while not self._stopped:
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _read_packet(self, conn) -> bytes | None:
        header = b""
        while len(header) < 4:
            chunk = conn.recv(4 - len(header))
            if not chunk:
                return None
            header += chunk
        length = int.from_bytes(header[:3], "little")
        body = b""
        while len(body) < length:
            chunk = conn.recv(length - len(body))
            if not chunk:
                return None
            body += chunk
        return body

    def _session(self, conn):
        conn.settimeout(10)
        try:
            caps = 0x0200 | 0x8000 | 0x00080000 | 0x0001 | 0x0004
            greeting = (b"\x0a" + b"5.5.30-fake\x00" + struct.pack("<I", 7) + b"12345678\x00"
                        + struct.pack("<H", caps & 0xFFFF) + b"\x21" + struct.pack("<H", 2) + struct.pack("<H", caps >> 16)
                        + b"\x15" + b"\x00" * 10 + b"123456789012\x00" + b"mysql_native_password\x00")
            conn.sendall(_packet(0, greeting))
            if self._read_packet(conn) is None:
                return
            conn.sendall(_packet(2, b"\x00\x00\x00\x02\x00\x00\x00"))
            while not self._stopped:
                command = self._read_packet(conn)
                if not command:
                    return
                sql = command[1:].decode(errors="replace")
                self.queries.append(sql)
                if self.mode == "garbage":
                    conn.sendall(_packet(1, b"\x05\xff\x00garbage\xfe\xfe") + b"\xff\xff\xff\x07" + b"x" * 100)
                    continue
                for seq, payload in enumerate(self._answer(sql), start=1):
                    conn.sendall(_packet(seq, payload))
        except OSError:
            pass
        finally:
            conn.close()

    def _answer(self, sql: str) -> list[bytes]:
        upper = sql.upper()
        if upper.startswith("PROXYSQL CLUSTER_NODE_UUID"):
            return [b"\x00\x00\x00\x02\x00\x00\x00"]
        if "GLOBAL_CHECKSUM" in upper:
            return _result_set(["CHECKSUM"], [["42"]])
        if "RUNTIME_CHECKSUMS_VALUES" in upper:
            # A newer servers configuration than anyone's, with a checksum its rows will not match.
            return _result_set(["name", "version", "epoch", "checksum"],
                               [["mysql_servers_v2", "9", "4000000000", "0xDEADBEEF"]])
        if "STATS_MYSQL_GLOBAL" in upper:
            return _result_set(["Variable_Name", "Variable_Value"], [["ProxySQL_Uptime", "5"]])
        if "FROM MYSQL_SERVERS_V2" in upper:
            return _result_set(["hostgroup_id", "hostname", "port", "gtid_port", "status", "weight", "compression",
                                "max_connections", "max_replication_lag", "use_ssl", "max_latency_ms", "comment"],
                               [["66", "10.66.66.66", "3306", "0", "ONLINE", "1", "0", "1000", "0", "0", "0", "from a liar"]])
        if upper.startswith("PROXY_SELECT"):
            return _result_set(["x"], [])
        return [b"\xff" + struct.pack("<H", 1064) + b"#42000unknown to the fake peer"]
