"""Season generator, step 1: the world as it really happened, drawn from the published shape (and calibrated)."""
from __future__ import annotations

import random
from datetime import date, timedelta

from netra.reconcile import rules
from netra.reconcile.rules import ROMAN_MONTHS as ROMAN
from netra.reference import ELECTIONS, regions
from producers.generate_calibrate import Calibration
from producers.generate_records import Asn, Case, DrawnSanction, Rec
from producers.generate_shape import (
    ALWAYS_INCLUDED_REGIONS,
    CATEGORY_SHARES,
    CATEGORY_TEXT,
    CLOSE_REASONS,
    DECREE_LAG_DAYS,
    DEGREES,
    DISCIPLINE_LEVEL,
    EFFECT_MONTHS,
    ETHICS_TRACK,
    FAMILY,
    FEMALE_FAMILY,
    FEMALE_GIVEN,
    JOB_SHARES,
    LEVEL_ORDER,
    LINK_WINDOW_DAYS,
    MALE_GIVEN,
    NOT_PROVEN_DECISIONS,
    P_CASE_PROVEN,
    P_CLOSED,
    P_FILED_BEFORE_CAMPAIGN,
    P_HEAVIER,
    P_LATE_WITHOUT_REF,
    P_LIGHTER,
    P_MORAL_ON_ETHICS_TRACK,
    P_NEUTRAL_REASON_MISSING,
    P_NEUTRAL_REASON_SIASN,
    P_NEVER_SANCTIONED,
    P_NIP_SPACED,
    P_PROVINCIAL_EMPLOYER,
    P_REF_NIP_MISSING,
    P_REVOKED,
    P_SUBJECT_NIP_UNKNOWN,
    P_SUBJECT_PROVEN,
    P_TEMUAN,
    P_UNRELATED_REASON_MISSING,
    PILKADA_2020_REGENCIES,
    POSITIONS,
    PP94_FROM,
    PRE_CAMPAIGN_DAYS,
    PROVINCE_WEIGHT,
    REVOKE_REASONS,
    SANCTION_CODES,
    SHARE_WITHOUT_REF,
    SUBJECTS_PER_CASE,
    UNRELATED_SANCTIONS_PER_RECOMMENDATION,
    CalibrationTargets,
    add_months,
    day_between,
    neutrality_reasons,
    other_offence_reasons,
    title_case,
    weighted,
)

# ------------------------------------------------------------------ the world


