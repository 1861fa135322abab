#!/usr/bin/env python3
"""Recompute ProxySQL 2.7.1 cluster checksums from recorded rows and compare with the real binary.

Pure Python (standard library only). Reads cluster-checksum-vectors.json (next to this file, or the path given
as the first argument), recomputes, for every vector, the checksum of each module from the rows ProxySQL
itself serves to cluster peers, and the GLOBAL_CHECKSUM() value from the (checksum, version) pairs, and prints
MATCH / MISMATCH for each. Exit status 0 when everything matches.

The algorithm is described in cluster-checksums.md (same directory).
"""

import json
import os
import struct
import sys

MASK = 0xFFFFFFFFFFFFFFFF
SC_CONST = 0xDEADBEEFDEADBEEF
SC_NUMVARS = 12
SC_BLOCKSIZE = SC_NUMVARS * 8  # 96
SC_BUFSIZE = 2 * SC_BLOCKSIZE  # 192


# --------------------------------------------------------------------------------------------------------------
# SpookyHash V2 (Bob Jenkins, public domain), 128-bit, little-endian. Ported from the reference SpookyV2.cpp that
# ProxySQL bundles (lib/SpookyV2.cpp): the one-shot Hash128 plus the streaming Init/Update/Final that ProxySQL
# uses for its checksums (Update over several fragments hashes exactly like Hash128 over their concatenation).
# --------------------------------------------------------------------------------------------------------------

