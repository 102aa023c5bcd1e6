"""Shared fixtures.

Service fixtures start REAL components in a throw-away NETRA_HOME:

- `pg_settings`: embedded PostgreSQL (pgserver) with the warehouse migrated.
- `stack_settings`: that plus a real Kafka broker (KRaft) on free ports, topics created.

Unit tests use neither. Everything started here is stopped at the end of the session.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import free_port


@pytest.fixture(scope="session")
def netra_home(tmp_path_factory) -> Path:
    """A fresh NETRA_HOME and the NETRA_ environment the services and code under test read."""
    import secrets

    from netra.settings import PRINCIPALS, kafka_password_setting

    home = tmp_path_factory.mktemp("netra-home")
    saved = dict(os.environ)
    # credentials as a deployment has them: explicit secrets, every Kafka principal its own password
    os.environ.update({kafka_password_setting(p): secrets.token_hex(16) for p in PRINCIPALS})
    os.environ.update(
        NETRA_PG_PIPELINE_PASSWORD=secrets.token_hex(16),
        NETRA_PG_PORT=str(free_port()),
        # test code that names no principal (fixtures writing straight to internal topics) acts as the operator;
        # the stages, upstream publishers and alerts always use their own principals
        NETRA_KAFKA_PRINCIPAL="admin",
        NETRA_DEMO_MODE="false",
        NETRA_HOME=str(home),
        NETRA_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",
        NETRA_KAFKA_CONTROLLER_PORT=str(free_port()),
        NETRA_TOPIC_PARTITIONS="3",
        NETRA_HMAC_KEY="test-only-key-0123456789abcdef",
        NETRA_BATCH_WAIT_MS="200",
        NETRA_PG_DSN="",
    )
    yield home
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def pg_settings(netra_home):
    from netra import settings
    from netra.stack import postgres
    from netra.warehouse.db import connect, migrate

    s = settings.load()
    postgres.up(s, print)
    conn = connect(s, owner=True)
    try:
        migrate(conn, print, pipeline_password=s.pg_pipeline_password)
    finally:
        conn.close()
    yield s
    postgres.down(s, print)


@pytest.fixture(scope="session")
def stack_settings(pg_settings):
    from netra.kafka_io import create_topics
    from netra.stack import kafka

    s = pg_settings
    kafka.up(s, print)
    create_topics(s, print)
    yield s
    kafka.down(s, print)


@pytest.fixture
def db(pg_settings):
    """A connection to the test warehouse with raw, core and mart emptied first."""
    from netra.warehouse.db import connect
    from support import truncate_warehouse

    conn = connect(pg_settings)
    truncate_warehouse(conn)
    yield conn
    conn.close()


def pytest_collection_modifyitems(config, items):
    """Mark tests by tier folder, so `-m "not integration"` selects the fast ones."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "dags" in parts:
            item.add_marker(pytest.mark.dags)
