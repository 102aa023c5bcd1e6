"""The incremental link step (netra/reconcile/relink.py) gives exactly the links, review pairs and out-of-scope
verdicts of the whole ladder (`rules.reconcile_links`) on the new core.

Random cores are built with the things that make the ladder's outcomes depend on each other: shared and
typo'd NIPs, references typed by hand (case, spaces, Roman months) and pointing at the wrong case, look-alike
names in the same agency (fuzzy pairs and the review band), out-of-scope reasons. Then a change is applied
(new recommendations and sanctions, a sanction that takes a recommendation's link away from an existing
one by an earlier decree, updated NIPs, references, dates, names, agencies and reasons), the previous
verdicts are kept in an in-memory `Store`, and `relink.plan` + `relink.apply` must equal the full ladder.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from netra.reconcile import relink, rules

ROMAN = rules.ROMAN_MONTHS
NAMES = ["Siti Aminah", "Siti Amina", "Ahmad Yani", "Achmad Yani", "Budi Santoso", "Budi Santosa",
         "Dewi Lestari", "Agus Salim", "Drs. H. Ahmad Yani, M.Si.", "Rina Wati"]
AGENCIES = ["Pemerintah Kota Surakarta", "Pemkot Surakarta", "BKPSDM Kota Surakarta", "Kabupaten Solok",
            "Kota Solok", "Pemerintah Kabupaten Boyolali", None, "BKPSDM"]
REASONS = [None, None, "tidak netral dalam pilkada", "kampanye di media sosial", "mangkir kerja", "korupsi"]


class MemoryStore:
    """`relink.Store` over an in-memory core: the new inputs, and the fuzzy pool as the previous run left it."""

    def __init__(self, recs: dict, sans: dict, old_recs: dict, old_sans: dict, previous: rules.LinkResult):
        self.recs, self.sans = recs, sans
        first = rules.FirstSteps({k: v for k, v in previous.links.items() if v.method != "fuzzy"},
                                 previous.out_of_scope)
        left = rules.leftovers(old_recs.values(), old_sans.values(), first)
        self.pool = {key for key in map(relink.pool_key, [*left[0], *left[1]]) if key is not None}

    def by_keys(self, nips, refs):
        recs = [r for r in self.recs.values()
                if r.nip in nips or rules.normalise_reference(r.recommendation_id) in refs]
        sans = [s for s in self.sans.values()
                if (s.nip and s.nip in nips) or rules.normalise_reference(s.recommendation_ref) in refs]
        return recs, sans

    def replace_pool(self, recommendations, sanctions, members):
        out = {k for k in self.pool if k.id in (recommendations if k.side == relink.REC else sanctions)}
        self.pool = (self.pool - out) | set(members)
        return {k.id for k in out if k.side == relink.REC}, {k.id for k in out if k.side == relink.SAN}

    def candidates(self, frontier):
        """Every pool member on the other side: no blocking at all, so the search's result cannot depend on it."""
        sides = {f.side for f in frontier}
        return ({k.id for k in self.pool if k.side == relink.REC and relink.SAN in sides},
                {k.id for k in self.pool if k.side == relink.SAN and relink.REC in sides})

    def inputs(self, recommendations, sanctions):
        return [self.recs[i] for i in recommendations], [self.sans[i] for i in sanctions]


def _nip(rng: random.Random) -> str:
    return f"19{rng.randrange(60, 99)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}" \
           f"20{rng.randrange(0, 20):02d}{rng.randrange(1, 13):02d}{rng.choice('12')}{rng.randrange(1, 999):03d}"


def _typo(rng: random.Random, nip: str) -> str:
    digits = list(nip)
    if rng.random() < 0.4:
        i = rng.randrange(17)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    else:
        for i in rng.sample(range(18), rng.choice((1, 1, 2))):
            digits[i] = rng.choice([d for d in "0123456789" if d != nip[i]])
    return "".join(digits)


def _typed(rng: random.Random, ref: str) -> str:
    """A recommendation id as a BKPSDM clerk might type it."""
    number, issuer, month, year = ref.split("/")
    month = rng.choice([month, ROMAN[int(month) - 1]]) if month.isdigit() else month
    out = "/".join((number, issuer, month, year))
    if rng.random() < 0.3:
        out = out.lower()
    if rng.random() < 0.3:
        out = out.replace("/", " / ")
    return out


