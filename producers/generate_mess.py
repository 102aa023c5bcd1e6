"""Season generator, the mess of real records: what BKPSDM/SIASN exports look like (always), and the
fuzzy mess (fuzzy_rate > 0): NIP typos, missing NIPs, look-alike colleagues.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from rapidfuzz import fuzz

from netra.reconcile import rules
from netra.reconcile.rules import ROMAN_MONTHS as ROMAN
from producers.generate_records import Asn, DrawnSanction, Rec
from producers.generate_shape import (
    BEYOND_WINDOW_DAYS,
    COLLEAGUE_NAME_LESS_SIMILAR,
    COLLEAGUE_NAME_SIMILAR,
    COLLEAGUE_NIP_POSITIONS,
    DEGREES,
    FAMILY,
    FEMALE_FAMILY,
    FEMALE_GIVEN,
    FUZZY_ATTEMPTS,
    FUZZY_MISSING_SHARE,
    FUZZY_TRANSPOSITION_SHARE,
    FUZZY_TYPO_SHARE,
    LINK_WINDOW_DAYS,
    MALE_GIVEN,
    P_BEYOND_WINDOW,
    P_COLLEAGUE_TWO_EDITS,
    P_OTHER_OFFENCE_OF_PROVEN,
    P_REF_TYPED,
    P_TYPED_LOWER,
    P_TYPED_ROMAN,
    P_TYPED_SPACED,
    SPELLING_VARIANTS,
    day_between,
    other_offence_reasons,
    weighted,
)
from producers.generate_world import World, status_on

# ------------------------------------------------------------------ fuzzy mess (fuzzy_rate > 0)


def nip_plausible(nip: str, by: date) -> bool:
    """What the validator checks of a NIP, with `by` (the decree date) as "today": a real birth date
    from 1940 on, a CPNS start (TMT) that is a real month, not later than `by` and at least 18 years
    after the birth month, and sex digit 1 or 2.
    """
    if len(nip) != 18 or not nip.isdigit() or nip[14] not in "12":
        return False
    try:
        birth = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return False
    start_year, start_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= start_month <= 12:
        return False
    start = start_year * 12 + start_month - 1
    return (date(1940, 1, 1) <= birth <= by
            and birth.year * 12 + birth.month - 1 + 18 * 12 <= start <= by.year * 12 + by.month - 1)


def _respelled(word: str) -> set[str]:
    """`word` with one SPELLING_VARIANTS change; none for short words ("I Made", "La Ode")."""
    out: set[str] = set()
    if len(word) < 3:
        return out
    for a, b, where in SPELLING_VARIANTS:
        starts = {"start": [0], "end": [len(word) - len(a)]}.get(where, range(len(word)))
        out |= {word[:i] + b + word[i + len(a):] for i in starts if i >= 0 and word.startswith(a, i)}
    return out - {word}


def rule_sanction(s: DrawnSanction, nip_field: str | None) -> rules.Sanction:
    """`s` as the link ladder sees it (no reference: only those reach the fuzzy step), with `nip_field`."""
    return rules.Sanction(s.sanction_id, nip_field.replace(" ", "") if nip_field else None, s.decree_date, None,
                          s.name_field, s.asn.agency, s.reason)


def number_sanctions(world: World, new: list[DrawnSanction]) -> None:
    """SK numbers for sanctions added after the world was built: unused in their employer's year, after
    the ones before them, so the numbers the world already gave stay.
    """
    numbered: dict[tuple, list[tuple[date, int]]] = {}
    for s in world.sanctions:
        if s.sanction_id:
            numbered.setdefault((s.asn.employer_region, s.decree_date.year), []).append(
                (s.decree_date, int(s.sanction_id.split("/")[1])))
    for s in sorted(new, key=lambda s: s.decree_date):
        key = (s.asn.employer_region, s.decree_date.year)
        taken = numbered.setdefault(key, [])
        used = {n for _, n in taken}
        n = max((n for d, n in taken if d <= s.decree_date), default=0) + 1
        while n in used:
            n += 1
        taken.append((s.decree_date, n))
        office = "BKD" if "." not in s.asn.employer_region else "BKPSDM"
        s.sanction_id = f"800/{n}/{office}.{s.asn.employer_region}/{s.decree_date.year}"


def typed_reference(rid: str, rng: random.Random) -> str:
    """A letter number as a BKPSDM clerk types it: maybe lower case, spaces around "/", a Roman month.
    Always the same letter after rules.normalise_reference, and never byte-identical to `rid`.
    """
    parts = rid.split("/")
    if rng.random() < P_TYPED_ROMAN:
        parts = [ROMAN[int(p) - 1] if len(p) == 2 and p.isdigit() and 1 <= int(p) <= 12 else p for p in parts]
    typed = (" / " if rng.random() < P_TYPED_SPACED else "/").join(parts)
    if rng.random() < P_TYPED_LOWER or typed == rid:
        typed = typed.lower()
    assert rules.normalise_reference(typed) == rules.normalise_reference(rid), (rid, typed)
    return typed


class RecordMess:
    """What real exports hold besides the tidy sanction per recommendation (module docstring, step 7).

    - references typed by hand (lower case, spaces, Roman months): still linked by `reference`;
    - for a share of recommended ASN, a sanction for another offence (SIASN wording, never null)
      inside their link window and without reference: out of scope, links nothing;
    - for a share of never-sanctioned recommendations, a neutrality sanction decreed only after the
      window, without reference: the ASN was sanctioned too late to count; it links nothing and is
      an unlinked sanction.

    Late sanctions without reference inside the window come from the world itself (P_LATE_WITHOUT_REF).
    Its own random stream; the new sanctions are appended after the world's, so those keep their ids.
    """

    def __init__(self, world: World, rng: random.Random):
        self.world, self.rng = world, rng
        self.added: list[DrawnSanction] = []

    def apply(self) -> None:
        """Make the changes (module docstring, step 7) and number the new sanctions."""
        world, rng = self.world, self.rng
        for rec in world.recs:
            s = rec.sanction
            if s is not None and s.recommendation_ref and rng.random() < P_REF_TYPED:
                s.recommendation_ref = typed_reference(s.recommendation_ref, rng)
        for rec in world.recs:
            if rng.random() < P_OTHER_OFFENCE_OF_PROVEN:
                low = rec.issued_on - rules.NIP_WINDOW_BEFORE
                decree = day_between(rng, low, rec.issued_on + timedelta(days=LINK_WINDOW_DAYS))
                s = self._sanction(rec.asn, weighted(rng, (("ringan", 0.6), ("sedang", 0.35), ("berat", 0.05))),
                                   decree)
                s.reason = rng.choice(other_offence_reasons())  # present: that is what puts it out of scope
                s.other_offence_of = rec
        for rec in world.recs:
            if rec.sanction is None and rec.closed_on is None and rng.random() < P_BEYOND_WINDOW:
                late = LINK_WINDOW_DAYS + rng.randint(*BEYOND_WINDOW_DAYS)
                s = self._sanction(rec.asn, rec.level, rec.issued_on + timedelta(days=late))
                s.beyond_window_of = rec
        number_sanctions(world, self.added)

    def _sanction(self, asn: Asn, level: str, decree: date) -> DrawnSanction:
        world = self.world
        main, world.rng = world.rng, self.rng  # draw the sanction's details from this stream
        try:
            s = world._new_sanction(asn, level, decree, ref_allowed=False, unrelated=False)
        finally:
            world.rng = main
        world.sanctions.append(s)
        self.added.append(s)
        return s


class FuzzyMess:
    """NIP typos, missing NIPs and look-alike colleagues (module docstring, step 6).

    Every change is checked with `rules.fuzzy_score` against the whole season, not only what is
    visible as of `as_of`, so it also holds for any earlier cut: the intended pair must score in
    its band, and neither side may come within FUZZY_REVIEW of any other recommendation (with a
    name in its report) or of any other sanction without a reference in the same place. A change
    that fails the check is not made (the sanction keeps linking by `nip`).
    """

    ACCEPT = (rules.FUZZY_ACCEPT, float("inf"))
    REVIEW = (rules.FUZZY_REVIEW, rules.FUZZY_ACCEPT)

    def __init__(self, world: World, rng: random.Random, as_of: date, sla_days: int):
        self.world, self.rng, self.as_of, self.sla_days = world, rng, as_of, sla_days
        self.inputs: dict[int, rules.Recommendation] = {}  # id(rec) -> the ladder's view of it
        self.recs_at: dict[str, list[Rec]] = {}  # by normalised place, recommendations with a name
        self.sans_at: dict[str, list[DrawnSanction]] = {}  # by normalised place, sanctions without a reference
        self.colleagues: list[DrawnSanction] = []
        self._pools: dict[int, list[tuple[str, str]]] = {}
        for rec in world.recs:
            rr = rules.Recommendation(rec.recommendation_id, rec.asn.nip, rec.issued_on, self._report_name(rec),
                                      rec.asn.agency)
            self.inputs[id(rec)] = rr
            if rr.name is not None:
                self.recs_at.setdefault(self._place(rec.asn.agency), []).append(rec)
        for s in world.sanctions:
            if s.recommendation_ref is None and rules.in_scope(s.reason):  # out of scope: never a fuzzy candidate
                self.sans_at.setdefault(self._place(s.asn.agency), []).append(s)

    @staticmethod
    def _place(agency: str) -> str:
        return rules.normalise_agency(agency)[1]

    @staticmethod
    def _report_name(rec: Rec) -> str | None:
        """The name the ladder knows for `rec`: its subject's, if the report gave the subject's NIP."""
        return next((a.name if known else None for a, known in zip(rec.case.subjects, rec.case.nip_known)
                     if a is rec.asn), None)

    def apply(self, rate: float) -> None:
        """Garble NIPs of NIP-linked sanctions and add look-alike colleagues, each with probability `rate`."""
        rng = self.rng
        for rec in self.world.recs:
            s = rec.sanction
            if s is None or s.recommendation_ref is not None or rng.random() >= rate:
                continue
            kind = rng.random()
            if kind < FUZZY_TYPO_SHARE:
                self._typo(rec, s)
            elif kind < FUZZY_TYPO_SHARE + FUZZY_MISSING_SHARE:
                self._drop_nip(rec, s)
        for rec in self.world.recs:
            if (rec.sanction is None and rec.issued_on <= self.as_of
                    and status_on(rec, self.as_of, self.sla_days) in ("overdue", "closed") and rng.random() < rate):
                self._colleague(rec)
        number_sanctions(self.world, self.colleagues)

    # -- checks

    def _clear(self, rec: Rec, cand: rules.Sanction, band: tuple[float, float], replaces: DrawnSanction | None) -> bool:
        """(rec, cand) scores in `band`, and neither has another fuzzy pair >= FUZZY_REVIEW."""
        rr = self.inputs[id(rec)]
        scored = rules.fuzzy_score(rr, cand)
        if scored is None or not band[0] <= scored[0] < band[1]:
            return False
        place = self._place(rec.asn.agency)  # a different agency caps a score below review
        for other in self.recs_at.get(place, ()):
            if other is not rec and self._close(self.inputs[id(other)], cand):
                return False
        for s in self.sans_at.get(place, ()):
            if s is not replaces and self._close(rr, rule_sanction(s, s.nip_field)):
                return False
        return True

    @staticmethod
    def _close(r: rules.Recommendation, s: rules.Sanction) -> bool:
        scored = rules.fuzzy_score(r, s)
        return scored is not None and scored[0] >= rules.FUZZY_REVIEW

    # -- garbled NIPs of NIP-linked sanctions

    def _typo(self, rec: Rec, s: DrawnSanction) -> None:
        if self.inputs[id(rec)].name is None:
            return
        rng, nip = self.rng, rec.asn.nip
        for _ in range(FUZZY_ATTEMPTS):
            digits = list(nip)
            if rng.random() < FUZZY_TRANSPOSITION_SHARE:
                i = rng.randrange(len(nip) - 1)
                digits[i], digits[i + 1] = digits[i + 1], digits[i]
            else:
                i = rng.randrange(len(nip))
                digits[i] = rng.choice([d for d in "0123456789" if d != nip[i]])
            typo = "".join(digits)
            if typo in self.world._nips or not nip_plausible(typo, s.decree_date):
                continue  # unchanged (equal digits swapped), someone else's NIP, or one the validator rejects
            field = World._spaced(typo) if s.nip_field and " " in s.nip_field else typo
            if self._clear(rec, rule_sanction(s, field), self.ACCEPT, s):
                self.world._nips.add(typo)
                s.nip_field, s.fuzzy = field, True
                return

    def _drop_nip(self, rec: Rec, s: DrawnSanction) -> None:
        if self.inputs[id(rec)].name is not None and self._clear(rec, rule_sanction(s, None), self.ACCEPT, s):
            s.nip_field, s.fuzzy = None, True

    # -- look-alike colleagues

    def _colleague(self, rec: Rec) -> None:
        if self.inputs[id(rec)].name is None:
            return
        world, rng = self.world, self.rng
        low = rec.issued_on - rules.NIP_WINDOW_BEFORE
        high = min(rec.issued_on + timedelta(days=LINK_WINDOW_DAYS), self.as_of)
        for _ in range(FUZZY_ATTEMPTS):
            two_edits = rng.random() < P_COLLEAGUE_TWO_EDITS
            name = self._look_alike(rec.asn, COLLEAGUE_NAME_SIMILAR if two_edits else COLLEAGUE_NAME_LESS_SIMILAR)
            decree = day_between(rng, low, high)
            nip = self._near_nip(rec.asn.nip, 2 if two_edits else 1, decree)
            if name is None or nip is None:
                continue
            asn = Asn(nip, name, rec.asn.sex, rec.asn.agency, rec.asn.employer_region, None)
            level = weighted(rng, (("ringan", 0.5), ("sedang", 0.4), ("berat", 0.1)))
            main, world.rng = world.rng, rng  # draw the sanction's details from this stream
            try:
                s = world._new_sanction(asn, level, decree, ref_allowed=False, unrelated=True)
            finally:
                world.rng = main
            s.reason = None  # an export without the reason column: in scope, so the fuzzy step sees it
            if self._clear(rec, rule_sanction(s, s.nip_field), self.REVIEW, None):
                world._nips.add(nip)
                s.review_of = rec
                world.sanctions.append(s)  # emitted after all others: their event ids stay
                self.sans_at.setdefault(self._place(asn.agency), []).append(s)
                self.colleagues.append(s)
                return

    def _near_nip(self, nip: str, edits: int, by: date) -> str | None:
        """A new, plausible NIP `edits` substitutions away in the birth month/day or sequence digits."""
        rng = self.rng
        want = "nip.two_edits" if edits == 2 else "nip.one_substitution"
        for _ in range(FUZZY_ATTEMPTS):
            digits = list(nip)
            for i in rng.sample(COLLEAGUE_NIP_POSITIONS, edits):
                digits[i] = rng.choice([d for d in "0123456789" if d != nip[i]])
            near = "".join(digits)
            if (rules.nip_difference(nip, near) == want and near[15:] != "000" and near not in self.world._nips
                    and nip_plausible(near, by)):
                return near
        return None

    def _look_alike(self, asn: Asn, band: tuple[float, float]) -> str | None:
        """Another name whose normalised form is `band` similar to `asn`'s: a spelling variant
        (one or two changes) or a name from the same pools; maybe with a degree.
        """
        base = asn.name.partition(",")[0]
        target = rules.normalise_name(base)
        words = base.lower().split()
        changes = [(k, w) for k, word in enumerate(words) for w in _respelled(word)]
        variants = set()
        for k, w in changes:  # one change, or one in each of two words
            variants.add(tuple(words[:k] + [w] + words[k + 1:]))
            variants |= {tuple(w if i == k else w2 if i == k2 else x for i, x in enumerate(words))
                         for k2, w2 in changes if k2 > k}
        spelled = [" ".join(w.capitalize() for w in v) for v in sorted(variants)]
        names = []
        for name, normal in [(n, rules.normalise_name(n)) for n in spelled] + self._pool(asn.sex):
            if normal and normal != target and band[0] <= fuzz.token_sort_ratio(target, normal) / 100 <= band[1]:
                names.append(name)
        if not names:
            return None
        name = self.rng.choice(sorted(set(names)))
        return name + self.rng.choice(DEGREES) if self.rng.random() < 0.35 else name

    def _pool(self, sex: int) -> list[tuple[str, str]]:
        """Every name `_person_name` can give (without degree), with its normalised form."""
        if sex not in self._pools:
            given = MALE_GIVEN if sex == 1 else FEMALE_GIVEN
            family = FAMILY + (FEMALE_FAMILY if sex == 2 else ())
            names = list(given) + [f"{g} {f}" for g in given for f in family]
            self._pools[sex] = [(n, rules.normalise_name(n)) for n in names]
        return self._pools[sex]