class World(Calibration):
    """The whole season as it really happened, before any event is written."""

    def __init__(self, rng: random.Random, election_id: str):
        self.rng = rng
        self.election = ELECTIONS[election_id]
        self.election_id = election_id
        self.pilkada = election_id.startswith("pilkada")
        self.cases: list[Case] = []
        self.recs: list[Rec] = []
        self.sanctions: list[DrawnSanction] = []  # linked and unrelated
        self._nips: set[str] = set()
        self._niks: set[str] = set()
        self._region_weights = self._pick_regions()

    # -- regions and people

    def _pick_regions(self) -> list[tuple[str, float]]:
        year = self.election.voting_day.year
        pool = [r for r in regions().values() if r.level == "regency"
                # the 2022 Papua provinces (93-96) have no codes before they existed
                and not (year < 2022 and int(r.province_code) >= 93)
                # Jakarta's kota/kabupaten are administrative: no regional election
                and not (self.pilkada and r.province_code == "31")]
        if self.election_id == "pilkada-2020":
            must = [r for r in pool if r.code in ALWAYS_INCLUDED_REGIONS]
            rest = [r for r in pool if r.code not in ALWAYS_INCLUDED_REGIONS]
            # weighted sample without replacement (Efraimidis-Spirakis keys)
            keyed = sorted(rest, key=lambda r: -self.rng.random() ** (1 / PROVINCE_WEIGHT.get(r.province_code, 1.0)))
            pool = must + keyed[: PILKADA_2020_REGENCIES - len(must)]
            pool.sort(key=lambda r: r.code)
        # uneven report intensity: some regions are hot spots
        return [(r.code, PROVINCE_WEIGHT.get(r.province_code, 1.0) * self.rng.lognormvariate(0, 0.7)) for r in pool]

    def _person_name(self, sex: int, degree: bool) -> str:
        rng = self.rng
        given = rng.choice(MALE_GIVEN if sex == 1 else FEMALE_GIVEN)
        family_pool = FAMILY + (FEMALE_FAMILY if sex == 2 else ())
        name = given if rng.random() < 0.12 else f"{given} {rng.choice(family_pool)}"
        if degree and rng.random() < 0.35:
            name += rng.choice(DEGREES)
        return name

    def _new_nip(self, sex: int, before: date) -> str:
        """Birth 1965-1995, CPNS start (YYYYMM) at age 19-35 and before `before`; unique."""
        rng = self.rng
        latest_start = before.year * 12 + before.month - 2  # month index, at least a month earlier
        while True:
            birth = day_between(rng, date(1965, 1, 1), date(1995, 12, 31))
            born = birth.year * 12 + birth.month - 1
            low, high = born + 19 * 12, min(born + 35 * 12, latest_start)
            if low > high:
                continue
            start = rng.randint(low, high)
            nip = f"{birth:%Y%m%d}{start // 12:04d}{start % 12 + 1:02d}{sex}{rng.randint(1, 999):03d}"
            if nip not in self._nips:
                self._nips.add(nip)
                return nip

    def _new_nik(self, region_code: str, sex: int) -> str:
        """PPKKCC + DDMMYY (+40 on DD for women) + 4-digit sequence (DOMAIN.md §3)."""
        rng = self.rng
        while True:
            birth = day_between(rng, date(1950, 1, 1), date(2002, 12, 31))
            dd = birth.day + (40 if sex == 2 else 0)
            nik = (f"{region_code.replace('.', '')}{rng.randint(1, 20):02d}"
                   f"{dd:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 3000):04d}")
            if nik not in self._niks:
                self._niks.add(nik)
                return nik

    def _agency(self, region_code: str) -> tuple[str, str]:
        """Employer of a reported ASN: mostly the kab/kota government, sometimes the province."""
        reg = regions()
        if self.rng.random() < P_PROVINCIAL_EMPLOYER:
            prov = reg[region_code[:2]]
            return f"Pemerintah Provinsi {title_case(prov.name)}", prov.code
        r = reg[region_code]
        return f"Pemerintah {'Kota' if r.kind == 'kota' else 'Kabupaten'} {title_case(r.name)}", r.code

    def _new_asn(self, region_code: str, filed_on: date, agency: tuple[str, str] | None = None) -> Asn:
        rng = self.rng
        sex = 1 if rng.random() < 0.68 else 2
        agency_name, employer = agency or self._agency(region_code)
        job = weighted(rng, JOB_SHARES)
        position = None if job == "unknown" else rng.choice(POSITIONS[job])
        return Asn(self._new_nip(sex, filed_on), self._person_name(sex, degree=True), sex,
                    agency_name, employer, position)

    # -- cases

    def _filed_on(self) -> date:
        e, rng = self.election, self.rng
        if rng.random() < P_FILED_BEFORE_CAMPAIGN:
            return day_between(rng, e.campaign_start - timedelta(days=PRE_CAMPAIGN_DAYS),
                                e.campaign_start - timedelta(days=1))
        return day_between(rng, e.campaign_start, e.voting_day + timedelta(days=3))

    def _category(self, filed_on: date) -> str:
        cat = weighted(self.rng, CATEGORY_SHARES)
        if cat == "V09":  # before or after candidates were set
            return "V09a" if filed_on < self.election.campaign_start else "V09b"
        return cat

    def _reporter(self, kind: str, region_code: str) -> dict:
        if kind == "temuan":  # the supervisors' own finding: no private reporter to protect
            return {"type": "supervisor", "nik": None, "name": None}
        sex = 1 if self.rng.random() < 0.6 else 2
        return {"type": weighted(self.rng, (("voter", 0.6), ("monitor", 0.25), ("participant", 0.15))),
                "nik": self._new_nik(region_code, sex), "name": self._person_name(sex, degree=False)}

    def _decide(self, subjects: list[Asn], filed_on: date) -> tuple[str, date, list[Asn]]:
        rng = self.rng
        # Pilkada: follow-up within 3 (+2) days; Pemilu: 7 (+14 working) days (DOMAIN.md §1.2)
        decided_on = filed_on + timedelta(days=rng.randint(2, 5) if self.pilkada else rng.randint(5, 20))
        if rng.random() >= P_CASE_PROVEN:
            return weighted(rng, NOT_PROVEN_DECISIONS), decided_on, []
        proven = [s for s in subjects if rng.random() < P_SUBJECT_PROVEN] or [rng.choice(subjects)]
        return "proven", decided_on, proven

    def _new_case(self, n_subjects: int) -> Case:
        rng = self.rng
        codes, weights = zip(*self._region_weights)
        region_code = rng.choices(codes, weights=weights)[0]
        filed_on = self._filed_on()
        kind = "temuan" if rng.random() < P_TEMUAN else "laporan"
        category = self._category(filed_on)
        first = self._new_asn(region_code, filed_on)
        # co-reported ASN usually work for the same government
        subjects = [first] + [self._new_asn(region_code, filed_on, (first.agency, first.employer_region)
                                            if rng.random() < 0.8 else None) for _ in range(n_subjects - 1)]
        nip_known = [kind == "temuan" or rng.random() >= P_SUBJECT_NIP_UNKNOWN for _ in subjects]
        summary = None if rng.random() < 0.3 else f"ASN diduga {CATEGORY_TEXT[category]}."
        decision, decided_on, proven = self._decide(subjects, filed_on)
        return Case(kind, region_code, filed_on, category, subjects, nip_known,
                     self._reporter(kind, region_code), summary, decision, decided_on, proven)

    # -- recommendations and sanctions

    def _recommended_level(self, category: str) -> str:
        if category in ETHICS_TRACK and self.rng.random() < P_MORAL_ON_ETHICS_TRACK:
            return "moral"
        return DISCIPLINE_LEVEL[category]

    def _code_for(self, level: str, on: date, category: str | None = None) -> int:
        if category == "V05" and level == "berat":
            return 11  # party membership: PTDH (UU 5/2014 Pasal 87(4)(c))
        current, legacy = SANCTION_CODES[level]
        return weighted(self.rng, current if on >= PP94_FROM else legacy)

    def _new_rec(self, case: Case, asn: Asn) -> Rec:
        rng = self.rng
        # KASN verification of Bawaslu's forwarding takes weeks
        issued_on = case.decided_on + timedelta(days=7 + min(150, int(rng.expovariate(1 / 25))))
        level = self._recommended_level(case.category)
        suggest = rng.random() < (0.85 if level == "moral" else 0.4)
        code = self._code_for(level, issued_on, case.category) if suggest else None
        nip_field = self._spaced(asn.nip) if rng.random() < P_NIP_SPACED else asn.nip
        return Rec(case, asn, level, code, issued_on, nip_field)

    @staticmethod
    def _spaced(nip: str) -> str:
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"

    @staticmethod
    def _sanction_source(asn: Asn, spreadsheet: bool) -> str:
        if not spreadsheet:
            return "bkn"  # read from SIASN
        return f"bkd:{asn.employer_region}" if "." not in asn.employer_region else f"bkpsdm:{asn.employer_region}"

    def _imposed_level(self, recommended: str) -> str:
        i, r = LEVEL_ORDER.index(recommended), self.rng.random()
        if r < P_LIGHTER and i > 0:
            return LEVEL_ORDER[i - 1]
        if r > 1 - P_HEAVIER and i < len(LEVEL_ORDER) - 1:
            return LEVEL_ORDER[i + 1]
        return recommended

    def _new_sanction(self, asn: Asn, level: str, decree: date, *, ref_allowed: bool, unrelated: bool,
                      category: str | None = None) -> DrawnSanction:
        rng = self.rng
        code = self._code_for(level, decree, category)
        months = EFFECT_MONTHS.get(code)
        effective_from = decree + timedelta(days=rng.randint(0, 14))
        effective_to = add_months(effective_from, months) - timedelta(days=1) if months else None
        spreadsheet = unrelated or not ref_allowed or rng.random() < 0.5
        if ref_allowed:
            nip_field = None if rng.random() < P_REF_NIP_MISSING else asn.nip
        else:
            nip_field = asn.nip  # without a reference the NIP is what links it
        if nip_field and rng.random() < P_NIP_SPACED:
            nip_field = self._spaced(nip_field)
        # spreadsheet exports often shout
        name = asn.name.upper() if spreadsheet and rng.random() < 0.3 else asn.name
        r = rng.random()
        if unrelated:  # another offence, in SIASN wording, unless the export had no reason column
            reason = None if r < P_UNRELATED_REASON_MISSING else rng.choice(other_offence_reasons())
        elif r < P_NEUTRAL_REASON_MISSING:
            reason = None
        elif r < P_NEUTRAL_REASON_MISSING + P_NEUTRAL_REASON_SIASN:
            reason = rng.choice(neutrality_reasons())
        else:
            reason = f"Pelanggaran netralitas ASN pada {self._election_label()}"
        return DrawnSanction(asn, code, decree, effective_from, effective_to, None, nip_field, name,
                             self._sanction_source(asn, spreadsheet), reason)

    def _election_label(self) -> str:
        kind, year = self.election_id.split("-")
        return f"{'Pilkada' if kind == 'pilkada' else 'Pemilu'} {year}"

    def _follow_up(self, rec: Rec, p_without_ref: float) -> None:
        """Decide what happened to a recommendation: closed, nothing, or a sanction (maybe revoked)."""
        rng = self.rng
        r = rng.random()
        if r < P_CLOSED:
            rec.closed_on = rec.issued_on + timedelta(days=rng.randint(14, 240))
            rec.close_reason = weighted(rng, CLOSE_REASONS)
            return
        if r < P_CLOSED + P_NEVER_SANCTIONED:
            return
        decree = rec.issued_on + timedelta(days=self._decree_lag())
        s = self._sanction_for(rec, decree, p_without_ref)
        if rng.random() < P_REVOKED:
            s.revoked_on = decree + timedelta(days=rng.randint(30, 400))
            s.revoke_reason = rng.choice(REVOKE_REASONS)

    def _decree_lag(self) -> int:
        _, low, high = self.rng.choices(DECREE_LAG_DAYS, weights=[w for w, _, _ in DECREE_LAG_DAYS])[0]
        return self.rng.randint(low, high)

    def _sanction_for(self, rec: Rec, decree: date, p_without_ref: float) -> DrawnSanction:
        """The sanction a PPK decreed on `rec` on `decree`; attached to `rec` and the world."""
        lag = (decree - rec.issued_on).days
        # a decree before the letter cannot cite it; past the link window only the reference links;
        # one to three years late it usually has none (the NIP step links it)
        if lag < 0:
            with_ref = False
        elif lag > LINK_WINDOW_DAYS:
            with_ref = True
        elif lag > 365:
            with_ref = self.rng.random() >= P_LATE_WITHOUT_REF
        else:
            with_ref = self.rng.random() >= p_without_ref
        s = self._new_sanction(rec.asn, self._imposed_level(rec.level), decree, ref_allowed=with_ref,
                               unrelated=False, category=rec.case.category)
        s.recommendation_ref = "" if with_ref else None  # filled in once ids exist
        rec.sanction = s
        self.sanctions.append(s)
        return s

    def _unrelated_sanctions(self, n: int) -> None:
        rng = self.rng
        codes, weights = zip(*self._region_weights)
        e = self.election
        for _ in range(n):
            region_code = rng.choices(codes, weights=weights)[0]
            decree = day_between(rng, e.campaign_start - timedelta(days=PRE_CAMPAIGN_DAYS),
                                  e.voting_day + timedelta(days=1200))
            asn = self._new_asn(region_code, decree)
            level = weighted(rng, (("ringan", 0.5), ("sedang", 0.4), ("berat", 0.1)))
            self.sanctions.append(self._new_sanction(asn, level, decree, ref_allowed=False, unrelated=True))

    # -- ids

    def _assign_ids(self) -> None:
        rng = self.rng
        # Bawaslu register numbers, per region and year in filing order (format UNCONFIRMED, opaque)
        counters: dict[tuple, int] = {}
        for case in sorted(self.cases, key=lambda c: c.filed_on):
            key = (case.region_code, case.filed_on.year)
            counters[key] = counters.get(key, 0) + 1
            kind = "Kota" if regions()[case.region_code].kind == "kota" else "Kab"
            case.report_id = (f"{counters[key]:03d}/Reg/{'LP' if case.kind == 'laporan' else 'TM'}/"
                              f"{'PB' if self.pilkada else 'PL'}/{kind}/{case.region_code}/"
                              f"{ROMAN[case.filed_on.month - 1]}/{case.filed_on.year}")
        # letter numbers: gaps because the issuer sends other letters too
        letters: dict[tuple, int] = {}
        for rec in sorted(self.recs, key=lambda r: r.issued_on):
            key = (rec.issuer, rec.issued_on.year)
            letters[key] = letters.get(key, rng.randint(100, 900)) + rng.randint(1, 6)
            n, d = letters[key], rec.issued_on
            rec.recommendation_id = (f"B-{n}/JP.01/{d.month:02d}/{d.year}" if rec.issuer == "kasn"
                                     else f"{n}/B-AK.02.02/SD/F/{d.year}")
            if rec.sanction is not None and rec.sanction.recommendation_ref == "":
                rec.sanction.recommendation_ref = rec.recommendation_id
        # SK numbers (no national standard, DOMAIN.md §3): per employer and year
        decrees: dict[tuple, int] = {}
        for s in sorted(self.sanctions, key=lambda s: s.decree_date):
            key = (s.asn.employer_region, s.decree_date.year)
            decrees[key] = decrees.get(key, 0) + rng.randint(1, 40)
            office = "BKD" if "." not in s.asn.employer_region else "BKPSDM"
            s.sanction_id = f"800/{decrees[key]}/{office}.{s.asn.employer_region}/{s.decree_date.year}"

    # -- build

    def build(self, reported_asn: int, targets: CalibrationTargets | None = None) -> None:
        """Draw cases until `reported_asn` subject entries exist, then everything that follows them.

        With `targets`, the proven count and the sanctioned counts on the target days are made exact.
        Without, the random draws are exactly those of the uncalibrated generator.
        """
        total = 0
        while total < reported_asn:
            n = min(weighted(self.rng, SUBJECTS_PER_CASE), reported_asn - total)
            self.cases.append(self._new_case(n))
            total += n
        if targets is not None:
            self._calibrate_proven(targets.proven_asn)
        for case in self.cases:
            for asn in case.proven:
                self.recs.append(self._new_rec(case, asn))
        # share of the NIP-window-eligible sanctions that must lack a reference to reach SHARE_WITHOUT_REF
        eligible = sum(w for w, low, high in DECREE_LAG_DAYS if high <= 365 and low >= 0)
        forced = sum(w for w, low, high in DECREE_LAG_DAYS if low < 0)
        p_without_ref = max(0.0, (SHARE_WITHOUT_REF - forced) / eligible)
        if targets is None:
            for rec in self.recs:
                self._follow_up(rec, p_without_ref)
        else:
            self._follow_up_calibrated(p_without_ref, targets.sanctioned_as_of)
        self._unrelated_sanctions(round(len(self.recs) * UNRELATED_SANCTIONS_PER_RECOMMENDATION))
        self._assign_ids()



def visible_link(rec: Rec, as_of: date) -> tuple[DrawnSanction | None, str | None]:
    """The sanction the §6 ladder links to `rec` when everything up to `as_of` is known."""
    s = rec.sanction
    if s is None or s.decree_date > as_of:
        return None, None
    return s, ("reference" if s.recommendation_ref else "fuzzy" if s.fuzzy else "nip")


def status_on(rec: Rec, d: date, sla_days: int) -> str:
    """DESIGN.md §6 status of a recommendation as of day `d`: the pure rule (netra.reconcile.rules.status,
    the specification of the SQL status function) applied to what the world knows by construction.
    """
    s, _ = visible_link(rec, d)
    return rules.status(issued_on=rec.issued_on, as_of=d, sla_days=sla_days,
                        decree_date=s.decree_date if s else None, revoked_on=s.revoked_on if s else None,
                        closed_on=rec.closed_on)
