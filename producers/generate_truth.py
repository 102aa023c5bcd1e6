"""Season generator, step 4: the exact ground truth, and the self-check against netra.reconcile.rules."""
from __future__ import annotations

from datetime import date, timedelta

from netra.contracts.vocabulary import LINK_METHODS, STATUSES
from netra.reconcile import rules
from producers.generate_emit import Emitter, Msg
from producers.generate_records import Rec
from producers.generate_shape import PUBLISHED_FOLLOWTHROUGH, TOPICS, add_months, other_offence_reasons
from producers.generate_world import World, status_on, visible_link

# ------------------------------------------------------------------ ground truth

def _checkpoints(election_id: str, first: date | None, as_of: date) -> list[date]:
    """Quarter ends from the first recommendation to as_of, the published snapshot days, and as_of."""
    days = {as_of} | {d for d, _ in PUBLISHED_FOLLOWTHROUGH.get(election_id, ()) if d <= as_of}
    if first is not None:
        q = date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
        while True:
            q = add_months(q, 3)
            if q - timedelta(days=1) > as_of:
                break
            days.add(q - timedelta(days=1))
    return sorted(days)


def _figures_on(world: World, recs: list[Rec], d: date, sla_days: int) -> dict:
    """The season as it stood on day `d` (what `mart.followthrough_as_of(d)` sums to): only reports
    filed, decisions taken, letters issued, decrees, revocations and closures dated on or before `d`.
    """
    now = [r for r in recs if r.issued_on <= d]
    statuses = [status_on(r, d, sla_days) for r in now]
    return {"date": d.isoformat(),
            "reported_asn": sum(len(c.subjects) for c in world.cases if c.filed_on <= d),
            "proven_asn": sum(len(c.proven) for c in world.cases if c.decided_on <= d),
            "recommended": len(now),
            **{k: statuses.count(k) for k in STATUSES}}


def ground_truth(world: World, emitter: Emitter, messages: list[Msg], *, seed: int, as_of: date,
                  sla_days: int) -> dict:
    """What the reconciliation must conclude as of `as_of` (module docstring of generate.py, step 4)."""
    recs = [r for r in world.recs if r.issued_on <= as_of]
    truth_recs, tally = {}, {k: 0 for k in STATUSES}
    linked_by = {k: 0 for k in LINK_METHODS}
    for rec in sorted(recs, key=lambda r: r.recommendation_id):
        status = status_on(rec, as_of, sla_days)
        s, method = visible_link(rec, as_of)
        truth_recs[rec.recommendation_id] = {"status": status, "sanction_id": s.sanction_id if s else None,
                                             "link_method": method}
        tally[status] += 1
        if method:
            linked_by[method] += 1

    over_time = {d.isoformat(): _figures_on(world, recs, d, sla_days)
                 for d in _checkpoints(world.election_id, min((r.issued_on for r in recs), default=None), as_of)}

    invalid = [m for m in messages if m.invalid_reason]
    sanctions_emitted = [s for s in world.sanctions if s.decree_date <= as_of]
    # look-alike colleagues (fuzzy_rate): in review with their recommendation once both are known
    review_pairs = sorted([s.review_of.recommendation_id, s.sanction_id] for s in sanctions_emitted
                          if s.review_of is not None and s.review_of.issued_on <= as_of)
    linked = {v["sanction_id"] for v in truth_recs.values() if v["sanction_id"]}
    in_review = {sid for _, sid in review_pairs}
    # other offences (SIASN wording for anything but neutrality): out of scope unless a reference links them
    other_offences = set(other_offence_reasons())
    out_of_scope = sorted(s.sanction_id for s in sanctions_emitted
                          if s.sanction_id not in linked and s.reason in other_offences)
    unlinked = sorted(s.sanction_id for s in sanctions_emitted
                      if s.sanction_id not in linked and s.sanction_id not in in_review
                      and s.sanction_id not in out_of_scope)
    counts = {
        "reported_asn": sum(len(c.subjects) for c in world.cases if c.filed_on <= as_of),
        "proven_asn": sum(len(c.proven) for c in world.cases if c.decided_on <= as_of),
        "recommended": len(recs),
        **tally,
        "sanctions_imposed": len(sanctions_emitted),
        "linked_by_reference": linked_by["reference"],
        "linked_by_nip": linked_by["nip"],
        "linked_by_fuzzy": linked_by["fuzzy"],
        "review_pairs": len(review_pairs),
        "unlinked_sanctions": len(unlinked),
        "out_of_scope_sanctions": len(out_of_scope),
        "other_offences_of_recommended_asn": sum(s.other_offence_of is not None for s in sanctions_emitted),
        "beyond_window_sanctions": sum(s.beyond_window_of is not None for s in sanctions_emitted),
        "late_nip_links": sum(1 for r in recs if (v := visible_link(r, as_of))[1] in ("nip", "fuzzy")
                              and (v[0].decree_date - r.issued_on).days > 365),
        "typed_references": sum(1 for r in recs if (v := visible_link(r, as_of))[1] == "reference"
                                and v[0].recommendation_ref != r.recommendation_id),
        "messages": {t: sum(m.topic == t for m in messages) for t in TOPICS},
        "duplicates": len(messages) - len(emitter.valid) - len(invalid),
        "invalid": len(invalid),
    }
    return {
        "seed": seed,
        "election_id": world.election_id,
        "as_of": as_of.isoformat(),
        "sla_days": sla_days,
        "recommendations": truth_recs,
        "review_pairs": review_pairs,
        "unlinked_sanctions": unlinked,
        "out_of_scope_sanctions": out_of_scope,
        "valid_event_ids": sorted({m.event["event_id"] for m in emitter.valid}),
        "invalid_events": [
            {"event_id": m.event["event_id"], "topic": m.topic, "expected_reason_prefix": m.invalid_reason}
            for m in sorted(invalid, key=lambda m: (m.arrival_utc, m.order))],
        "counts": counts,
        "followthrough_as_of": over_time,
    }