def _core(rng: random.Random, people: int, start: int = 0):
    """Recommendations and sanctions of `people` ASN, with look-alikes and colleagues among them."""
    recs, sans = {}, {}
    persons = []
    for p in range(start, start + people):
        if persons and rng.random() < 0.25:  # a colleague: near NIP, look-alike name, same agency
            nip0, name0, agency0 = rng.choice(persons)
            person = (_typo(rng, nip0), rng.choice([name0, rng.choice(NAMES)]), agency0)
        else:
            person = (_nip(rng), rng.choice(NAMES), rng.choice(AGENCIES))
        persons.append(person)
        nip, name, agency = person
        for k in range(rng.choice((0, 1, 1, 2))):
            month = rng.randrange(1, 13)
            rid = f"B-{p * 3 + k}/JP.01/{month:02d}/2020" if rng.random() < 0.8 else \
                f"B-{p * 3 + k}/JP.01/{ROMAN[month - 1]}/2020"
            recs[rid] = rules.Recommendation(rid, nip, date(2020, month, rng.randrange(1, 28)), name, agency)
        for k in range(rng.choice((0, 1, 1, 2))):
            own = [r for r in recs.values() if r.nip == nip]
            base = rng.choice(own).issued_on if own else date(2020, rng.randrange(1, 13), 10)
            ref = None
            roll = rng.random()
            if own and roll < 0.3:
                ref = _typed(rng, rng.choice(own).recommendation_id)
            elif roll < 0.4 and recs:
                ref = _typed(rng, rng.choice(list(recs)))  # names someone else's letter
            spaced = f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
            nip_field = rng.choice([nip, nip, nip, _typo(rng, nip), None, spaced])
            sid = f"800/{p * 3 + k}/BKPSDM/2021"
            sans[sid] = rules.Sanction(sid, nip_field, base + timedelta(days=rng.randrange(-10, 1200)), ref,
                                       rng.choice([name, name, rng.choice(NAMES)]),
                                       rng.choice([agency, agency, rng.choice(AGENCIES)]), rng.choice(REASONS))
    return recs, sans, persons


def _change(rng: random.Random, recs: dict, sans: dict, persons: list, people: int):
    """The core after one incremental batch, and the `relink.Changes` a run would find."""
    new_recs, new_sans, _ = _core(rng, people, start=10_000)
    recs2, sans2 = dict(recs), dict(sans)
    recs2.update(new_recs)
    sans2.update(new_sans)
    changed_recs = {rid: None for rid in new_recs}
    changed_sans = {sid: None for sid in new_sans}
    # a sanction that takes the link of an existing recommendation: same NIP, decreed earlier than its own
    linked = [s for s in sans.values() if s.nip and any(r.nip == s.nip for r in recs.values())]
    if linked:
        s = rng.choice(linked)
        r = next(r for r in recs.values() if r.nip == s.nip)
        sid = "800/steal/BKPSDM/2021"
        sans2[sid] = rules.Sanction(sid, s.nip, r.issued_on + timedelta(days=1), None, s.name, s.agency, None)
        changed_sans[sid] = None
    for sid in rng.sample(sorted(sans), min(len(sans), rng.randrange(0, 4))):
        old = sans[sid]
        roll = rng.random()
        if roll < 0.25:
            new = replace(old, nip=rng.choice(persons)[0])  # another person's NIP
        elif roll < 0.45:
            new = replace(old, recommendation_ref=_typed(rng, rng.choice(list(recs2))) if recs2 else None)
        elif roll < 0.6:
            new = replace(old, decree_date=old.decree_date + timedelta(days=rng.randrange(-400, 400)))
        elif roll < 0.75:
            new = replace(old, reason=rng.choice(REASONS))
        elif roll < 0.9:
            new = replace(old, name=rng.choice(NAMES), agency=rng.choice(AGENCIES))
        else:
            new = replace(old, nip=None)
        sans2[sid] = new
        if new != old:
            changed_sans[sid] = old
    for rid in rng.sample(sorted(recs), min(len(recs), rng.randrange(0, 3))):
        old = recs[rid]
        roll = rng.random()
        if roll < 0.4:
            new = replace(old, issued_on=old.issued_on + timedelta(days=rng.randrange(-200, 200)))
        elif roll < 0.7:
            new = replace(old, name=rng.choice(NAMES))  # the report's subjects were corrected
        elif roll < 0.85:
            new = replace(old, agency=rng.choice(AGENCIES))
        else:
            new = replace(old, nip=rng.choice(persons)[0])
        recs2[rid] = new
        if new != old:
            changed_recs[rid] = old
    changes = relink.Changes([(recs2[rid], old) for rid, old in changed_recs.items()],
                             [(sans2[sid], old) for sid, old in changed_sans.items()])
    return recs2, sans2, changes


def _old(recs: dict, sans: dict, changes: relink.Changes) -> tuple[dict, dict]:
    """The core before the change: the new one less what is new, with the old inputs of what changed."""
    old_recs, old_sans = dict(recs), dict(sans)
    for r, old in changes.recommendations:
        if old is None:
            del old_recs[r.recommendation_id]
        else:
            old_recs[r.recommendation_id] = old
    for s, old_s in changes.sanctions:
        if old_s is None:
            del old_sans[s.sanction_id]
        else:
            old_sans[s.sanction_id] = old_s
    return old_recs, old_sans


