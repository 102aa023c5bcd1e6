"""What the link ladder sees of a recommendation and of a sanction decree (netra/reconcile/rules.py).

Their own module so that the ladder (rules.py) and the fuzzy step's scoring (fuzzy.py) both build on
them without importing each other; rules.py re-exports both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommendation as the ladder sees it: who, when, and (for the fuzzy step) name and agency."""

    recommendation_id: str
    nip: str
    issued_on: date
    name: str | None = None  # the ASN's name from the report subjects
    agency: str | None = None  # the PPK agency


@dataclass(frozen=True, slots=True)
class Sanction:
    """One sanction decree as the ladder sees it; `reason` decides eligibility for `nip`/`fuzzy`."""

    sanction_id: str
    nip: str | None
    decree_date: date
    recommendation_ref: str | None
    name: str | None = None
    agency: str | None = None
    reason: str | None = None  # alasanHukumanDisiplin; decides eligibility for `nip`/`fuzzy`
