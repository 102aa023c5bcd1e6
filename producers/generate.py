"""Synthetic season generator: Pilkada-2020-shaped contract-v1 events, realistic mess, exact ground truth.

`generate_season(out_dir, …)` writes one JSON-lines file per ingress topic, in the
order a publisher would send them, plus `ground_truth.json`, which says what the
reconciliation (DESIGN.md §6, link methods `reference`, `nip` and, with `fuzzy_rate`,
`fuzzy`) must conclude for every recommendation as of `as_of`.

How it works, and why in this order:

1. **World.** Cases, reported ASN, decisions, recommendations, closures, sanctions and
   revocations are drawn for the whole season, independent of `as_of`, from the
   published Pilkada 2020 shape (DOMAIN.md §4: 2,034 reported ASN, 78.5 % proven,
   follow-through rising from ~35 % to ~91 %; category shares; job types). Drawing
   the world first means a later `as_of` only reveals more of the same season.
2. **Cut at `as_of`.** Only what had happened by `as_of` (business dates) becomes an
   event, so the files are the season as it stood on that day.
3. **Mess.** Publishing delays (incl. monthly BKPSDM spreadsheet exports) shuffle the
   arrival order, so a decision can arrive before its filing; `duplicate_rate` of the
   events are re-sent byte-identical; `invalid_rate` extra events are broken first
   attempts (new event_id, same business key) that the validator must reject.
4. **Ground truth** is known by construction and is kept exact by construction:
   every recommended ASN has a unique NIP and one recommendation; a sanction either
   names its recommendation (possibly hand-typed, step 7) or carries the NIP with a decree
   date inside the §6 window [issued_on - 7, issued_on + 1,095] and a neutrality (or null)
   reason; sanctions for other offences carry a SIASN reason that names no neutrality
   offence (out of scope), and the other sanctions of people without a recommendation use
   NIPs no recommendation has. Every status is `netra.reconcile.rules.status` applied to the
   world (the pure rule the SQL status function is tested against), not a copy of it.
   `followthrough_as_of` holds, for quarter ends, the published snapshot days and `as_of`,
   the figures as they stood that day (`date`, `reported_asn`, `proven_asn`, `recommended`
   and the five §6 status counts), which is what `mart.followthrough_as_of(d)` sums to.
   `review_pairs` ([recommendation_id, sanction_id], sorted) is what the fuzzy step sends to
   the review queue, `out_of_scope_sanctions` (sorted ids) the sanctions left out by their
   reason, and `unlinked_sanctions` (sorted ids) the in-scope sanctions that link to nothing
   and are not under review, all as of `as_of`. Before writing `ground_truth.json` the
   generator runs `netra.reconcile.rules.reconcile_links` over the valid events and raises
   AssertionError if its links, review pairs, out-of-scope or unlinked sanctions differ from the truth.

5. **Calibration** (`calibrate=True`, Pilkada 2020 only) makes the drawn world hit the
   published KASN figures exactly instead of approximately: 2,034 reported ASN, 1,597
   proven (= recommended), and 1,373 / 1,413 / 1,450 recommendations `sanctioned` (§6
   status) as of 2022-05-31 / 2023-01-31 / 2024-02-06 (`CALIBRATION_TARGETS`). The world
   is drawn as usual, then nudged: single subjects' proof is flipped until the proven
   count is right, and decree dates are re-placed by rank (earliest planned decrees fill
   the earliest windows), so only the few decrees that straddle a published date move.
   Revocations keep their drawn dates and are counted; only if that leaves no solution
   are they postponed past the last published date. At another `scale` the targets are
   scaled proportionally and rounded. `calibrate=False` (the default) draws exactly the
   same random numbers as before the option existed.

6. **Fuzzy mess** (`fuzzy_rate > 0`): real BKPSDM exports have NIP typos and missing NIPs,
   so the §6 `fuzzy` step and the review queue get work. Each sanction that carries no
   reference (so links by NIP) is picked with probability `fuzzy_rate`; of the picked ones
   about half get a NIP typo (one digit substituted or two adjacent digits swapped, still a
   structurally valid NIP), about a quarter lose the NIP, the rest keep it. Name and agency
   stay exact, so `rules.fuzzy_score` accepts the pair (0.93 with a typo, 0.91 without a
   NIP) and the link method becomes `fuzzy`: same sanction, same status. A change is kept
   only if the pair really scores >= FUZZY_ACCEPT and no other recommendation or sanction
   of that agency comes within FUZZY_REVIEW of either side. Separately, each recommendation
   that is overdue or closed as of `as_of` without any sanction gets, with probability
   `fuzzy_rate`, an extra `sanction.imposed` (another offence, no reference) for a colleague
   in the same agency, decreed inside its §6 window and on or before `as_of`, who looks like
   the recommended ASN: a name 85-92 % similar and a NIP two edits away, or a NIP one digit
   off and a name only 66-84 % similar. Such a pair scores in [FUZZY_REVIEW, FUZZY_ACCEPT):
   it goes to the review queue and links nothing, so no status (and no calibrated figure)
   changes. Only these colleagues depend on `as_of`; everything else is drawn for the whole
   season. The fuzzy mess has its own random stream and the colleagues' events are emitted
   last, so the other events keep their ids and timestamps; `fuzzy_rate=0.0` (the default)
   writes exactly the files the generator wrote before the option existed.

7. **Mess of real records** (always; DESIGN.md §6 revised): decrees one to three years late
   mostly lack the reference (`P_LATE_WITHOUT_REF`), so the NIP step links them; some
   references are re-typed by hand (lower case, spaces around "/", Roman month: still the
   same letter); some recommended ASN also get a sanction for another offence inside their
   window (SIASN wording from netra/reference/sanction_reasons.csv, never null): out of
   scope; some never-sanctioned recommendations get a neutrality sanction only after the
   window, without reference: unlinked; other people's sanctions for other offences have a
   SIASN reason or none (an export without the reason column). Own random stream
   (`f"{seed}:records"`), its sanctions appended after the world's.

Module map: generate_shape (published shape and wording, first, so no import circle),
generate_world (step 1 and calibration), generate_mess (steps 6-7), generate_emit (steps 2-3),
generate_truth (step 4); this module is the public face.

Everything random comes from `random.Random(seed)` (and, for the fuzzy mess, a second
stream seeded from `seed`) and no wall clock is read, so the same arguments give
byte-identical files.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from netra.reference import ELECTIONS
from producers.generate_emit import Emitter
from producers.generate_mess import FuzzyMess, RecordMess
from producers.generate_shape import (
    CALIBRATION_TARGETS,
    GROUND_TRUTH_FILE,
    PUBLISHED_FOLLOWTHROUGH,
    REPORTED_ASN_AT_SCALE_1,
    SANCTION_CODES,
    TOPICS,
    CalibrationTargets,
)
from producers.generate_truth import check_links, ground_truth
from producers.generate_world import World

__all__ = ["CALIBRATION_TARGETS", "GROUND_TRUTH_FILE", "PUBLISHED_FOLLOWTHROUGH", "SANCTION_CODES", "TOPICS",
           "CalibrationTargets", "Season", "generate_season", "summarize"]

# ------------------------------------------------------------------ public API


@dataclass
class Season:
    """What `generate_season` wrote: one file per topic, the ground truth and its counts."""

    out_dir: Path
    seed: int
    election_id: str
    as_of: date
    files: dict[str, Path]
    ground_truth_path: Path
    counts: dict


def generate_season(out_dir: Path, *, seed: int = 2020, election_id: str = "pilkada-2020", scale: float = 1.0,
                    as_of: date = date(2024, 2, 6), sla_days: int = 30, invalid_rate: float = 0.01,
                    duplicate_rate: float = 0.02, calibrate: bool = False, fuzzy_rate: float = 0.0) -> Season:
    """Write `<topic>.jsonl` for the three ingress topics and `ground_truth.json` into `out_dir`.

    `calibrate=True` makes the season hit `CALIBRATION_TARGETS[election_id]` exactly (scaled
    proportionally and rounded when `scale` is not 1.0); only elections listed there can be
    calibrated. The targets describe the world: the files and ground truth show the days up to
    `as_of`, so a published day after `as_of` is not in `followthrough_as_of`.

    `fuzzy_rate` (0..1) adds NIP typos, missing NIPs and look-alike colleagues (module
    docstring, step 6) so that some links are `fuzzy` and some pairs go to the review queue;
    it changes no status, so calibrated figures stay exact.
    """
    if election_id not in ELECTIONS:
        raise ValueError(f"unknown election {election_id!r}; known: {', '.join(ELECTIONS)}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not 0.0 <= fuzzy_rate <= 1.0:
        raise ValueError("fuzzy_rate must be between 0 and 1")
    targets = None
    if calibrate:
        if election_id not in CALIBRATION_TARGETS:
            raise ValueError(f"no published figures to calibrate {election_id!r} to; "
                             f"calibrate supports: {', '.join(CALIBRATION_TARGETS)}")
        targets = CALIBRATION_TARGETS[election_id].scaled(scale)
    rng = random.Random(seed)
    world = World(rng, election_id)
    world.build(max(1, round(REPORTED_ASN_AT_SCALE_1 * scale)) if targets is None else targets.reported_asn,
                targets)
    # what real exports hold (typed references, other offences, sanctions after the window): own stream
    RecordMess(world, random.Random(f"{seed}:records")).apply()
    if fuzzy_rate > 0:
        # its own stream: the main one stays where fuzzy_rate=0 leaves it, so other events keep their ids
        FuzzyMess(world, random.Random(f"{seed}:fuzzy"), as_of, sla_days).apply(fuzzy_rate)

    emitter = Emitter(rng)
    valid = emitter.events(world, as_of)
    messages = emitter.with_mess(valid, duplicate_rate, invalid_rate)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for topic in TOPICS:
        path = out_dir / f"{topic}.jsonl"
        with open(path, "wb") as f:
            for m in sorted((m for m in messages if m.topic == topic), key=lambda m: (m.arrival_utc, m.order)):
                f.write(m.line + b"\n")
        files[topic] = path

    truth = ground_truth(world, emitter, messages, seed=seed, as_of=as_of, sla_days=sla_days)
    check_links(valid, truth)
    gt_path = out_dir / GROUND_TRUTH_FILE
    gt_path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return Season(out_dir, seed, election_id, as_of, files, gt_path, truth["counts"])


def summarize(season: Season) -> str:
    """A few human lines about a generated season (for `netra generate`)."""
    c = season.counts
    rate = c["sanctioned"] / c["recommended"] if c["recommended"] else 0.0
    lines = [
        f"{season.election_id} seed {season.seed}, as of {season.as_of}: "
        f"{c['reported_asn']} reported ASN, {c['proven_asn']} proven, {c['recommended']} recommended",
        f"status: {c['sanctioned']} sanctioned ({rate:.1%}), {c['revoked']} revoked, {c['closed']} closed, "
        f"{c['pending']} pending, {c['overdue']} overdue",
        "messages: " + ", ".join(f"{t} {n}" for t, n in c["messages"].items())
        + f" (incl. {c['duplicates']} duplicates, {c['invalid']} invalid)",
    ]
    truth = json.loads(season.ground_truth_path.read_text(encoding="utf-8"))
    published = dict(PUBLISHED_FOLLOWTHROUGH.get(season.election_id, ()))
    points = [(d, v) for d, v in truth["followthrough_as_of"].items()
              if date.fromisoformat(d) in published and v["recommended"]]
    if points:
        lines.append("follow-through vs published: " + ", ".join(
            f"{d} {v['sanctioned'] / v['recommended']:.1%} ({published[date.fromisoformat(d)]:.1%})"
            for d, v in points))
    for path in season.files.values():
        lines.append(f"  {path}")
    lines.append(f"  {season.ground_truth_path}")
    return "\n".join(lines)
