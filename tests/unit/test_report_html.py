"""The HTML report drawn from small fixed inputs: labels, public rates and order, data quality, offline.

No database: a `Report`, stored-audit rows and freshness times are built here, so each
assertion names the input that should produce it.
"""
from __future__ import annotations

import re
import xml.dom.minidom
from datetime import UTC, date, datetime

import pytest

from netra import labels
from netra.contracts.vocabulary import LEVELS, SEVERITIES, STATUSES
from netra.disclosure import (
    complement_columns,
    public_order,
    suppress,
    suppress_election,
    suppress_funnel,
    suppress_parts,
)
from netra.reconcile.quality import Freshness, Quality, QualityRow, QualityRun
from netra.report import Report
from netra.report_charts import bar_figure, trend_figure
from netra.report_html import page, percent, province_name, quality_rows

AS_OF = date(2024, 2, 6)
UTC = UTC
TOTAL_NAMES = ("reported", "proven", "recommended", "sanctioned", "revoked", "pending", "overdue", "closed", "rate")


def report(public: bool = False, **changes) -> Report:
    r = Report(
        as_of=AS_OF,
        totals=[("pilkada-2020", 2034, 1597, 1597, 1450, 12, 0, 95, 40, 0.9079)],
        trend={"pilkada-2020": [(date(2020, 12, 31), 0.35, 559), (date(2022, 5, 31), 0.86, 1373),
                                (AS_OF, 0.9079, 1450)]},
        provinces=[("pilkada-2020", "33", "JAWA TENGAH", 120, 100, 15, 0.833, 40.0),
                   ("pilkada-2020", "31", "DKI JAKARTA", 60, 57, 3, 0.95, 12.5)],
        severity=[("as_recommended", 1200), ("no sanction", 147), ("lighter", 200), ("heavier", 50)],
        funnel=[("pilkada-2020", 2034, 1928, 1597, 1597, 1450)],
        review=4, unlinked=19, public=public,
    )
    for name, value in changes.items():
        setattr(r, name, value)
    return r


def quality(failing: bool = True) -> Quality:
    run = QualityRun("11111111-1111-1111-1111-111111111111", "reconcile", "reconcile-2024-02-06", AS_OF,
                     datetime(2024, 2, 6, 1, 0, tzinfo=UTC), not failing, not failing, 3, int(failing))
    rows = [
        QualityRow("mart.followthrough.v1", "followthrough.status_known", "expect_column_values_to_be_in_set",
                   "status", "Status is one of the five statuses.", not failing, 1597, int(failing),
                   100 / 1597 if failing else 0.0, None, None),
        QualityRow("mart.followthrough.v1", "followthrough.id_present", "expect_column_values_to_not_be_null",
                   "recommendation_id", "Every row names its recommendation.", True, 1597, 0, 0.0, None, None),
        QualityRow("mart.followthrough_summary.v1", "summary.covers_followthrough",
                   "expect_column_sum_to_be_between", "recommended", "Summed over all rows, recommended equals "
                   "the rows of mart.followthrough.", True, None, None, None, "1597", None),
    ]
    return Quality(latest={"reconcile": run}, expectations={"reconcile": rows}, history=[run])


FRESH = Freshness(latest_event_landed_at=datetime(2024, 2, 6, 0, 30, tzinfo=UTC),
                  last_reconciled_at=datetime(2024, 2, 6, 1, 0, tzinfo=UTC), last_reconciled_as_of=AS_OF,
                  reconciled_through=datetime(2024, 2, 6, 0, 30, tzinfo=UTC),
                  last_audit_at=datetime(2024, 2, 6, 1, 0, tzinfo=UTC))


