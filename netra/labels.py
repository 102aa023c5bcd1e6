"""Words for readers: the Indonesian name of each code the report shows, with the code beside it.

Codes are the warehouse's (statuses, severities, levels, funnel steps, elections); the
names follow DOMAIN.md (§1.3 states, §2.2 tingkat hukuman) and the README glossary. The
report prints the name and the code in small print, so a reader can match a figure to
the mart column it comes from. The tables are keyed off netra/contracts/vocabulary.py: a
word added there without a name here fails at import (and in tests/unit/test_report_html.py).
"""
from __future__ import annotations

from netra.contracts.vocabulary import LEVELS, SEVERITIES, STATUSES

_STATUS_NAMES = {
    "sanctioned": "Dijatuhi sanksi",
    "pending": "Belum jatuh tempo",
    "overdue": "Terlambat",
    "closed": "Ditutup",
    "revoked": "Dicabut",
}
#: Status of a recommendation as of a day (mart.followthrough.status), in the vocabulary's order.
STATUS_LABELS = {code: _STATUS_NAMES[code] for code in STATUSES}
#: The imposed sanction against the recommended one (mart.followthrough.severity_vs_recommended);
#: `no sanction` is the report's own bucket for recommendations without a linked sanction.
_SEVERITY_NAMES = {
    "as_recommended": "Sesuai rekomendasi",
    "lighter": "Lebih ringan",
    "heavier": "Lebih berat",
}
SEVERITY_LABELS = {code: _SEVERITY_NAMES[code] for code in SEVERITIES} | {"no sanction": "Belum ada sanksi"}
_LEVEL_NAMES = {
    "moral": "Sanksi moral",
    "ringan": "Hukuman disiplin ringan",
    "sedang": "Hukuman disiplin sedang",
    "berat": "Hukuman disiplin berat",
}
#: Tingkat hukuman (DOMAIN.md §2.2), lightest first.
LEVEL_LABELS = {code: _LEVEL_NAMES[code] for code in LEVELS}
#: Steps of mart.funnel, in order.
FUNNEL_LABELS = {
    "reported": "ASN dilaporkan",
    "registered": "Diregistrasi",
    "proven": "Terbukti melanggar",
    "recommended": "Direkomendasikan sanksi",
    "sanctioned": "Dijatuhi sanksi",
}
#: Column heads of the per-election and per-province tables.
MEASURE_LABELS = {
    "reported": "ASN dilaporkan",
    "proven": "Terbukti",
    "recommended": "Rekomendasi sanksi",
    "rate": "Tingkat tindak lanjut",
    "median": "Median hari hingga SK",
    "province": "Provinsi",
    "election": "Pemilihan",
} | {code: name for code, name in STATUS_LABELS.items()}
#: Kinds of mart audit (mart.quality_runs.kind).
AUDIT_KIND_LABELS = {
    "reconcile": "Audit rekonsiliasi",
    "check": "Pemeriksaan harian",
}
UNKNOWN = "Tidak diketahui"


def election_label(election_id: str) -> str:
    """`pilkada-2020` -> `Pilkada 2020`; `unknown` (a recommendation whose report has not arrived) named."""
    if election_id == "unknown":
        return UNKNOWN
    kind, _, year = election_id.partition("-")
    names = {"pilkada": "Pilkada", "pemilu": "Pemilu"}
    return f"{names.get(kind, kind.title())} {year}".strip() if year else election_id


def label(table: dict[str, str], code: str | None) -> str:
    """The name of `code` in `table`; an unknown code is shown as itself (never hidden)."""
    if code is None:
        return UNKNOWN
    return table.get(code, code)