def check_links(valid: list[Msg], truth: dict) -> None:
    """Self-check: the §6 link ladder (`rules.reconcile_links`) run over the valid events must conclude
    exactly the ground truth's links, review pairs and unlinked sanctions.

    The inputs are built as the reconciliation builds them: a recommendation's name is that of the
    subject with its NIP in its report (none if the report did not give that NIP), its agency the
    PPK agency; a sanction brings its own NIP, name and agency.
    """
    day = date.fromisoformat
    events = [(m.event["event_type"], m.event["payload"]) for m in valid]
    names: dict[tuple[str, str], str] = {}
    for event_type, p in events:
        if event_type == "report.filed":
            for subject in p["subjects"]:
                if subject["nip"]:
                    names.setdefault((p["report_id"], subject["nip"].replace(" ", "")), subject["name"])
    recs, sans = [], []
    for event_type, p in events:
        if event_type == "recommendation.issued":
            nip = p["nip"].replace(" ", "")
            recs.append(rules.Recommendation(p["recommendation_id"], nip, day(p["issued_on"]),
                                             names.get((p["report_id"], nip)), p["ppk_agency"]))
        elif event_type == "sanction.imposed":
            sans.append(rules.Sanction(p["sanction_id"], p["nip"].replace(" ", "") if p["nip"] else None,
                                       day(p["decree_date"]), p["recommendation_ref"], p["name"], p["agency"],
                                       p["reason"]))
    result = rules.reconcile_links(recs, sans)
    links = {rid: [ln.sanction_id, ln.method] for rid, ln in result.links.items()}
    expected = {rid: [v["sanction_id"], v["link_method"]] for rid, v in truth["recommendations"].items()
                if v["sanction_id"] is not None}
    review = sorted([item.recommendation_id, item.sanction_id] for item in result.review)
    if (links != expected or review != truth["review_pairs"] or result.unlinked_sanctions != truth["unlinked_sanctions"]
            or result.out_of_scope != truth["out_of_scope_sanctions"]):
        differ = sorted(rid for rid in links.keys() | expected.keys() if links.get(rid) != expected.get(rid))
        raise AssertionError(
            f"ground truth disagrees with rules.reconcile_links: links differ for {differ[:5]} ({len(differ)}), "
            f"review {review[:3]} vs {truth['review_pairs'][:3]}, unlinked "
            f"{sorted(set(result.unlinked_sanctions) ^ set(truth['unlinked_sanctions']))[:5]}, out of scope "
            f"{sorted(set(result.out_of_scope) ^ set(truth['out_of_scope_sanctions']))[:5]}")
