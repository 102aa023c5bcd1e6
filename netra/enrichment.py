"""Pure enrichment of a valid event: region names, NIP-derived coarse attributes, election phase, pseudonyms.

What it produces is the contract `netra.contracts.enriched.EnrichedEvent`.

Reporter NIK and name are removed here and never reach Postgres (DOMAIN.md §6);
`asn_key`/`reporter_key` are HMAC-SHA-256 under the secret NETRA_HMAC_KEY.
"""
from __future__ import annotations

import hmac
from datetime import date
from typing import Any

from netra import reference
from netra.contracts.enriched import ENRICHMENT_VERSION

AGE_BANDS = ((0, "<30"), (30, "30-39"), (40, "40-49"), (50, "50-59"), (60, "60+"))
TENURE_BANDS = ((0, "<5"), (5, "5-9"), (10, "10-19"), (20, "20-29"), (30, "30+"))
#: The payload field that dates each event type (business date), used for bands and phases.
BUSINESS_DATE = {
    "report.filed": "filed_on",
    "report.decided": "decided_on",
    "recommendation.issued": "issued_on",
    "recommendation.closed": "closed_on",
    "sanction.imposed": "decree_date",
    "sanction.revoked": "revoked_on",
}


def pseudonym(secret: bytes, kind: str, value: str) -> str:
    """Keyed, join-able pseudonym; `kind` keeps a NIP and a NIK with equal digits apart.

    HMAC-SHA-256, hex; `hmac.digest` is the one-shot C path (the same digest as `hmac.new(...).hexdigest()`).
    """
    return hmac.digest(secret, f"{kind}:{value}".encode(), "sha256").hex()


def asn_key(secret: bytes, nip: str) -> str:
    """The pseudonymous key of an ASN's NIP (spaces ignored)."""
    return pseudonym(secret, "nip", nip.replace(" ", ""))


def seal_reporter_key(secret: bytes, key: str) -> str:
    """`key.signature`: lets the enricher trust a pseudonym carried in a replay header (not forgeable upstream)."""
    return f"{key}.{pseudonym(secret, 'replay', key)[:32]}"


def open_reporter_key(secret: bytes, sealed: str | None) -> str | None:
    """The pseudonym from a sealed header value, or None when it is absent or not ours."""
    if not sealed or "." not in sealed:
        return None
    key, _, signature = sealed.rpartition(".")
    return key if hmac.compare_digest(seal_reporter_key(secret, key), sealed) else None


def reporter_key(secret: bytes, reporter: dict) -> str | None:
    """Pseudonym of a reporter: from the NIK when given, else from the normalised name."""
    if reporter.get("nik"):
        return pseudonym(secret, "nik", str(reporter["nik"]))
    if reporter.get("name"):
        return pseudonym(secret, "name", " ".join(str(reporter["name"]).upper().split()))
    return None


def _band(value: int, bands) -> str:
    label = bands[0][1]
    for floor, name in bands:
        if value >= floor:
            label = name
    return label


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


_SEX = {"1": "male", "2": "female"}


def decode_nip(nip: str, on: date) -> dict[str, Any]:
    """Coarse attributes from an 18-digit NIP (Perka BKN 22/2007): YYYYMMDD birth, YYYYMM CPNS start, sex digit."""
    birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    cpns = date(int(nip[8:12]), int(nip[12:14]), 1)
    return {
        "birth_year": birth.year,
        "sex": _SEX.get(nip[14]),
        # what strftime("%Y-%m") gives (glibc does not pad %Y), without its per-call cost
        "cpns_start": f"{cpns.year}-{cpns.month:02d}",
        "age_band": _band(_years_between(birth, on), AGE_BANDS),
        "tenure_band": _band(max(0, _years_between(cpns, on)), TENURE_BANDS),
    }


def asn_profile(secret: bytes, nip: str | None, on: date) -> dict[str, Any] | None:
    """The pseudonymous profile decoded from a NIP as of `on`, or None without a valid NIP."""
    if not nip:
        return None
    try:
        profile = decode_nip(nip, on)
    except ValueError:  # the validator refuses impossible dates; be safe anyway
        profile = {}
    return {"asn_key": asn_key(secret, nip), **profile}


