"""The words of the reconciliation, defined once (DESIGN.md §6): every Python user imports them.

Statuses, link methods, severities, sanction levels in order, violation categories, the
defaults of the link rules, and "today" in WIB. The SQL that repeats them (CHECK
constraints, the CASE branches of `core.recommendation_status_as_of`) is checked against
this module by tests/unit/test_vocabulary.py, so adding a word is one change here plus the
SQL that test points at. Bottom of the import stack: imports nothing from Netra.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal, get_args

#: §6 status of a recommendation as of a day, in the order the CASE decides them.
STATUSES = ("sanctioned", "revoked", "closed", "overdue", "pending")
#: The five status counts, in the column order of mart.followthrough_summary.
STATUS_COUNTS = ("sanctioned", "revoked", "pending", "overdue", "closed")
#: The per-election totals of the follow-through summary, in the order the report and the terminal show them.
TOTAL_NAMES = ("reported", "proven", "recommended") + STATUS_COUNTS + ("rate",)
#: Statuses that exist only because the recommendation is linked to a sanction decree.
LINKED_STATUSES = ("sanctioned", "revoked")
#: The link ladder's steps, first match wins.
LINK_METHODS = ("reference", "nip", "fuzzy")
#: Imposed sanction level compared with the recommended one.
SEVERITIES = ("as_recommended", "lighter", "heavier")
#: Sanction levels, lightest first (SIASN's moral sanctions 21/22 count as `moral`).
LEVELS = ("moral", "ringan", "sedang", "berat")
LEVEL_ORDER = {level: rank for rank, level in enumerate(LEVELS)}
#: Violation categories of a report (DOMAIN.md §2.3); V09 is split by campaign start. The Literal is
#: the contract's field type (netra.contracts.events), the tuple the same words for everyone else.
ViolationCategory = Literal["V01", "V02", "V03", "V04", "V05", "V06", "V07", "V08", "V09a", "V09b", "V10", "V11"]
VIOLATION_CATEGORIES: tuple[str, ...] = get_args(ViolationCategory)

#: `nip`/`fuzzy` window: [issued_on - LINK_WINDOW_BEFORE_DAYS, issued_on + NETRA_LINK_WINDOW_DAYS].
LINK_WINDOW_BEFORE_DAYS = 7
#: Default of NETRA_LINK_WINDOW_DAYS: three years, because sanctions arrive years late.
DEFAULT_LINK_WINDOW_DAYS = 1095
#: Default of NETRA_NEUTRALITY_REASON: a sanction reason naming an election-neutrality offence.
DEFAULT_NEUTRALITY_REASON = "netral|kampanye|pemilu|pilkada|politik|calon|paslon|partai"

#: Western Indonesian Time: business days (as-of dates, DAG runs) are counted in it.
WIB = timezone(timedelta(hours=7), "WIB")
WIB_NAME = "Asia/Jakarta"


def today_wib(now: datetime | None = None) -> date:
    """The calendar day in WIB at `now` (default: the current moment), as the DAG counts it."""
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("today_wib needs an aware datetime")
    return moment.astimezone(WIB).date()