def _same(recs: dict, sans: dict, previous: rules.LinkResult, changes: relink.Changes):
    store = MemoryStore(recs, sans, *_old(recs, sans, changes), previous)
    p = relink.plan(store, changes)
    links, review, out_of_scope = relink.apply(previous.links, previous.review, previous.out_of_scope, p)
    full = rules.reconcile_links(recs.values(), sans.values())
    assert links == full.links
    assert sorted(review, key=lambda i: (i.recommendation_id, i.sanction_id)) \
        == sorted(full.review, key=lambda i: (i.recommendation_id, i.sanction_id))
    assert sorted(out_of_scope) == full.out_of_scope
    return p, full


@pytest.mark.parametrize("seed", range(1000))
def test_incremental_links_equal_a_full_run_on_random_cores(seed):
    rng = random.Random(seed)
    recs, sans, persons = _core(rng, rng.randrange(5, 40))
    previous = rules.reconcile_links(recs.values(), sans.values())
    recs2, sans2, changes = _change(rng, recs, sans, persons, rng.randrange(0, 8))
    _same(recs2, sans2, previous, changes)


def test_the_random_cores_exercise_every_outcome():
    """The generator above is only a test if its cores have links of each method, review pairs, out-of-scope
    sanctions, and changes that move links.
    """
    seen = {"reference": 0, "nip": 0, "fuzzy": 0, "review": 0, "out_of_scope": 0, "moved": 0}
    for seed in range(300):
        rng = random.Random(seed)
        recs, sans, persons = _core(rng, rng.randrange(5, 40))
        previous = rules.reconcile_links(recs.values(), sans.values())
        recs2, sans2, changes = _change(rng, recs, sans, persons, rng.randrange(0, 8))
        full = rules.reconcile_links(recs2.values(), sans2.values())
        for ln in full.links.values():
            seen[ln.method] += 1
        seen["review"] += len(full.review)
        seen["out_of_scope"] += len(full.out_of_scope)
        seen["moved"] += sum(1 for rid, ln in previous.links.items()
                             if rid in full.links and full.links[rid].sanction_id != ln.sanction_id)
    assert all(n >= 20 for n in seen.values()), seen


def test_a_sanction_that_takes_an_existing_link_frees_the_other_recommendation_for_the_next_sanction():
    """One NIP, two recommendations, two sanctions: a third sanction decreed before both moves every link."""
    nip = "198204122005011003"
    r1 = rules.Recommendation("B-1/JP.01/01/2020", nip, date(2020, 1, 10), "Ahmad Yani", "Pemkot Surakarta")
    r2 = rules.Recommendation("B-2/JP.01/03/2020", nip, date(2020, 3, 10), "Ahmad Yani", "Pemkot Surakarta")
    s1 = rules.Sanction("800/1/2020", nip, date(2020, 6, 1), None, "Ahmad Yani", "Kota Surakarta")
    s2 = rules.Sanction("800/2/2020", nip, date(2020, 9, 1), None, "Ahmad Yani", "Kota Surakarta")
    recs, sans = {r.recommendation_id: r for r in (r1, r2)}, {s.sanction_id: s for s in (s1, s2)}
    previous = rules.reconcile_links(recs.values(), sans.values())
    assert {k: v.sanction_id for k, v in previous.links.items()} == {r1.recommendation_id: s1.sanction_id,
                                                                     r2.recommendation_id: s2.sanction_id}
    s0 = rules.Sanction("800/0/2020", nip, date(2020, 3, 20), None, "Ahmad Yani", "Kota Surakarta")
    sans[s0.sanction_id] = s0
    p, full = _same(recs, sans, previous, relink.Changes([], [(s0, None)]))
    assert {k: v.sanction_id for k, v in full.links.items()} == {r1.recommendation_id: s0.sanction_id,
                                                                 r2.recommendation_id: s1.sanction_id}
    assert p.group_sanctions == {s0.sanction_id, s1.sanction_id, s2.sanction_id}


def test_a_sanction_moved_to_another_nip_is_looked_up_where_it_was_too():
    """Its old NIP's recommendation loses the link and takes the next sanction of that NIP."""
    nip, other = "198204122005011003", "197001012000031001"
    r1 = rules.Recommendation("B-1/JP.01/01/2020", nip, date(2020, 1, 10))
    s1 = rules.Sanction("800/1/2020", nip, date(2020, 6, 1), None)
    s2 = rules.Sanction("800/2/2020", nip, date(2020, 9, 1), None)
    recs, sans = {r1.recommendation_id: r1}, {s.sanction_id: s for s in (s1, s2)}
    previous = rules.reconcile_links(recs.values(), sans.values())
    sans[s1.sanction_id] = replace(s1, nip=other)
    _, full = _same(recs, sans, previous, relink.Changes([], [(sans[s1.sanction_id], s1)]))
    assert full.links[r1.recommendation_id].sanction_id == s2.sanction_id