def election_phase(election_id: str, on: date) -> str | None:
    """The election phase `on` falls in, or None for an unknown election."""
    e = reference.ELECTIONS.get(election_id)
    if e is None:
        return None
    if on < e.campaign_start:
        return "pre_campaign"
    if on <= e.campaign_end:
        return "campaign"
    if on < e.voting_day:
        return "quiet"
    if on == e.voting_day:
        return "voting_day"
    return "post_election"


def agency_info(name: str | None) -> dict[str, Any]:
    """Canonical agency (BKN id) for a free-text agency name: exact alias, else fuzzy above the threshold.

    `bkn_id` is null when nothing matched well enough; the enricher counts those.
    """
    from netra.reference.agencies import agencies, match_agency

    m = match_agency(name)
    agency = agencies().get(m.bkn_id) if m.bkn_id else None
    return {"name": name, "bkn_id": m.bkn_id, "bkn_code": agency.bkn_code if agency else None,
            "method": m.method, "score": round(m.score, 3)}


def sanction_info(code: int | None) -> dict[str, Any] | None:
    """The level and legacy flag of a sanction code, or None when it is unknown."""
    st = reference.sanction_types().get(code) if code is not None else None
    return {"level": st.level, "legacy": st.legacy} if st else None


def region_info(code: str) -> dict[str, Any] | None:
    """The region and its province for a region code, or None when it is unknown."""
    regions = reference.regions()
    r = regions.get(code)
    if r is None:
        return None
    province = regions.get(r.province_code)
    return {
        "code": r.code,
        "name": r.name,
        "kind": r.kind,
        "province_code": r.province_code,
        "province_name": province.name if province else None,
    }


def unmatched_agencies(enriched: dict) -> int:
    """How many agency names of an enriched event found no canonical agency."""
    e = enriched["enrichment"]
    found = [s["agency"] for s in e.get("subjects", ())] + [e[k] for k in ("ppk_agency", "agency") if k in e]
    return sum(1 for a in found if a["bkn_id"] is None)


def enrich(event: dict, secret: bytes, reporter_key_hint: str | None = None) -> dict:
    """Return a new event: `event` with an `enrichment` object and the reporter's identity removed.

    `event` itself is not changed. The new event is built shallowly: the envelope and (for a
    filing, whose reporter is replaced) the payload are new dicts, the values the enrichment
    does not change (subjects, strings) are shared with `event` rather than deep-copied, which
    was a fifth of the enricher's own time. Its JSON is the same either way.

    `reporter_key_hint` is the pseudonym carried by a replayed DLQ message whose
    reporter identity was scrubbed before storage; it is used only when the payload
    no longer has the identity itself.
    """
    out = dict(event)
    payload = out["payload"]
    etype = out["event_type"]
    # age and tenure bands at occurred_at (its local calendar day); the election phase by the business date
    on = date.fromisoformat(out["occurred_at"][:10])
    business_day = date.fromisoformat(payload[BUSINESS_DATE[etype]])
    enrichment: dict[str, Any] = {"version": ENRICHMENT_VERSION}
    if etype == "report.filed":
        enrichment["region"] = region_info(payload["region_code"])
        enrichment["election_phase"] = election_phase(payload["election_id"], business_day)
        enrichment["subjects"] = [
            {**(asn_profile(secret, s.get("nip"), on) or {"asn_key": None}), "agency": agency_info(s["agency"])}
            for s in payload["subjects"]
        ]
        reporter = payload["reporter"]
        enrichment["reporter_key"] = reporter_key(secret, reporter) or reporter_key_hint
        # privacy: only the reporter type travels on (in a new payload dict: `event`'s stays as it was)
        out["payload"] = {**payload, "reporter": {"type": reporter["type"]}}
    elif etype == "report.decided":
        enrichment["proven_asn_keys"] = [asn_key(secret, n) for n in payload.get("proven_nips", [])]
    elif etype == "recommendation.issued":
        enrichment["asn"] = asn_profile(secret, payload.get("nip"), on)
        enrichment["ppk_agency"] = agency_info(payload["ppk_agency"])
        enrichment["sanction"] = sanction_info(payload.get("sanction_code"))
    elif etype == "sanction.imposed":
        enrichment["asn"] = asn_profile(secret, payload.get("nip"), on)
        enrichment["agency"] = agency_info(payload["agency"])
        # legacy PP 53/2010 codes are accepted and flagged here
        enrichment["sanction"] = sanction_info(payload["sanction_code"])
    out["enrichment"] = enrichment
    return out
