"""Where the pipeline and analyst logins connect, derived from settings (no server needed)."""
from __future__ import annotations

import pytest

from netra.settings import SettingsError, load
from netra.stack.postgres import pipeline_dsn


def test_embedded_server_logins_use_the_localhost_port():
    s = load({"NETRA_PG_PORT": "13432"})
    assert pipeline_dsn(s) == "postgresql://netra_pipeline@127.0.0.1:13432/netra"
    assert s.analyst_dsn("siti") == "postgresql://siti@127.0.0.1:13432/netra"


def test_external_server_logins_keep_host_and_database_but_never_the_owners_password():
    s = load({"NETRA_PG_DSN": "postgresql://netra:ownerpw@db.example:6543/warehouse"})
    assert pipeline_dsn(s) == "postgresql://netra_pipeline@db.example:6543/warehouse"
    assert s.analyst_dsn("siti") == "postgresql://siti@db.example:6543/warehouse"
    explicit = load({"NETRA_PG_PIPELINE_DSN": "postgresql://netra_pipeline@pg:5432/netra"})
    assert pipeline_dsn(explicit) == "postgresql://netra_pipeline@pg:5432/netra"


def test_pipeline_password_is_required_outside_demo_mode(tmp_path):
    with pytest.raises(SettingsError, match="NETRA_PG_PIPELINE_PASSWORD"):
        _ = load({"NETRA_HOME": str(tmp_path)}).pg_pipeline_password
    assert load({"NETRA_PG_PIPELINE_PASSWORD": "pw"}).pg_pipeline_password == "pw"
    assert load({}).analyst_password is None, "no analyst password is ever generated: it asks"


def test_create_analyst_refuses_reserved_names():
    from netra.warehouse.db import create_analyst

    for name in ("netra_pipeline", "postgres", "pg_monitor", "Bad-Name"):
        with pytest.raises(ValueError, match="not a usable analyst login name"):
            create_analyst(None, name, "x" * 12)
