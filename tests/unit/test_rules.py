"""Link ladder, one-to-one assignment, status as of a day, severity (DESIGN.md §6).

Long because: one file per unit under test, netra/reconcile/rules.py, the pure reconciliation
rules; its sections follow DESIGN.md §6 in order and share the same small builders (rec, san).
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from netra.reconcile.rules import (
    FUZZY_ACCEPT,
    FUZZY_REVIEW,
    Recommendation,
    ReviewItem,
    Sanction,
    _fuzzy_candidates,
    fuzzy_score,
    in_scope,
    link,
    nip_difference,
    normalise_agency,
    normalise_name,
    normalise_reference,
    reconcile_links,
    severity,
    status,
)

D = date(2021, 3, 1)
NIP_A = "198609262015051001"
NIP_B = "199001012015052003"


def rec(rid, nip=NIP_A, issued=D):
    return Recommendation(rid, nip, issued)


def san(sid, nip=NIP_A, decree=D + timedelta(days=30), ref=None, reason=None):
    return Sanction(sid, nip, decree, ref, reason=reason)


def test_reference_wins_over_nip():
    links = link([rec("R1"), rec("R2", nip=NIP_B)], [san("S1", nip=NIP_B, ref="R1")])
    assert links["R1"].sanction_id == "S1" and links["R1"].method == "reference"
    assert "R2" not in links  # S1 is used: one sanction, one recommendation


def test_nip_link_uses_the_window_and_the_earliest_sanction():
    links = link([rec("R1")], [san("S-late", decree=D + timedelta(days=200)),
                               san("S-early", decree=D + timedelta(days=10))])
    assert links["R1"].sanction_id == "S-early" and links["R1"].method == "nip"


@pytest.mark.parametrize(("offset", "linked"), [(-8, False), (-7, True), (365, True), (366, True), (1095, True),
                                                (1096, False)])
def test_nip_window_bounds(offset, linked):
    links = link([rec("R1")], [san("S1", decree=D + timedelta(days=offset))])
    assert ("R1" in links) is linked


@pytest.mark.parametrize(("window", "offset", "linked"), [(365, 365, True), (365, 366, False), (30, 31, False)])
def test_nip_window_follows_the_setting(window, offset, linked):
    links = link([rec("R1")], [san("S1", decree=D + timedelta(days=offset))], window_days=window)
    assert ("R1" in links) is linked


def test_a_sanction_beyond_the_window_without_reference_is_unlinked_but_its_reference_still_links():
    late = D + timedelta(days=1096)
    result = reconcile_links([rec("R1")], [san("S1", decree=late)])
    assert result.links == {} and result.unlinked_sanctions == ["S1"]
    assert link([rec("R1")], [san("S1", decree=late, ref="r1")])["R1"].method == "reference"


def test_two_recommendations_for_one_asn_get_one_sanction_each():
    recs = [rec("R-2020", issued=D), rec("R-2021", issued=D + timedelta(days=100))]
    sans = [san("S1", decree=D + timedelta(days=20)), san("S2", decree=D + timedelta(days=120))]
    links = link(recs, sans)
    assert links["R-2020"].sanction_id == "S1" and links["R-2021"].sanction_id == "S2"


def test_linking_is_independent_of_input_order():
    recs = [rec(f"R{i}", issued=D + timedelta(days=i)) for i in range(5)]
    sans = [san(f"S{i}", decree=D + timedelta(days=3 * i)) for i in range(5)]
    assert link(recs, sans) == link(list(reversed(recs)), list(reversed(sans)))


def test_reference_to_unknown_recommendation_falls_back_to_nip():
    links = link([rec("R1")], [san("S1", ref="NOT-A-REC")])
    assert links["R1"].method == "nip"


def test_sanction_without_nip_and_reference_stays_unlinked():
    assert link([rec("R1")], [san("S1", nip=None)]) == {}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(decree_date=D + timedelta(days=10)), "sanctioned"),
        (dict(decree_date=D + timedelta(days=10), revoked_on=D + timedelta(days=40)), "revoked"),
        (dict(decree_date=D + timedelta(days=10), revoked_on=D + timedelta(days=400)), "sanctioned"),
        (dict(decree_date=D + timedelta(days=100)), "overdue"),  # decree after as_of does not count yet
        (dict(closed_on=D + timedelta(days=5)), "closed"),
        (dict(), "overdue"),
        (dict(closed_on=D + timedelta(days=5), decree_date=D + timedelta(days=3)), "sanctioned"),
    ],
)
def test_status_as_of(kwargs, expected):
    assert status(issued_on=D, as_of=D + timedelta(days=60), sla_days=30, **kwargs) == expected


def test_pending_until_the_sla_has_passed():
    assert status(issued_on=D, as_of=D + timedelta(days=30), sla_days=30) == "pending"
    assert status(issued_on=D, as_of=D + timedelta(days=31), sla_days=30) == "overdue"


@pytest.mark.parametrize(
    ("recommended", "imposed", "expected"),
    [("sedang", "sedang", "as_recommended"), ("berat", "moral", "lighter"), ("ringan", "sedang", "heavier"),
     ("sedang", None, None)],
)
def test_severity(recommended, imposed, expected):
    assert severity(recommended, imposed) == expected


# --- fuzzy step, review band, one-to-one assignment ------------------------------------------

NAME = "AHMAD YANI"
AGENCY = "Pemerintah Kota Surakarta"
NIP_TYPO = "198609262015051007"  # NIP_A with the last digit wrong
NIP_SWAP = "198609262015501001"  # NIP_A with "05" -> "50"
NIP_OTHER_BIRTH = "198609152015051001"  # NIP_A born on the 15th instead of the 26th: two digits differ
LEGACY_LEVEL = {7: "sedang", 4: "sedang", 9: "berat"}  # as ref.sanction_types maps PP 53/2010 codes


def frec(rid, nip=NIP_A, issued=D, name=NAME, agency=AGENCY):
    return Recommendation(rid, nip, issued, name, agency)


def fsan(sid, nip=NIP_TYPO, decree=D + timedelta(days=30), ref=None, name="Drs. H. Ahmad Yani, M.Si.",
         agency="BKPSDM Kota Surakarta"):
    return Sanction(sid, nip, decree, ref, name, agency)


def test_new_fields_are_optional_and_positional_order_is_kept():
    r, s = Recommendation("R1", NIP_A, D), Sanction("S1", NIP_A, D, None)
    assert (r.name, r.agency, s.name, s.agency) == (None, None, None, None)


def test_link_is_reconcile_links_links():
    recs, sans = [frec("R1"), frec("R2", nip=NIP_B)], [fsan("S1"), fsan("S2", nip=NIP_B)]
    assert link(recs, sans) == reconcile_links(recs, sans).links


@pytest.mark.parametrize(("sanction_nip", "reason"), [
    (NIP_TYPO, "nip.one_substitution"),
    (NIP_SWAP, "nip.transposition"),
    ("198609262015051011", "nip.one_substitution"),
    (None, "nip.missing"),
    ("", "nip.missing"),
    ("123456789", "nip.malformed"),  # pre-2007 9-digit NIP
])
def test_fuzzy_accepts_one_discrepancy_with_exact_name_and_same_agency(sanction_nip, reason):
    result = reconcile_links([frec("R1")], [fsan("S1", nip=sanction_nip)])
    ln = result.links["R1"]
    assert (ln.sanction_id, ln.method) == ("S1", "fuzzy") and ln.score >= FUZZY_ACCEPT
    assert result.review == [] and result.unlinked_sanctions == []
    assert fuzzy_score(frec("R1"), fsan("S1", nip=sanction_nip)) == (ln.score, (reason, "name.same", "agency.same"))


def test_fuzzy_score_values_pin_the_weights():
    assert fuzzy_score(frec("R1"), fsan("S1")) == (0.93, ("nip.one_substitution", "name.same", "agency.same"))
    assert fuzzy_score(frec("R1"), fsan("S1", nip=None)) == (0.912, ("nip.missing", "name.same", "agency.same"))
    assert fuzzy_score(frec("R1"), fsan("S1", nip=NIP_OTHER_BIRTH))[0] == 0.825  # two edits: review even if exact
    assert fuzzy_score(frec("R1"), fsan("S1", agency=None))[0] == 0.78  # unknown agency: review at most


def test_nip_that_differs_only_in_formatting_is_a_strong_fuzzy_match():
    links = link([frec("R1")], [fsan("S1", nip="19860926 201505 1 001")])
    assert links["R1"].method == "fuzzy" and links["R1"].score == 1.0


@pytest.mark.parametrize("nip", [NIP_OTHER_BIRTH, "198609252015051001"])
def test_different_birth_date_and_similar_name_goes_to_review(nip):
    result = reconcile_links([frec("R1", name="SUKARNO")], [fsan("S1", nip=nip, name="SUKARNA")])
    assert result.links == {} and result.unlinked_sanctions == []
    [item] = result.review
    assert (item.recommendation_id, item.sanction_id) == ("R1", "S1")
    assert FUZZY_REVIEW <= item.score < FUZZY_ACCEPT
    assert item.reasons[1:] == ("name.similar", "agency.same")


def test_missing_nip_with_a_similar_but_different_name_goes_to_review():
    result = reconcile_links([frec("R1", name="SITI AMINAH")], [fsan("S1", nip=None, name="SITI AMINA")])
    assert result.links == {}
    assert [(i.sanction_id, i.reasons) for i in result.review] == [
        ("S1", ("nip.missing", "name.similar", "agency.same"))]


@pytest.mark.parametrize("sanction", [
    fsan("S1", nip="197001011995031002", name="Budi Santoso"),  # another NIP, another name
    fsan("S1", nip="197001011995031002"),  # same name, but the NIP is another person's
    fsan("S1", name="Budi Santoso"),  # a NIP typo away, but clearly another name
    fsan("S1", nip=None, name="Budi Santoso"),
])
def test_clearly_different_person_gives_nothing(sanction):
    result = reconcile_links([frec("R1")], [sanction])
    assert result.links == {} and result.review == [] and result.unlinked_sanctions == ["S1"]


@pytest.mark.parametrize(("rec_agency", "san_agency", "linked"), [
    ("Pemkot Surakarta", "Pemerintah Kota Surakarta", True),
    ("BKPSDM Kota Surakarta", "PEMERINTAH  KOTA   SURAKARTA", True),
    ("Surakarta", "Pemkot Surakarta", True),  # kind stated on one side only
    ("Pemerintah Kabupaten Solok", "Kab. Solok", True),
    ("Pemkab Bantul", "BKD Kabupaten Bantul", True),
    ("Pemerintah Kota Solok", "Pemerintah Kabupaten Solok", False),
    ("Kota Solok", "Kab. Solok Selatan", False),
    ("Pemerintah Kota Surakarta", "Pemerintah Kabupaten Sukoharjo", False),
])
def test_agency_must_be_the_same_after_normalising(rec_agency, san_agency, linked):
    result = reconcile_links([frec("R1", agency=rec_agency)], [fsan("S1", agency=san_agency)])
    assert ("R1" in result.links) is linked
    if not linked:  # a different agency caps the score below review
        assert result.review == [] and result.unlinked_sanctions == ["S1"]


def test_agency_normalisation():
    assert normalise_agency("Pemkot Surakarta") == normalise_agency("BKPSDM Kota Surakarta") == ("kota", "SURAKARTA")
    assert normalise_agency("Kab. Solok") == ("kabupaten", "SOLOK") != normalise_agency("Kota Solok")
    assert normalise_agency("BKPSDM") is None and normalise_agency(None) is None
    # one reading with the enricher's agency matcher: its organisation words count here too
    assert normalise_agency("Badan Kepegawaian Daerah Kota Surakarta") == ("kota", "SURAKARTA")


@pytest.mark.parametrize("variant", ["Drs. H. Ahmad Yani, M.Si.", "AHMAD YANI, S.H.", "H. Ahmad Yani S.Pd",
                                     "ahmad   yani, S.Pd., M.Pd.", "Dr. Ir. AHMAD YANI, MM"])
def test_name_normalisation_drops_titles_and_degrees(variant):
    assert normalise_name(variant) == "AHMAD YANI"


def test_name_normalisation_keeps_initials_and_drops_apostrophes():
    assert normalise_name("M.Yusuf") == normalise_name("M. YUSUF") == "M YUSUF"
    assert normalise_name("Ma'ruf Amin") == "MARUF AMIN"
    assert normalise_name("Drs.") is None


def test_fuzzy_needs_a_name_on_both_sides():
    assert reconcile_links([frec("R1", name=None)], [fsan("S1")]).unlinked_sanctions == ["S1"]
    assert reconcile_links([frec("R1")], [fsan("S1", name=None)]).unlinked_sanctions == ["S1"]


def test_name_alone_is_never_enough_without_nip_and_agency():
    result = reconcile_links([frec("R1", agency=None)], [fsan("S1", nip=None)])
    assert result.links == {} and result.review == [] and result.unlinked_sanctions == ["S1"]


def test_fuzzy_only_sees_what_reference_and_nip_left():
    recs = [frec("R-ref"), frec("R-nip", nip=NIP_B, name="BUDI", agency=AGENCY)]
    sans = [fsan("S-ref", ref="R-ref"), Sanction("S-nip", NIP_B, D + timedelta(days=5), None, "BUDI", AGENCY),
            fsan("S-typo")]  # S-typo would fit R-ref, but R-ref is taken by its reference
    result = reconcile_links(recs, sans)
    assert {k: (v.sanction_id, v.method) for k, v in result.links.items()} == {
        "R-ref": ("S-ref", "reference"), "R-nip": ("S-nip", "nip")}
    assert result.review == [] and result.unlinked_sanctions == ["S-typo"]


def test_fuzzy_uses_the_nip_window():
    assert "R1" not in link([frec("R1")], [fsan("S1", decree=D - timedelta(days=8))])
    assert link([frec("R1")], [fsan("S1", decree=D - timedelta(days=7))])["R1"].method == "fuzzy"
    assert "R1" not in link([frec("R1")], [fsan("S1", decree=D + timedelta(days=1096))])
    assert link([frec("R1")], [fsan("S1", decree=D + timedelta(days=1095))])["R1"].method == "fuzzy"
    assert "R1" not in link([frec("R1")], [fsan("S1", decree=D + timedelta(days=366))], window_days=365)


@pytest.mark.parametrize("make", [san, fsan])
def test_sanction_dated_just_before_its_recommendation_links(make):
    links = link([frec("R1")], [make("S1", decree=D - timedelta(days=3))])
    assert links["R1"].sanction_id == "S1"


def test_two_recommendations_for_one_asn_each_get_their_own_fuzzy_sanction():
    recs = [frec("R-2021", issued=D + timedelta(days=100)), frec("R-2020", issued=D)]
    sans = [fsan("S2", nip=NIP_SWAP, decree=D + timedelta(days=120)), fsan("S1", decree=D + timedelta(days=20))]
    links = link(recs, sans)
    assert (links["R-2020"].sanction_id, links["R-2021"].sanction_id) == ("S1", "S2")
    assert {ln.method for ln in links.values()} == {"fuzzy"}


def test_two_recommendations_in_window_of_both_sanctions_pair_earliest_with_earliest():
    recs = [frec("R-b", issued=D + timedelta(days=10)), frec("R-a", issued=D)]
    sans = [fsan("S-late", decree=D + timedelta(days=60)), fsan("S-early", decree=D + timedelta(days=40))]
    links = link(recs, sans)
    assert (links["R-a"].sanction_id, links["R-b"].sanction_id) == ("S-early", "S-late")


def test_one_sanction_two_candidates_the_better_one_wins():
    recs = [frec("R-similar", name="AHMAD YANI SUPRIYADI"), frec("R-exact", issued=D + timedelta(days=5))]
    for order in (recs, recs[::-1]):
        result = reconcile_links(order, [fsan("S1")])
        assert list(result.links) == ["R-exact"] and result.links["R-exact"].sanction_id == "S1"
        assert result.review == []  # S1 is linked: nothing left to review


def test_one_sanction_two_equally_good_candidates_goes_to_the_earliest_then_smallest_id():
    same_day = [frec("R-b"), frec("R-a")]
    assert list(link(same_day, [fsan("S1")])) == ["R-a"]
    assert list(link(same_day[::-1], [fsan("S1")])) == ["R-a"]
    earlier = [frec("R-a", issued=D + timedelta(days=1)), frec("R-z", issued=D)]
    assert list(link(earlier, [fsan("S1")])) == ["R-z"]


def test_one_recommendation_two_equally_good_sanctions_takes_the_earliest_decree():
    sans = [fsan("S-b", decree=D + timedelta(days=50)), fsan("S-a", decree=D + timedelta(days=50)),
            fsan("S-0", decree=D + timedelta(days=60))]
    result = reconcile_links([frec("R1")], sans)
    assert result.links["R1"].sanction_id == "S-a"
    assert result.unlinked_sanctions == ["S-0", "S-b"]


def test_review_band_goes_to_review_not_links():
    result = reconcile_links([frec("R1", name="SUKARNO")], [fsan("S1", nip=NIP_OTHER_BIRTH, name="SUKARNO")])
    assert result.links == {} and result.unlinked_sanctions == []
    assert result.review == [ReviewItem("R1", "S1", 0.825, ("nip.two_edits", "name.same", "agency.same"))]


def test_review_pair_is_dropped_when_either_side_links_elsewhere():
    recs = [frec("R1", name="SUKARNO"), frec("R2", nip=NIP_B, name="SUKARNO")]
    sans = [fsan("S1", nip=NIP_OTHER_BIRTH, name="SUKARNO"),  # review for R1 ...
            fsan("S2", nip=NIP_TYPO, name="SUKARNO")]  # ... but R1 links S2
    result = reconcile_links(recs, sans)
    assert result.links["R1"].sanction_id == "S2" and result.review == []
    assert result.unlinked_sanctions == ["S1"]


def test_unlinked_sanctions_are_those_neither_linked_nor_under_review():
    recs = [frec("R1"), frec("R2", nip=NIP_B, name="SUKARNO", agency="Kab. Bantul")]
    sans = [fsan("S-z-linked"), fsan("S-review", nip="199001012015052018", name="SUKARNA", agency="Kab. Bantul"),
            fsan("S-c-nobody", nip="197001011995031002", name="Budi"), san("S-a-norec", nip="197001011995031003"),
            fsan("S-b-too-early", nip=NIP_B, decree=D - timedelta(days=30))]
    result = reconcile_links(recs, sans)
    assert result.links["R1"].sanction_id == "S-z-linked"
    assert [i.sanction_id for i in result.review] == ["S-review"]
    assert result.unlinked_sanctions == ["S-a-norec", "S-b-too-early", "S-c-nobody"]


def test_revoked_sanction_is_still_linked_and_reported_revoked():
    s = fsan("S1", decree=D + timedelta(days=10))  # revoked on D + 40 (the revocation is not a link input)
    ln = link([frec("R1")], [s])["R1"]
    assert ln.sanction_id == "S1"
    assert status(issued_on=D, as_of=D + timedelta(days=60), sla_days=30, decree_date=s.decree_date,
                  revoked_on=D + timedelta(days=40)) == "revoked"


@pytest.mark.parametrize("make", [san, fsan])
def test_legacy_sanction_code_links_normally_and_severity_uses_the_level_passed_in(make):
    # Code 7 (PP 53/2010: promotion delayed one year) is sedang; codes never enter linking.
    assert link([frec("R1")], [make("S1")])["R1"].sanction_id == "S1"
    assert severity("sedang", LEGACY_LEVEL[7]) == "as_recommended"
    assert severity("berat", LEGACY_LEVEL[7]) == "lighter"
    assert severity("ringan", LEGACY_LEVEL[9]) == "heavier"
    assert severity("sedang", None) is None  # an unknown legacy code has no level


@pytest.mark.parametrize(("a", "b", "expected"), [
    (NIP_A, NIP_A, "nip.same"), (NIP_A, NIP_TYPO, "nip.one_substitution"), (NIP_A, NIP_SWAP, "nip.transposition"),
    (NIP_A, NIP_OTHER_BIRTH, "nip.two_edits"), (NIP_A, "198690262015501001", "nip.two_edits"),  # two swaps
    (NIP_A, "198609262015051999", None), (NIP_A, NIP_B, None),
])
def test_nip_difference(a, b, expected):
    assert nip_difference(a, b) == nip_difference(b, a) == expected


def _mixed_dataset(n=60, seed=7):
    """References, exact NIPs, typos, swaps, missing NIPs, near misses and noise, in many agencies."""
    rnd = random.Random(seed)
    agencies = ["Pemkot Surakarta", "Kab. Solok", "Kota Solok", "Pemkab Bantul", None]
    names = ["AHMAD YANI", "SITI AMINAH", "SUKARNO", "BUDI SANTOSO", "DEWI LESTARI", "RUDI HARTONO"]
    recs, sans = [], []
    for i in range(n):
        nip = (f"19{rnd.randint(60, 99)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}20{rnd.randint(10, 20)}"
               f"0{rnd.randint(1, 9)}{rnd.randint(1, 2)}00{rnd.randint(1, 3)}")
        name, agency = rnd.choice(names), rnd.choice(agencies)
        issued = D + timedelta(days=rnd.randint(0, 400))
        recs.append(Recommendation(f"R{i:03d}", nip, issued, name, agency))
        kind = rnd.choice(["ref", "nip", "typo", "swap", "missing", "other", "near"])
        s_nip = {"ref": nip, "nip": nip, "typo": nip[:-1] + str((int(nip[-1]) + 1) % 10),
                 "swap": nip[:8] + nip[9] + nip[8] + nip[10:], "missing": None,
                 "other": "197001011995031002", "near": nip[:6] + "99" + nip[8:]}[kind]
        s_name = rnd.choice([name, name + "A", "Drs. " + name + ", M.Si.", rnd.choice(names)])
        decree = issued + timedelta(days=rnd.randint(-10, 120))
        sans.append(Sanction(f"S{i:03d}", s_nip, decree, f"R{i:03d}" if kind == "ref" else None, s_name,
                             rnd.choice([agency, agency, rnd.choice(agencies)])))
    return recs, sans


def test_mixed_dataset_exercises_every_outcome():
    result = reconcile_links(*_mixed_dataset())
    assert {ln.method for ln in result.links.values()} == {"reference", "nip", "fuzzy"}
    assert result.review and result.unlinked_sanctions


def test_result_is_identical_under_shuffled_inputs():
    recs, sans = _mixed_dataset()
    expected = reconcile_links(recs, sans)
    rnd = random.Random(1)
    for _ in range(5):
        rnd.shuffle(recs)
        rnd.shuffle(sans)
        assert reconcile_links(recs, sans) == expected


def test_one_to_one():
    result = reconcile_links(*_mixed_dataset(200))
    linked = [ln.sanction_id for ln in result.links.values()]
    assert len(linked) == len(set(linked))
    assert not set(linked) & {i.sanction_id for i in result.review}
    assert not set(linked) & set(result.unlinked_sanctions)


def test_bucketing_finds_exactly_the_pairs_a_full_comparison_finds():
    recs, sans = _mixed_dataset(150, seed=3)
    brute = set()
    for r in recs:
        for s in sans:
            scored = fuzzy_score(r, s)
            if scored and scored[0] >= FUZZY_REVIEW:
                brute.add((r.recommendation_id, s.sanction_id, scored))
    bucketed = {(r.recommendation_id, s.sanction_id, (score, reasons))
                for score, reasons, r, s in _fuzzy_candidates(recs, sans)}
    assert bucketed == brute and len(brute) > 20


def test_two_thousand_by_two_thousand_scores_only_a_small_share_of_the_pairs(monkeypatch):
    """The buckets keep the fuzzy step far from quadratic: counted, not timed (the machine may be busy)."""
    from netra.reconcile import fuzzy

    recs, sans = _mixed_dataset(2000, seed=11)
    scored = []
    real = fuzzy._score
    monkeypatch.setattr(fuzzy, "_score", lambda *a, **k: scored.append(1) or real(*a, **k))
    result = reconcile_links(recs, sans)
    assert result.links and 0 < len(scored) < 0.02 * len(recs) * len(sans)


# --- revised §6: hand-typed references, one-to-one per NIP, eligibility by reason ---------------

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@pytest.mark.parametrize("month", range(1, 13))
def test_roman_month_segment_equals_its_two_digit_number(month):
    rid = f"B-47/KASN/{month:02d}/2021"
    assert normalise_reference(f"b-47/kasn/{ROMAN[month - 1]}/2021") == rid
    assert normalise_reference(f" B-47 / KASN / {ROMAN[month - 1].lower()} / 2021 ") == rid
    links = link([rec(rid)], [san("S1", nip=None, ref=f"b-47/kasn/{ROMAN[month - 1]}/2021")])
    assert links[rid].method == "reference"


@pytest.mark.parametrize(("typed", "same"), [
    ("B-47/KASN/01/2021", True), ("b-47/kasn/I/2021", True), ("B-47 /KASN/ 01/2021", True),
    ("B-47/KASN/i/2021", True), ("B-47/KASN/XIII/2021", False), ("B-47/KASN/1/2021", False),
    ("B-47/KASN/II/2021", False), ("B-470/KASN/01/2021", False), ("", False), ("   ", False),
])
def test_reference_normalisation(typed, same):
    result = link([rec("B-47/KASN/01/2021")], [san("S1", nip=None, ref=typed)])
    assert ("B-47/KASN/01/2021" in result) is same


def test_roman_segments_are_whole_segments_only():
    assert normalise_reference("800/IV/BKPSDM.33.72/XII/2021") == "800/04/BKPSDM.33.72/12/2021"
    assert normalise_reference("B-1/VIX/2021") == "B-1/VIX/2021"  # not a month numeral
    assert normalise_reference("B-1/DIV/2021") == "B-1/DIV/2021"
    assert normalise_reference(None) is None and normalise_reference(" \t") is None


def test_a_normalised_recommendation_id_also_matches_a_roman_one():
    assert link([rec("B-9/KASN/X/2020")], [san("S1", nip=None, ref="b-9/kasn/10/2020")])["B-9/KASN/X/2020"]


def test_one_nip_two_recommendations_three_sanctions_pairs_in_issue_order():
    """The earliest recommendation takes the earliest eligible sanction; the third one is left over."""
    recs = [rec("R-late", issued=D + timedelta(days=200)), rec("R-early", issued=D)]
    sans = [san("S3", decree=D + timedelta(days=400)), san("S1", decree=D + timedelta(days=20)),
            san("S2", decree=D + timedelta(days=210))]
    result = reconcile_links(recs, sans)
    assert {k: v.sanction_id for k, v in result.links.items()} == {"R-early": "S1", "R-late": "S2"}
    assert result.unlinked_sanctions == ["S3"]


def test_issue_order_wins_even_when_the_earliest_sanction_also_fits_the_later_recommendation():
    # S1 (day 205) is in both windows; R-early (issued first) takes it, R-late gets S2
    recs = [rec("R-early", issued=D), rec("R-late", issued=D + timedelta(days=200))]
    sans = [san("S1", decree=D + timedelta(days=205)), san("S2", decree=D + timedelta(days=300)),
            san("S3", decree=D + timedelta(days=900))]
    result = reconcile_links(recs, sans)
    assert {k: v.sanction_id for k, v in result.links.items()} == {"R-early": "S1", "R-late": "S2"}
    assert result.unlinked_sanctions == ["S3"]


def test_an_out_of_scope_sanction_does_not_take_a_recommendation_in_the_nip_step():
    recs = [rec("R1"), rec("R2", issued=D + timedelta(days=100))]
    sans = [san("S-absent", decree=D + timedelta(days=10), reason="Tidak masuk kerja tanpa alasan yang sah"),
            san("S1", decree=D + timedelta(days=50), reason=None),
            san("S2", decree=D + timedelta(days=150), reason="Pelanggaran netralitas ASN")]
    result = reconcile_links(recs, sans)
    assert {k: v.sanction_id for k, v in result.links.items()} == {"R1": "S1", "R2": "S2"}
    assert result.out_of_scope == ["S-absent"] and result.unlinked_sanctions == []


@pytest.mark.parametrize(("reason", "eligible"), [
    (None, True), ("", True), ("   ", True),
    ("Pelanggaran NETRALITAS ASN pada Pilkada 2020", True),
    ("TERLIBAT DALAM KEGIATAN KAMPANYE UNTUK MENDUKUNG CALON KEPALA DAERAH/WAKIL KEPALA DAERAH", True),
    ("menjadi anggota partai politik", True), ("mendukung paslon nomor urut 2", True),
    ("TIDAK MASUK KERJA DAN MENAATI KETENTUAN JAM KERJA", False),
    ("MENYALAHGUNAKAN WEWENANG", False), ("Penyalahgunaan narkoba", False),
])
def test_eligibility_by_reason(reason, eligible):
    assert in_scope(reason) is eligible
    result = reconcile_links([rec("R1")], [san("S1", reason=reason)])
    assert ("R1" in result.links) is eligible
    assert result.out_of_scope == ([] if eligible else ["S1"])
    assert result.unlinked_sanctions == []


def test_an_out_of_scope_sanction_still_links_by_reference():
    result = reconcile_links([rec("R1")], [san("S1", ref="R1", reason="Tidak masuk kerja")])
    assert result.links["R1"].method == "reference" and result.out_of_scope == []


def test_an_out_of_scope_sanction_is_no_fuzzy_candidate_and_not_under_review():
    s = Sanction("S1", NIP_TYPO, D + timedelta(days=30), None, NAME, AGENCY, "Tidak masuk kerja")
    result = reconcile_links([frec("R1")], [s])
    assert result.links == {} and result.review == [] and result.unlinked_sanctions == []
    assert result.out_of_scope == ["S1"]


def test_an_unrelated_sanction_of_someone_else_is_out_of_scope_not_unlinked():
    result = reconcile_links([rec("R1")], [san("S1", nip=NIP_B, reason="Tidak masuk kerja"), san("S2", nip=NIP_B)])
    assert result.out_of_scope == ["S1"] and result.unlinked_sanctions == ["S2"]


def test_the_neutrality_pattern_is_a_setting_and_ignores_case():
    s = san("S1", reason="Berpihak pada PETAHANA")
    assert reconcile_links([rec("R1")], [s]).out_of_scope == ["S1"]
    assert reconcile_links([rec("R1")], [s], neutrality="petahana").links["R1"].method == "nip"


def test_status_and_severity_words_come_from_the_vocabulary():
    from netra.contracts import vocabulary

    seen = {status(issued_on=D, as_of=D + timedelta(days=d), sla_days=30, **kw) for d, kw in [
        (60, dict(decree_date=D)), (60, dict(decree_date=D, revoked_on=D)), (60, dict(closed_on=D)),
        (60, {}), (10, {})]}
    assert seen == set(vocabulary.STATUSES)
    assert {severity(a, b) for a in vocabulary.LEVELS for b in vocabulary.LEVELS} == set(vocabulary.SEVERITIES)
