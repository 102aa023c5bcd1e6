"""Link ladder, one-to-one assignment, status as of a day, severity (DESIGN.md §6)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from netra.reconcile.rules import Recommendation, Sanction, link, severity, status

D = date(2021, 3, 1)
NIP_A = "198609262015051001"
NIP_B = "199001012015052003"


def rec(rid, nip=NIP_A, issued=D):
    return Recommendation(rid, nip, issued)


def san(sid, nip=NIP_A, decree=D + timedelta(days=30), ref=None):
    return Sanction(sid, nip, decree, ref)


def test_reference_wins_over_nip():
    links = link([rec("R1"), rec("R2", nip=NIP_B)], [san("S1", nip=NIP_B, ref="R1")])
    assert links["R1"].sanction_id == "S1" and links["R1"].method == "reference"
    assert "R2" not in links  # S1 is used: one sanction, one recommendation


def test_nip_link_uses_the_window_and_the_earliest_sanction():
    links = link([rec("R1")], [san("S-late", decree=D + timedelta(days=200)), san("S-early", decree=D + timedelta(days=10))])
    assert links["R1"].sanction_id == "S-early" and links["R1"].method == "nip"


@pytest.mark.parametrize(("offset", "linked"), [(-8, False), (-7, True), (365, True), (366, False)])
def test_nip_window_bounds(offset, linked):
    links = link([rec("R1")], [san("S1", decree=D + timedelta(days=offset))])
    assert ("R1" in links) is linked


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
