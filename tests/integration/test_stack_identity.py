"""`netra stack up` knows its own services (issue 10 item 4): a port held by another program is a clear error,
and PostgreSQL comes back on the first `up` after its postmaster was killed with SIGKILL.
"""
from __future__ import annotations

import os
import signal
import time

import psycopg2
import pytest

from netra import settings as settings_mod
from netra.stack import PortTaken, pid_alive
from support import free_port, squatting


@pytest.fixture
def own_home(tmp_path):
    env = dict(os.environ, NETRA_HOME=str(tmp_path / "home"), NETRA_PG_PORT=str(free_port()),
               NETRA_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}", NETRA_KAFKA_CONTROLLER_PORT=str(free_port()))
    return settings_mod.load(env)


def test_kafka_up_refuses_a_port_held_by_something_else(own_home):
    from netra.stack import kafka

    with squatting(own_home.kafka_port), pytest.raises(
            PortTaken, match=rf"127\.0\.0\.1:{own_home.kafka_port} \(NETRA_KAFKA_BOOTSTRAP\) is taken"):
        kafka.up(own_home, lambda _m: None)
    assert not kafka.status(own_home).started_by_netra


def test_postgres_up_refuses_a_port_held_by_something_else(own_home):
    from netra.stack import postgres

    with squatting(own_home.pg_port), pytest.raises(PortTaken, match=r"NETRA_PG_PORT"):
        postgres.up(own_home, lambda _m: None)


def test_postgres_restarts_first_time_after_kill_9(own_home):
    from netra.stack import postgres

    postgres.up(own_home, lambda _m: None)
    try:
        info = postgres._postmaster(own_home)
        conn = psycopg2.connect(postgres.owner_uri(own_home))  # a backend, as a busy server has
        os.kill(info.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(info.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not pid_alive(info.pid)
        assert (own_home.home / "pg" / "data" / "postmaster.pid").exists(), "the crash left its pid file"
        messages = []
        postgres.up(own_home, messages.append)  # the first attempt works
        assert any("cleaning up after the crash" in m for m in messages), messages
        assert postgres._postmaster(own_home).pid != info.pid
        check = psycopg2.connect(postgres.owner_uri(own_home))
        with check, check.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
        check.close()
        try:
            conn.close()
        except psycopg2.Error:
            pass
    finally:
        postgres.down(own_home, lambda _m: None)
