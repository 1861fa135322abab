"""A small TCP relay for tests: stands between Junction and a lab server, so that a test can break the network
under Junction's feet the way firewalls, NATs and dying servers do.

    relay = Relay(13307)            # listens on 127.0.0.1:<relay.port>, forwards to 127.0.0.1:13307
    relay.drop_existing()           # a NAT that forgot every current connection
    relay.refuse_new(True)          # new connections are accepted and reset at once
    relay.close()

One thread runs everything (a selector over the listening socket, every relayed socket and a wake-up socket), so a
command such as `drop_existing()` runs between two forwarded chunks, never in the middle of one: it is queued to that
thread and waited for.
"""

from __future__ import annotations

import queue
import selectors
import socket
import struct
import threading

HOST = "127.0.0.1"
_CHUNK = 65536


def _abort(sock: socket.socket) -> None:
    """Closes with SO_LINGER (1, 0): the peer gets a TCP RST, not a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


class _Pair:
    """One relayed connection: the side that connected to the relay (`client`) and the relay's connection to the
    target (`server`)."""

    __slots__ = ("client", "server")

    def __init__(self, client: socket.socket, server: socket.socket):
        self.client = client
        self.server = server

    def other(self, sock: socket.socket) -> socket.socket:
        return self.server if sock is self.client else self.client


class Relay:
    """Listens on 127.0.0.1:<free port> and relays every connection to 127.0.0.1:target_port, both ways."""

    def __init__(self, target_port: int, host: str = HOST):
        self.target = (host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(256)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]

        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sel.register(self._listener, selectors.EVENT_READ, ("accept", None))
        self._sel.register(self._wake_r, selectors.EVENT_READ, ("wake", None))
        self._commands: queue.SimpleQueue = queue.SimpleQueue()

        # Only the relay's thread touches these.
        self._pairs: set[_Pair] = set()
        self._dropped: set[socket.socket] = set()
        self._refuse = False
        self._stopping = False

        # Counters, for the tests' diagnostics (written by the relay's thread only).
        self.accepted = 0
        self.refused = 0
        self.resets_sent = 0

        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"relay-{self.port}->{target_port}")
        self._thread.start()

    # ------------------------------------------------------------ public interface

    def connection_count(self) -> int:
        """Relayed pairs that are live (the ones `drop_existing` forgot are not counted)."""
        return self._call(lambda: len(self._pairs))

    def drop_existing(self) -> int:
        """Forgets every current connection, as a firewall or NAT whose state table was flushed: nothing more is
        forwarded on them, no FIN is sent to either side, the relay's socket to the server is closed (abortively,
        so the server gets an RST rather than a FIN), and any byte (or FIN) that later arrives from the client side
        of one of them is answered with a TCP RST. New connections are relayed normally. Returns how many pairs were
        dropped."""
        return self._call(self._drop_existing)

    def refuse_new(self, refuse: bool = True) -> None:
        """While True, new connections are accepted and reset at once (the connecting side sees the TCP connect
        succeed, then ECONNRESET). Connections already relayed are not affected."""

        def set_flag():
            self._refuse = bool(refuse)
        self._call(set_flag)

    def close(self) -> None:
        """Stops the relay: closes the listening socket and every connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._stopping = True
            self._wake()
            self._thread.join(timeout=10)
        _close(self._wake_w)

    def __enter__(self) -> "Relay":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Relay(127.0.0.1:{self.port} -> {self.target[0]}:{self.target[1]})"

    # ------------------------------------------------------------ the relay's thread

    def _call(self, fn):
        """Runs `fn` on the relay's thread and returns its result."""
        if threading.current_thread() is self._thread:
            return fn()
        if self._closed or not self._thread.is_alive():
            raise RuntimeError(f"{self!r} is closed")
        done = threading.Event()
        box: dict = {}

        def job():
            try:
                box["value"] = fn()
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                box["error"] = e
            finally:
                done.set()

        self._commands.put(job)
        self._wake()
        if not done.wait(timeout=10):
            raise RuntimeError(f"{self!r} did not answer within 10s")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # already awake (buffer full) or closing

    def _run(self) -> None:
        try:
            while not self._stopping:
                for key, _ in self._sel.select(timeout=0.5):
                    kind, obj = key.data
                    if kind == "accept":
                        self._accept()
                    elif kind == "wake":
                        self._drain_wake()
                    elif kind == "pipe":
                        self._forward(key.fileobj, obj)
                    elif kind == "dropped":
                        self._reset_dropped(key.fileobj)
                    if self._stopping:
                        break
        finally:
            self._shutdown()

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        while True:
            try:
                job = self._commands.get_nowait()
            except queue.Empty:
                return
            job()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.accepted += 1
            if self._refuse:
                self.refused += 1
                _abort(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _abort(client)
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                # A timeout (not blocking mode): recv only runs when the selector says readable, and sendall may
                # wait for a slow reader without blocking the relay forever.
                s.settimeout(10)
            pair = _Pair(client, server)
            self._pairs.add(pair)
            self._sel.register(client, selectors.EVENT_READ, ("pipe", pair))
            self._sel.register(server, selectors.EVENT_READ, ("pipe", pair))

    def _forward(self, src: socket.socket, pair: _Pair) -> None:
        if pair not in self._pairs:
            # A readiness event of the same round as drop_existing() (or as the pair's end): stale.
            if src in self._dropped:
                self._reset_dropped(src)
            return
        dst = pair.other(src)
        try:
            data = src.recv(_CHUNK)
        except (BlockingIOError, InterruptedError, socket.timeout):
            return
        except OSError:
            # Reset by that side: pass the reset on.
            self._end_pair(pair, abort=True)
            return
        if not data:
            self._end_pair(pair, abort=False)
            return
        try:
            dst.sendall(data)
        except OSError:
            self._end_pair(pair, abort=True)

    def _end_pair(self, pair: _Pair, abort: bool) -> None:
        self._pairs.discard(pair)
        for s in (pair.client, pair.server):
            self._unregister(s)
            if abort:
                _abort(s)
            else:
                _close(s)

    def _drop_existing(self) -> int:
        pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            self._unregister(pair.server)
            _abort(pair.server)
            # The client side stays open, silently: its next byte is answered with a reset.
            self._sel.modify(pair.client, selectors.EVENT_READ, ("dropped", None))
            self._dropped.add(pair.client)
        return len(pairs)

    def _reset_dropped(self, sock: socket.socket) -> None:
        if sock not in self._dropped:
            return
        self._unregister(sock)
        self._dropped.discard(sock)
        self.resets_sent += 1
        _abort(sock)

    def _unregister(self, sock: socket.socket) -> None:
        try:
            self._sel.unregister(sock)
        except (KeyError, ValueError, OSError):
            pass

    def _shutdown(self) -> None:
        for pair in list(self._pairs):
            self._end_pair(pair, abort=False)
        for sock in list(self._dropped):
            self._unregister(sock)
            _abort(sock)
        self._dropped.clear()
        self._unregister(self._listener)
        _close(self._listener)
        self._unregister(self._wake_r)
        _close(self._wake_r)
        try:
            self._sel.close()
        except OSError:
            pass
        # Anyone still waiting for a command gets an answer (the job sees a closed relay).
        while True:
            try:
                job = self._commands.get_nowait()
            except queue.Empty:
                break
            job()
