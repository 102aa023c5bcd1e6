"""The reconcile's audit starts only after the auditor's preload thread (`warm`) is done.

Importing a GX module in the audit while the preload thread was still importing GX failed with
ImportError ("partially initialized module") on small data, where staging is over in well under a second.
"""
from __future__ import annotations

import threading
import time
from datetime import date

from expectations.warehouse_audit import audit_marts_in_db
from netra.reconcile import run
from support import land_season


def test_the_audit_waits_for_the_preload(db, pg_settings, tmp_path):
    from producers.generate import generate_season

    season = generate_season(tmp_path / "season", seed=2, scale=0.05)
    land_season(db, season, pg_settings.hmac_key)
    warmed = threading.Event()
    seen = []

    def slow_warm():
        time.sleep(3)  # longer than staging these marts takes
        warmed.set()

    def auditor(conn, **kwargs):
        seen.append(warmed.is_set())
        return audit_marts_in_db(conn, **kwargs)

    auditor.warm = slow_warm  # type: ignore[attr-defined]
    result = run.reconcile(db, date(2024, 2, 6), 30, auditor=auditor)
    assert seen == [True], "the audit ran while the preload was still under way"
    assert result.recommendations > 0

