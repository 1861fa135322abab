"""1,000 concurrent client connections through Junction, multiplexed onto few backends."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import USER, direct_primary_conn

CLIENTS = 1000
WORKERS = 40


def _backend_connections_of_app() -> int:
    c = direct_primary_conn()
    try:
        with c.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s AND ID <> CONNECTION_ID()",
                        (USER,))
            return cur.fetchone()[0]
    finally:
        c.close()


@pytest.mark.timeout(300)
def test_thousand_concurrent_clients(clients, proxy):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        conns = list(pool.map(lambda _: clients.pymysql(database=None), range(CLIENTS)))
        assert len(conns) == CLIENTS

        def ask(n: int):
            cur = conns[n].cursor()
            answers = []
            for k in range(3):
                cur.execute(f"SELECT {n}, {k}, CONCAT('client-', {n})")
                answers.append(cur.fetchone())
            cur.close()
            return answers

        results = list(pool.map(ask, range(CLIENTS)))
        for n, answers in enumerate(results):
            assert answers == [(n, k, f"client-{n}") for k in range(3)], f"client {n}"

        # All 1,000 are still connected and usable...
        def ping(n: int):
            conns[n].ping(reconnect=False)
            return True

        assert all(pool.map(ping, range(CLIENTS)))
        # ...yet (through the proxy) they share a small number of backend connections.
        backends = _backend_connections_of_app()
        if not proxy.direct:
            assert backends < 200, f"{backends} backend connections for {CLIENTS} idle clients"
        else:
            assert backends >= CLIENTS  # one server thread per client without a proxy

        list(pool.map(lambda c: c.close(), conns))
    clients.close_all()


@pytest.mark.proxy_only
@pytest.mark.timeout(120)
def test_backend_connections_shrink_back(clients):
    """Clients that come and go do not leave a backend connection each behind."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        def one(n: int):
            c = clients.pymysql(database=None)
            with c.cursor() as cur:
                cur.execute(f"SELECT {n}")
                r = cur.fetchone()
            c.close()
            return r

        assert list(pool.map(one, range(300))) == [(n,) for n in range(300)]
    assert _backend_connections_of_app() < 200
