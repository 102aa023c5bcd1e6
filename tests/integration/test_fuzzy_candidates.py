"""The incremental fuzzy step's candidate search (reconcile/fuzzy_candidates.sql through SqlStore.candidates)
finds exactly the pool members its definition names, on a pool with every case in it.
"""
from __future__ import annotations

import random

from netra.reconcile.relink import REC, SAN, PoolKey, SqlStore

#: The five NIP segments (1-based start, length) two NIPs at most two edits apart agree on one of.
SEGMENTS = ((1, 4), (5, 4), (9, 4), (13, 3), (16, 3))


def _segment(nip: str, start: int, length: int) -> str:
    return nip[start - 1:start - 1 + length]


def _could_pair(key: PoolKey, member: PoolKey) -> bool:
    """The statement's definition, in Python: NIPs agreeing on a segment with the same place or one unknown, or,
    without a NIP on one side, the same place.
    """
    if key.nip is not None and member.nip is not None:
        places_agree = key.place is None or member.place is None or key.place == member.place
        return places_agree and any(_segment(key.nip, *s) == _segment(member.nip, *s) for s in SEGMENTS)
    return key.place is not None and key.place == member.place


def _nip(rng: random.Random) -> str | None:
    # two digits only, so segments agree often and by chance one at a time
    return None if rng.random() < 0.15 else "".join(rng.choice("01") for _ in range(18))


def test_candidates_are_the_members_the_definition_names(db):
    rng = random.Random(3)
    places = (None, "kota bandung", "kabupaten garut")
    pool = [PoolKey(side, f"{side[0]}-{i}", rng.choice(places), _nip(rng))
            for i in range(300) for side in (REC, SAN)]
    frontier = [PoolKey(rng.choice((REC, SAN)), f"key-{i}", rng.choice(places), _nip(rng)) for i in range(60)]
    # and for some keys a member that agrees with it on one segment only, for each segment
    for k in [k for k in frontier if k.nip is not None][:10]:
        for n, (start, length) in enumerate(SEGMENTS):
            nip = "".join(d if start <= i + 1 < start + length else str(int(d) + 5) for i, d in enumerate(k.nip))
            pool.append(PoolKey(SAN if k.side == REC else REC, f"only-{n}-{k.id}", k.place, nip))
    with db, db.cursor() as cur:
        cur.executemany("INSERT INTO core.fuzzy_pool (side, id, place, nip) VALUES (%s, %s, %s, %s)", pool)
        found_recs, found_sans = SqlStore(cur).candidates(frontier)

    want = {(m.side, m.id) for k in frontier for m in pool if m.side != k.side and _could_pair(k, m)}
    assert {(REC, i) for i in found_recs} | {(SAN, i) for i in found_sans} == want
    for n, segment in enumerate(SEGMENTS):
        assert any(m.id.startswith(f"only-{n}-") and (m.side, m.id) in want for m in pool), segment
    cases = {(k.place is None, m.place is None, k.nip is None or m.nip is None)
             for k in frontier for m in pool if m.side != k.side and _could_pair(k, m)}
    assert (False, True, False) in cases and (True, False, False) in cases and (False, False, True) in cases, \
        "the pool has members of no place, keys of no place and pairs without a NIP"