def test_a_review_pair_goes_when_a_new_sanction_links_its_recommendation():
    """Review-band pairs are recomputed with the fuzzy step: a pair whose recommendation is now linked by nip
    leaves the queue.
    """
    r = rules.Recommendation("B-1/JP.01/01/2020", "198204122005011003", date(2020, 1, 10), "Siti Aminah",
                             "Pemkot Surakarta")
    typo = rules.Sanction("800/1/2020", "198204122005011093", date(2020, 6, 1), None, "Sity Aminah",
                          "Kota Surakarta")  # one digit and one letter off: 0.885, the review band
    recs, sans = {r.recommendation_id: r}, {typo.sanction_id: typo}
    previous = rules.reconcile_links(recs.values(), sans.values())
    assert [(i.recommendation_id, i.sanction_id) for i in previous.review] == [(r.recommendation_id,
                                                                                 typo.sanction_id)]
    exact = rules.Sanction("800/2/2020", r.nip, date(2020, 7, 1), None, "Siti Aminah", "Kota Surakarta")
    sans[exact.sanction_id] = exact
    _, full = _same(recs, sans, previous, relink.Changes([], [(exact, None)]))
    assert full.review == [] and full.links[r.recommendation_id].method == "nip"


def test_a_reason_change_puts_a_sanction_out_of_scope_and_back():
    r = rules.Recommendation("B-1/JP.01/01/2020", "198204122005011003", date(2020, 1, 10))
    s = rules.Sanction("800/1/2020", r.nip, date(2020, 6, 1), None, reason="tidak netral")
    recs, sans = {r.recommendation_id: r}, {s.sanction_id: s}
    previous = rules.reconcile_links(recs.values(), sans.values())
    sans[s.sanction_id] = replace(s, reason="mangkir kerja")
    _, full = _same(recs, sans, previous, relink.Changes([], [(sans[s.sanction_id], s)]))
    assert full.out_of_scope == [s.sanction_id] and full.links == {}
    again = rules.reconcile_links(recs.values(), sans.values())
    out = sans[s.sanction_id]
    sans[s.sanction_id] = s
    _same(recs, sans, again, relink.Changes([], [(s, out)]))


def test_a_typed_reference_finds_its_recommendation_through_the_normalised_key():
    """The sanction names the letter with a Roman month and in lower case: found by its normalised key."""
    r = rules.Recommendation("B-47/KASN/01/2021", "198204122005011003", date(2021, 1, 10))
    other = rules.Sanction("800/9/2021", r.nip, date(2021, 2, 1), None)
    recs, sans = {r.recommendation_id: r}, {other.sanction_id: other}
    previous = rules.reconcile_links(recs.values(), sans.values())
    typed = rules.Sanction("800/1/2021", None, date(2021, 3, 1), "b-47 / kasn / I / 2021")
    sans[typed.sanction_id] = typed
    p, full = _same(recs, sans, previous, relink.Changes([], [(typed, None)]))
    assert full.links[r.recommendation_id].method == "reference"
    assert p.group_recommendations == {r.recommendation_id} and other.sanction_id in p.group_sanctions


def test_nothing_changed_keeps_everything():
    rng = random.Random(5)
    recs, sans, _ = _core(rng, 30)
    previous = rules.reconcile_links(recs.values(), sans.values())
    p, _ = _same(recs, sans, previous, relink.Changes([], []))
    assert p.group_recommendations == set() and p.group_sanctions == set()


def test_reference_keys_only_where_the_normalised_form_differs():
    r1 = rules.Recommendation("B-1/JP.01/01/2020", "1" * 18, date(2020, 1, 1))
    r2 = rules.Recommendation("b-2/jp.01/I/2020", "1" * 18, date(2020, 1, 1))
    s1 = rules.Sanction("S1", None, date(2020, 2, 1), "B-1/JP.01/01/2020")
    s2 = rules.Sanction("S2", None, date(2020, 2, 1), " b-1 / jp.01 / I / 2020")
    s3 = rules.Sanction("S3", None, date(2020, 2, 1), None)
    assert list(relink.reference_keys([r1, r2], [s1, s2, s3])) == [
        ("recommendation", "b-2/jp.01/I/2020", "B-2/JP.01/01/2020"), ("sanction", "S2", "B-1/JP.01/01/2020")]