def _rot(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def _u64(b, off):
    return struct.unpack_from("<Q", b, off)[0]


def _u32(b, off):
    return struct.unpack_from("<I", b, off)[0]


_MIX_ROT = (11, 32, 43, 31, 17, 28, 39, 57, 55, 54, 22, 46)
_END_ROT = (44, 15, 34, 21, 38, 33, 10, 13, 38, 53, 42, 54)


def _mix(data, h):
    # data: 12 words, h: list of 12 words (modified in place)
    for i in range(12):
        h[i] = (h[i] + data[i]) & MASK
        h[(i + 2) % 12] ^= h[(i + 10) % 12]
        h[(i + 11) % 12] ^= h[i]
        h[i] = _rot(h[i], _MIX_ROT[i])
        h[(i + 11) % 12] = (h[(i + 11) % 12] + h[(i + 1) % 12]) & MASK


def _end_partial(h):
    for i in range(12):
        a, b, c = (i + 11) % 12, (i + 1) % 12, (i + 2) % 12
        h[a] = (h[a] + h[b]) & MASK
        h[c] ^= h[a]
        h[b] = _rot(h[b], _END_ROT[i])


def _end(data, h):
    for i in range(12):
        h[i] = (h[i] + data[i]) & MASK
    _end_partial(h)
    _end_partial(h)
    _end_partial(h)


def _short_mix(h0, h1, h2, h3):
    h2 = _rot(h2, 50); h2 = (h2 + h3) & MASK; h0 ^= h2
    h3 = _rot(h3, 52); h3 = (h3 + h0) & MASK; h1 ^= h3
    h0 = _rot(h0, 30); h0 = (h0 + h1) & MASK; h2 ^= h0
    h1 = _rot(h1, 41); h1 = (h1 + h2) & MASK; h3 ^= h1
    h2 = _rot(h2, 54); h2 = (h2 + h3) & MASK; h0 ^= h2
    h3 = _rot(h3, 48); h3 = (h3 + h0) & MASK; h1 ^= h3
    h0 = _rot(h0, 38); h0 = (h0 + h1) & MASK; h2 ^= h0
    h1 = _rot(h1, 37); h1 = (h1 + h2) & MASK; h3 ^= h1
    h2 = _rot(h2, 62); h2 = (h2 + h3) & MASK; h0 ^= h2
    h3 = _rot(h3, 34); h3 = (h3 + h0) & MASK; h1 ^= h3
    h0 = _rot(h0, 5); h0 = (h0 + h1) & MASK; h2 ^= h0
    h1 = _rot(h1, 36); h1 = (h1 + h2) & MASK; h3 ^= h1
    return h0, h1, h2, h3


def _short_end(h0, h1, h2, h3):
    h3 ^= h2; h2 = _rot(h2, 15); h3 = (h3 + h2) & MASK
    h0 ^= h3; h3 = _rot(h3, 52); h0 = (h0 + h3) & MASK
    h1 ^= h0; h0 = _rot(h0, 26); h1 = (h1 + h0) & MASK
    h2 ^= h1; h1 = _rot(h1, 51); h2 = (h2 + h1) & MASK
    h3 ^= h2; h2 = _rot(h2, 28); h3 = (h3 + h2) & MASK
    h0 ^= h3; h3 = _rot(h3, 9); h0 = (h0 + h3) & MASK
    h1 ^= h0; h0 = _rot(h0, 47); h1 = (h1 + h0) & MASK
    h2 ^= h1; h1 = _rot(h1, 54); h2 = (h2 + h1) & MASK
    h3 ^= h2; h2 = _rot(h2, 32); h3 = (h3 + h2) & MASK
    h0 ^= h3; h3 = _rot(h3, 25); h0 = (h0 + h3) & MASK
    h1 ^= h0; h0 = _rot(h0, 63); h1 = (h1 + h0) & MASK
    return h0, h1, h2, h3


def _short(msg, seed1, seed2):
    length = len(msg)
    a, b, c, d = seed1, seed2, SC_CONST, SC_CONST
    off = 0
    remainder = length % 32
    if length > 15:
        end = (length // 32) * 32
        while off < end:
            c = (c + _u64(msg, off)) & MASK
            d = (d + _u64(msg, off + 8)) & MASK
            a, b, c, d = _short_mix(a, b, c, d)
            a = (a + _u64(msg, off + 16)) & MASK
            b = (b + _u64(msg, off + 24)) & MASK
            off += 32
        if remainder >= 16:
            c = (c + _u64(msg, off)) & MASK
            d = (d + _u64(msg, off + 8)) & MASK
            a, b, c, d = _short_mix(a, b, c, d)
            off += 16
            remainder -= 16
    d = (d + (length << 56)) & MASK
    p = msg[off:]
    if remainder >= 12:
        if remainder >= 15: d += p[14] << 48
        if remainder >= 14: d += p[13] << 40
        if remainder >= 13: d += p[12] << 32
        d += _u32(p, 8)
        c += _u64(p, 0)
    elif remainder >= 8:
        if remainder >= 11: d += p[10] << 16
        if remainder >= 10: d += p[9] << 8
        if remainder >= 9: d += p[8]
        c += _u64(p, 0)
    elif remainder >= 4:
        if remainder >= 7: c += p[6] << 48
        if remainder >= 6: c += p[5] << 40
        if remainder >= 5: c += p[4] << 32
        c += _u32(p, 0)
    elif remainder >= 1:
        if remainder >= 3: c += p[2] << 16
        if remainder >= 2: c += p[1] << 8
        c += p[0]
    else:
        c += SC_CONST
        d += SC_CONST
    c &= MASK
    d &= MASK
    a, b, c, d = _short_end(a, b, c, d)
    return a, b


def spooky128(msg, seed1, seed2):
    """One-shot SpookyHash::Hash128(message, length, &seed1, &seed2) -> (hash1, hash2)."""
    msg = bytes(msg)
    length = len(msg)
    if length < SC_BUFSIZE:
        return _short(msg, seed1, seed2)
    h = [seed1, seed2, SC_CONST] * 4
    nblocks = length // SC_BLOCKSIZE
    for i in range(nblocks):
        _mix(struct.unpack_from("<12Q", msg, i * SC_BLOCKSIZE), h)
    remainder = length - nblocks * SC_BLOCKSIZE
    last = bytearray(SC_BLOCKSIZE)
    last[:remainder] = msg[nblocks * SC_BLOCKSIZE:]
    last[SC_BLOCKSIZE - 1] = remainder
    _end(struct.unpack_from("<12Q", last, 0), h)
    return h[0], h[1]


class Spooky:
    """Streaming SpookyHash (Init/Update/Final), a literal port of the reference state machine."""

    def __init__(self, seed1, seed2):
        self.length = 0
        self.remainder = 0
        self.data = bytearray(2 * SC_BLOCKSIZE)
        self.state = [seed1, seed2] + [0] * 10

    def update(self, message):
        message = bytes(message)
        length = len(message)
        new_length = length + self.remainder
        if new_length < SC_BUFSIZE:
            self.data[self.remainder:self.remainder + length] = message
            self.length += length
            self.remainder = new_length
            return
        if self.length < SC_BUFSIZE:
            h = [self.state[0], self.state[1], SC_CONST] * 4
        else:
            h = list(self.state)
        self.length += length
        pos = 0
        if self.remainder:
            prefix = SC_BUFSIZE - self.remainder
            self.data[self.remainder:SC_BUFSIZE] = message[:prefix]
            _mix(struct.unpack_from("<12Q", self.data, 0), h)
            _mix(struct.unpack_from("<12Q", self.data, SC_BLOCKSIZE), h)
            pos = prefix
            length -= prefix
        nblocks = length // SC_BLOCKSIZE
        for i in range(nblocks):
            _mix(struct.unpack_from("<12Q", message, pos + i * SC_BLOCKSIZE), h)
        rem = length - nblocks * SC_BLOCKSIZE
        self.remainder = rem
        self.data[0:rem] = message[pos + nblocks * SC_BLOCKSIZE:pos + nblocks * SC_BLOCKSIZE + rem]
        self.state = h

    def final(self):
        if self.length < SC_BUFSIZE:
            return _short(bytes(self.data[:self.length]), self.state[0], self.state[1])
        h = list(self.state)
        data = bytearray(self.data)
        off = 0
        remainder = self.remainder
        if remainder >= SC_BLOCKSIZE:
            _mix(struct.unpack_from("<12Q", data, 0), h)
            off = SC_BLOCKSIZE
            remainder -= SC_BLOCKSIZE
        block = bytearray(data[off:off + remainder]) + bytearray(SC_BLOCKSIZE - remainder)
        block[SC_BLOCKSIZE - 1] = remainder
        _end(struct.unpack_from("<12Q", block, 0), h)
        return h[0], h[1]


# --------------------------------------------------------------------------------------------------------------
# ProxySQL checksum building blocks
# --------------------------------------------------------------------------------------------------------------

def raw_checksum(rows):
    """SQLite3_result::raw_checksum / mysql_raw_checksum: Spooky(19,3) over every field of every row, in order,
    with nothing between fields; NULL contributes nothing (same as ''); an empty result set is 0."""
    if not rows:
        return 0
    h = Spooky(19, 3)
    for row in rows:
        for field in row:
            if field is not None:
                h.update(field.encode("utf-8"))
    return h.final()[0]


def render(value):
    """get_checksum_from_hash: '0x' + low 32 bits + high 32 bits as %X (no per-half padding), then every
    position 2..17 that is still empty becomes '0', i.e. right-padded with '0' to 18 characters."""
    low = value & 0xFFFFFFFF
    high = value >> 32
    s = "0x%X%X" % (low, high)
    return s.ljust(18, "0")


def variables_checksum(rows):
    return raw_checksum(rows)


def query_rules_checksum(rules_rows, fast_routing_rows):
    return (raw_checksum(rules_rows) + raw_checksum(fast_routing_rows)) & MASK


def servers_v2_checksum(tables):
    """tables: the 7 result sets in order mysql_servers_v2, replication, group replication, galera, aurora,
    hostgroup attributes, ssl params. Each non-empty one contributes its raw checksum as 8 little-endian bytes
    to a Spooky(19,3); all empty -> 0."""
    h = None
    for rows in tables:
        raw = raw_checksum(rows)
        if raw != 0:
            if h is None:
                h = Spooky(19, 3)
            h.update(struct.pack("<Q", raw))
    return h.final()[0] if h is not None else 0


def _username_key(username):
    return spooky128(username.encode("utf-8"), 1, 2)[0]


def _accounts_hash(accounts):
    """compute_accounts_hash over one std::map<uint64,account_details_t*> (ordered by the username hash)."""
    if not accounts:
        return 0
    h = Spooky(13, 4)
    found = False
    for key in sorted(accounts):
        a = accounts[key]
        if a["default_hostgroup"] < 0:
            continue
        found = True
        h.update(struct.pack("<?", a["use_ssl"]))
        h.update(struct.pack("<i", a["default_hostgroup"]))
        h.update(struct.pack("<?", a["schema_locked"]))
        h.update(struct.pack("<?", a["transaction_persistent"]))
        h.update(struct.pack("<?", a["fast_forward"]))
        h.update(struct.pack("<i", a["max_connections"]))
        h.update(a["username"].encode("utf-8"))
        h.update(a["password"].encode("utf-8"))
        h.update(a["default_schema"].encode("utf-8"))
        h.update(a["comment"].encode("utf-8"))
        h.update(a["attributes"].encode("utf-8"))
    return h.final()[0] if found else 0


def _atoi(s):
    s = (s or "").strip()
    sign = 1
    if s[:1] in "+-" and s[:1]:
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = ""
    for ch in s:
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else 0


def users_checksum(rows):
    """MySQL_Authentication::get_runtime_checksum(MYSQL_RES*) (peer side) == get_runtime_checksum() (local side).
    rows: username, password, use_ssl, default_hostgroup, default_schema, schema_locked, transaction_persistent,
    fast_forward, backend, frontend, max_connections, attributes, comment."""
    backends, frontends = {}, {}
    for r in rows:
        acc = {
            "username": r[0],
            "password": r[1] or "",
            "use_ssl": r[2] == "1",
            "default_hostgroup": _atoi(r[3]),
            "default_schema": r[4] or "",
            "schema_locked": r[5] == "1",
            "transaction_persistent": r[6] == "1",
            "fast_forward": r[7] == "1",
            "max_connections": _atoi(r[10]),
            "attributes": r[11] or "",
            "comment": r[12] or "",
        }
        key = _username_key(r[0])
        if r[8] == "1":
            backends.setdefault(key, acc)  # std::map::insert keeps the first entry
        if r[9] == "1":
            frontends.setdefault(key, acc)
    return (_accounts_hash(backends) + _accounts_hash(frontends)) & MASK


def global_checksum(entries):
    """GLOBAL_CHECKSUM(): Spooky(9,5) over (checksum string, 8-byte LE version) of each module with version != 0,
    in the fixed order below (ldap_variables only with the LDAP plugin), first 64 bits halved (>> 1)."""
    order = ["admin_variables", "mysql_query_rules", "mysql_servers", "mysql_servers_v2", "mysql_users",
             "mysql_variables", "proxysql_servers", "ldap_variables"]
    h = Spooky(9, 5)
    for name in order:
        e = entries.get(name)
        if e is None or int(e["version"]) == 0:
            continue
        h.update(e["checksum"].encode("ascii"))
        h.update(struct.pack("<Q", int(e["version"])))
    return h.final()[0] // 2


# --------------------------------------------------------------------------------------------------------------

def _self_test():
    # streaming == one-shot over the concatenation, for lengths around the 192/96-byte boundaries
    import random
    rnd = random.Random(7)
    for n in list(range(0, 300)) + [383, 384, 385, 575, 576, 577, 1000]:
        msg = bytes(rnd.randrange(256) for _ in range(n))
        one = spooky128(msg, 19, 3)
        s = Spooky(19, 3)
        pos = 0
        while pos < n:
            step = rnd.randrange(1, 120)
            s.update(msg[pos:pos + step])
            pos += step
        assert s.final() == one, n
    # Bob Jenkins' published SpookyV2 test (TestResults): Hash32(buf, i, 0) with buf[k] = k+128, some entries
    expected = {0: 0x6bf50919, 1: 0x70de1d26, 2: 0xa2b37298, 3: 0x35bc5fbf, 4: 0x8223b279, 5: 0x5bcb315e,
                6: 0x53fe88a1, 7: 0xf9f1a233, 191: 0xe13d9e19, 192: 0x77e012bd, 193: 0x2d05114c,
                287: 0xc22c642d, 288: 0x47880140, 511: 0xcc1c8250}
    buf = bytes((k + 128) & 0xFF for k in range(512))
    for i, e in expected.items():
        assert spooky128(buf[:i], 0, 0)[0] & 0xFFFFFFFF == e, i


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "cluster-checksum-vectors.json")
    _self_test()
    with open(path) as f:
        doc = json.load(f)
    total = failures = 0

    def check(vector, module, computed, expected):
        nonlocal total, failures
        total += 1
        ok = computed == expected
        if not ok:
            failures += 1
        print("  %-9s %-18s computed %-20s binary %s" % ("MATCH" if ok else "MISMATCH", module, computed, expected))

    for v in doc["vectors"]:
        print("vector %s: %s" % (v["id"], v["title"]))
        binary = {e["name"]: e for e in v["runtime_checksums_values"]}
        rows = v["fetched_rows"]
        computed = {
            "admin_variables": variables_checksum(rows["admin_variables"]["rows"]),
            "mysql_variables": variables_checksum(rows["mysql_variables"]["rows"]),
            "mysql_query_rules": query_rules_checksum(rows["mysql_query_rules"][0]["rows"],
                                                      rows["mysql_query_rules"][1]["rows"]),
            "mysql_servers": raw_checksum(rows["mysql_servers"]["rows"]),
            "mysql_servers_v2": servers_v2_checksum([t["rows"] for t in rows["mysql_servers_v2"]]),
            "mysql_users": users_checksum(rows["mysql_users"]["rows"]),
            "proxysql_servers": raw_checksum(rows["proxysql_servers"]["rows"]),
        }
        for module in ["admin_variables", "mysql_variables", "mysql_query_rules", "mysql_servers",
                       "mysql_servers_v2", "mysql_users", "proxysql_servers"]:
            check(v["id"], module, render(computed[module]), binary[module]["checksum"])
        check(v["id"], "GLOBAL_CHECKSUM()", str(global_checksum(binary)), str(v["global_checksum"]))
    print("%d checks, %d mismatches" % (total, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