def text_of(html_page: str) -> str:
    """The page's visible text, roughly: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html_page, flags=re.S)))


# ---------------------------------------------------------------- labels


def test_every_status_severity_and_level_has_an_indonesian_name():
    assert set(labels.STATUS_LABELS) == set(STATUSES)
    assert set(SEVERITIES) <= set(labels.SEVERITY_LABELS)
    assert list(labels.LEVEL_LABELS) == list(LEVELS), "lightest first, as the vocabulary orders them"
    assert labels.STATUS_LABELS == {"sanctioned": "Dijatuhi sanksi", "pending": "Belum jatuh tempo",
                                    "overdue": "Terlambat", "closed": "Ditutup", "revoked": "Dicabut"}


def test_elections_and_provinces_are_named_for_readers():
    assert labels.election_label("pilkada-2020") == "Pilkada 2020"
    assert labels.election_label("pemilu-2024") == "Pemilu 2024"
    assert labels.election_label("unknown") == "Tidak diketahui"
    assert province_name("JAWA TENGAH") == "Jawa Tengah" and province_name("DKI JAKARTA") == "DKI Jakarta"


def test_the_page_names_codes_in_indonesian_with_the_code_in_small_print():
    shown = page(report(), quality(), FRESH)
    for name, code in [("Sesuai rekomendasi", "as_recommended"), ("Dijatuhi sanksi", "sanctioned"),
                       ("Belum jatuh tempo", "pending"), ("Terlambat", "overdue"), ("Ditutup", "closed"),
                       ("Dicabut", "revoked")]:
        assert f'{name} <small class="code">({code})</small>' in shown, name
    visible = text_of(shown)
    assert "Pilkada 2020" in visible and "Jawa Tengah" in visible and "pilkada-2020" not in visible
    # the severity chart carries the same names (drawn as paths: checked on the figure)
    fig = bar_figure([(labels.SEVERITY_LABELS[c], c, n) for c, n in report().severity], xlabel="Jumlah rekomendasi")
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"Sesuai rekomendasi", "as_recommended", "Lebih ringan", "lighter", "Belum ada sanksi"} <= texts


def test_numbers_use_indonesian_separators():
    visible = text_of(page(report()))
    assert "1.597" in visible and "1.450" in visible and "90,8 %" in visible
    assert percent(None) != "" and percent(0.5) == "50,0\u00a0%"


def test_charts_have_axis_titles_with_units():
    trend = trend_figure({"Pilkada 2020": [(d, rate) for d, rate, _ in report().trend["pilkada-2020"]]})
    ax = trend.axes[0]
    assert ax.get_ylabel() == "Dijatuhi sanksi (% dari rekomendasi)" and "month end" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()][-1].endswith("%")
    bars = bar_figure([("Jawa Tengah", "33", 0.83)], xlabel="Tingkat tindak lanjut (% rekomendasi)", percent=True)
    assert bars.axes[0].get_xlabel() == "Tingkat tindak lanjut (% rekomendasi)"
    assert bars.axes[0].get_xlim()[1] > 1.0, "room for the 100 % label"


# ---------------------------------------------------------------- the public edition


def test_the_public_election_rate_is_computed_from_its_shown_parts():
    # revoked (2) is a small cell: it is hidden, and so is the smallest other status (closed, 14), so
    # neither can be recovered from recommended minus the rest; recommended and the rate stay.
    counts = dict(zip(TOTAL_NAMES, (610, 479, 479, 435, 2, 0, 28, 14, 0.9081)))
    shown = suppress_election(counts, k=5)
    assert shown["revoked"] is None and shown["closed"] is None
    assert (shown["recommended"], shown["sanctioned"], shown["pending"], shown["overdue"]) == (479, 435, 0, 28)
    assert shown["rate"] == pytest.approx(435 / 479, abs=1e-4)
    # with sanctioned small the rate would give recommended away: both parts must be shown
    few = suppress_election(dict(zip(TOTAL_NAMES, (9, 9, 9, 3, 0, 0, 6, 0, 0.333))), k=5)
    assert few["sanctioned"] is None and few["rate"] is None


def test_a_rate_or_a_median_is_not_a_count():
    # rates lie in (0, 1) and medians may be 3 days: neither is a "small cell"
    row = suppress({"recommended": 12, "sanctioned": 12, "overdue": 0, "rate": 1.0, "median": 3.0}, k=5)
    assert row == {"recommended": 12, "sanctioned": 12, "overdue": 0, "rate": 1.0, "median": 3.0}
    hidden = suppress({"recommended": 8, "sanctioned": 7, "overdue": 1, "rate": 0.875, "median": 22.0}, k=5)
    assert hidden["overdue"] is None and hidden["recommended"] is None and hidden["rate"] is None
    assert hidden["sanctioned"] == 7 and hidden["median"] == 22.0


def test_public_parts_of_a_shown_total_hide_a_second_cell_beside_a_small_one():
    # severity of the 434 sanctioned: heavier (3) is small, lighter goes with it; as_recommended stays
    assert suppress_parts({"as_recommended": 394, "lighter": 37, "heavier": 3}, k=5) == {
        "as_recommended": 394, "lighter": None, "heavier": None}
    assert suppress_parts({"as_recommended": 394, "lighter": 37, "heavier": 0}, k=5)["lighter"] == 37


def test_the_public_funnel_hides_small_steps():
    assert suppress_funnel({"reported": 9, "proven": 4, "sanctioned": 0}, k=5) == {
        "reported": 9, "proven": None, "sanctioned": 0}


def test_a_single_hidden_province_cell_gets_a_companion_so_the_total_does_not_reveal_it():
    # (election, code, name, recommended, sanctioned, overdue, rate, median): only 11's overdue is hidden,
    # national overdue minus the shown ones would give it; the smallest other non-zero overdue (33: 5) goes too
    rows = [("p", "11", "A", None, 11, None, None, 16.0), ("p", "33", "JT", 92, 82, 5, 0.891, 23.5),
            ("p", "35", "JTim", 52, 45, 7, 0.865, 23.0), ("p", "63", "KS", 8, 8, 0, 1.0, 22.0)]
    out = {r[1]: r for r in complement_columns(rows, (3, 4, 5), rate_at=6, median_at=7, sanctioned_at=4,
                                               recommended_at=3)}
    assert out["33"][5] is None and out["35"][5] == 7 and out["63"][5] == 0
    # recommended too was hidden only in 11: the smallest other (63: 8) goes, and its rate with it
    assert out["63"][3] is None and out["63"][6] is None and out["33"][6] == 0.891


def test_public_provinces_are_ordered_by_the_shown_rate_never_the_hidden_one():
    # (election, code, name, recommended, sanctioned, overdue, rate, median); 62 and 11 have hidden rates
    # whose true values (0.2 and 0.99) must not decide where they stand
    rows = [("p", "62", "B", None, 7, None, None, 23.0), ("p", "33", "JT", 92, 82, 5, 0.891, 23.5),
            ("p", "11", "A", None, 11, None, None, 16.0), ("p", "63", "KS", 8, 7, 0, 0.875, 22.0)]
    assert [r[1] for r in public_order(rows, rate_at=6)] == ["63", "33", "11", "62"]


def test_the_public_page_shows_the_national_rate_and_marks_hidden_cells():
    counts = dict(zip(TOTAL_NAMES, (610, 479, 479, 435, 2, 0, 28, 14, 0.9081)))
    shown = page(report(public=True, totals=[("pilkada-2020", *suppress_election(counts, 5).values())]))
    assert "90,8\u00a0%" in shown
    assert 'title="disembunyikan (suppressed)"' in shown and "Edisi publik" in shown


# ---------------------------------------------------------------- data quality and freshness


def test_the_data_quality_table_lists_each_expectation_pass_or_fail():
    rows = quality_rows(quality().expectations["reconcile"])
    assert len(rows) == 3
    first = rows[0]  # failures first
    assert "Gagal" in first[0] and "followthrough.status_known" in first[1] and "1 dari 1.597" in first[3]
    assert all("Lulus" in r[0] for r in rows[1:])
    shown = page(report(), quality(), FRESH)
    assert "Audit rekonsiliasi" in shown and "2 dari 3 ekspektasi lulus" in shown
    assert "Riwayat audit" in shown and "tidak dipublikasikan" in shown


def test_a_passing_audit_and_no_audit_at_all_read_as_such():
    shown = text_of(page(report(), quality(failing=False), FRESH))
    assert "3 dari 3 ekspektasi lulus" in shown and "Gagal (failed)" not in shown
    assert "Belum ada hasil audit tersimpan" in text_of(page(report(), Quality(), FRESH))


def test_the_as_of_date_and_freshness_are_on_top():
    shown = page(report(), quality(), FRESH)
    header = shown[:shown.index("<section>")]
    assert "6 Februari 2024" in header
    assert "Peristiwa terakhir diterima" in header and "6 Februari 2024, 07:30 WIB" in header  # 00:30 UTC
    assert "Rekonsiliasi terakhir" in header and "08:00 WIB" in header
    assert "setelah rekonsiliasi terakhir" not in header
    late = Freshness(**{**FRESH.__dict__, "latest_event_landed_at": datetime(2024, 2, 6, 2, 0, tzinfo=UTC)})
    assert "setelah rekonsiliasi terakhir" in page(report(), quality(), late)


# ---------------------------------------------------------------- one file, offline


def test_the_page_is_one_self_contained_file_with_no_remote_resource():
    shown = page(report(public=True), quality(), FRESH)
    remote = re.findall(r"""(?:\b(?:src|href)\s*=\s*["']?\s*|url\(\s*["']?\s*)(https?://[^"')\s>]*)""", shown,
                        re.I)
    assert not remote, remote
    assert "<script" not in shown and "<link" not in shown and "@import" not in shown and "<img" not in shown
    svgs = re.findall(r"<svg.*?</svg>", shown, re.S)
    assert len(svgs) >= 4, "trend, funnel, severity, provinces"
    for svg in svgs:
        xml.dom.minidom.parseString(svg)  # well-formed
    ids = re.findall(r'\bid="([^"]+)"', shown)
    assert len(ids) == len(set(ids)), "element ids are unique across the inline charts"
    assert all(f"#{ref}" for ref in re.findall(r'href="#([^"]+)"', shown) if ref in ids)
    dangling = [ref for ref in re.findall(r'href="#([^"]+)"', shown) if ref not in ids]
    assert not dangling, dangling[:3]
