"""Reference data shipped with the package (see PROVENANCE.md beside this file).

Loaded once per process into plain dicts, so validation and enrichment work per
micro-batch from memory with no database round trip per event. The same files
are loaded into schema `ref` by `netra db migrate`.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent

#: SIASN tingkat letter -> level name. Moral sanctions 21/22 are coded R in SIASN but count as moral.
_TINGKAT = {"R": "ringan", "S": "sedang", "B": "berat"}
MORAL_CODES = frozenset({21, 22})
#: PP 53/2010 codes still present in historic records (DOMAIN.md §2.2).
LEGACY_CODES = frozenset({4, 5, 6, 7, 8, 9, 13, 14})
#: Administrative entry ("pengaktifan hukuman disiplin"), not a sanction.
NOT_A_SANCTION = frozenset({12})


@dataclass(frozen=True)
class Region:
    """One province or regency from the region reference list."""

    code: str
    name: str
    level: str  # province | regency
    province_code: str
    kind: str  # provinsi | kabupaten | kota


@dataclass(frozen=True)
class SanctionType:
    """One sanction type from the sanction reference list."""

    code: int
    name: str
    level: str  # moral | ringan | sedang | berat
    legacy: bool


@dataclass(frozen=True)
class Election:
    """One election and its campaign dates."""

    election_id: str
    campaign_start: date
    campaign_end: date
    voting_day: date


#: DOMAIN.md §8 (KPU schedules as widely reported).
ELECTIONS = {
    e.election_id: e
    for e in (
        Election("pemilu-2019", date(2018, 9, 23), date(2019, 4, 13), date(2019, 4, 17)),
        Election("pilkada-2020", date(2020, 9, 26), date(2020, 12, 5), date(2020, 12, 9)),
        Election("pemilu-2024", date(2023, 11, 28), date(2024, 2, 10), date(2024, 2, 14)),
        Election("pilkada-2024", date(2024, 9, 25), date(2024, 11, 23), date(2024, 11, 27)),
    )
}


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """All regions by code."""
    with open(HERE / "regions.csv", newline="", encoding="utf-8") as f:
        return {r["code"]: Region(**r) for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def sanction_types() -> dict[int, SanctionType]:
    """All sanction types by code, without the codes that are not sanctions."""
    out = {}
    with open(HERE / "sanction_types.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = int(r["code"])
            if code in NOT_A_SANCTION:
                continue
            level = "moral" if code in MORAL_CODES else _TINGKAT[r["level"]]
            out[code] = SanctionType(code, r["name"], level, code in LEGACY_CODES)
    return out


@lru_cache(maxsize=1)
def sanction_reasons() -> tuple[str, ...]:
    """SIASN's reasons for a disciplinary sanction (alasanHukumanDisiplin), in file order, deduplicated."""
    with open(HERE / "sanction_reasons.csv", newline="", encoding="utf-8") as f:
        return tuple(dict.fromkeys(r["name"].strip() for r in csv.DictReader(f) if r["name"].strip()))


def sanction_level(code: int | None) -> str | None:
    """The level of a sanction code, or None when it is unknown."""
    st = sanction_types().get(code) if code is not None else None
    return st.level if st else None
