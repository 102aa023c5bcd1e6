"""Season generator, step 0: the published shape (DOMAIN.md §4) and the wording, plus small helpers.

Constants first, so the other generator modules import from here and no import circle appears.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import TypeVar

from netra.contracts.vocabulary import DEFAULT_LINK_WINDOW_DAYS, LEVELS
from netra.reconcile import rules
from netra.reference import sanction_reasons

T = TypeVar("T")

TOPICS = ("reports.raw", "recommendations.raw", "sanctions.raw")
GROUND_TRUTH_FILE = "ground_truth.json"

# ------------------------------------------------------------------ published shape

#: KASN, Feb 2024: reported ASN for Pilkada 2020 (DOMAIN.md §4); scale=1.0 reproduces it.
REPORTED_ASN_AT_SCALE_1 = 2034
#: ASN per case: 1,194 Bawaslu recommendations covered 1,645 ASN (mean 1.38, DOMAIN.md §4).
SUBJECTS_PER_CASE = ((1, 0.72), (2, 0.18), (3, 0.10))
#: Case-level decision and per-ASN proof, tuned so ~78.5 % of reported ASN are proven.
P_CASE_PROVEN = 0.81
P_SUBJECT_PROVEN = 0.935
NOT_PROVEN_DECISIONS = (("not_proven", 0.55), ("not_registered", 0.25), ("stopped", 0.20))

#: Violation types, KASN Pilkada 2020 (okezone 2022-05-31), mapped to DOMAIN.md §2.3 codes.
#: The 18.1 % the source leaves unnamed is spread over the remaining codes.
#: "V09" is split into V09a/V09b by whether candidates had been set (campaign start).
CATEGORY_SHARES = (
    ("V02", 30.4),  # social-media campaigning
    ("V08", 22.4),  # partisan activities
    ("V07", 12.6),  # photos with partisan gestures or symbols
    ("V04", 10.9),  # attending a declaration
    ("V03", 5.6),   # approaching a party
    ("V06", 6.0), ("V11", 4.0), ("V01", 3.5), ("V09", 2.5), ("V10", 1.5), ("V05", 0.6),
)
#: Discipline level per category (SKB 2022 as reported, DOMAIN.md §2.3).
DISCIPLINE_LEVEL = {
    "V01": "berat", "V02": "berat", "V03": "sedang", "V04": "berat", "V05": "berat", "V06": "berat",
    "V07": "berat", "V08": "berat", "V09a": "sedang", "V09b": "berat", "V10": "berat", "V11": "berat",
}
#: Categories on the ethics-track list (moral sanction possible), and how often KASN chose it
#: (Jawa Tengah: 68 of 110 sanctions were moral, DOMAIN.md §4).
ETHICS_TRACK = ("V01", "V02", "V04", "V06", "V07")
P_MORAL_ON_ETHICS_TRACK = 0.6

#: Job types of reported ASN (KASN 2022 report; camat/lurah from the Jun 2020 figures).
JOB_SHARES = (("pimpinan_tinggi", 15.7), ("fungsional", 26.5), ("pelaksana", 17.2),
              ("administrator", 13.4), ("pengawas", 11.8), ("camat_lurah", 8.0), ("unknown", 7.4))
POSITIONS = {
    "pimpinan_tinggi": ("Sekretaris Daerah", "Kepala Dinas Pendidikan", "Kepala Dinas Kesehatan",
                        "Kepala Dinas Pekerjaan Umum dan Penataan Ruang", "Kepala Badan Perencanaan Pembangunan Daerah",
                        "Asisten Pemerintahan dan Kesejahteraan Rakyat", "Kepala Dinas Pertanian"),
    "fungsional": ("Guru", "Guru", "Kepala Sekolah", "Bidan", "Perawat", "Penyuluh Pertanian",
                   "Dokter Puskesmas", "Pranata Komputer", "Analis Kebijakan"),
    "pelaksana": ("Staf Pelaksana", "Pengadministrasi Umum", "Pengelola Keuangan", "Pengemudi", "Operator Komputer"),
    "administrator": ("Kepala Bagian Umum", "Kepala Bidang Anggaran", "Sekretaris Dinas",
                      "Kepala Bagian Tata Pemerintahan"),
    "pengawas": ("Kepala Seksi Pelayanan", "Kepala Subbagian Keuangan", "Sekretaris Kecamatan",
                 "Kepala Seksi Pemerintahan"),
    "camat_lurah": ("Camat", "Lurah", "Kepala Desa"),
}

#: Reports: 47.1 % before the campaign period, 52.9 % during it (andalpost.com, DOMAIN.md §4).
P_FILED_BEFORE_CAMPAIGN = 0.471
PRE_CAMPAIGN_DAYS = 240
P_TEMUAN = 0.30
P_SUBJECT_NIP_UNKNOWN = 0.08  # reporters often do not know the NIP; Bawaslu's decision has it

#: Outcome of a recommendation over the whole season.
P_CLOSED = 0.03
P_NEVER_SANCTIONED = 0.045
#: Decree date minus issued_on, days: (weight, low, high). Fitted to the later KASN series
#: 86 % (May 2022), 88.5 % (Jan 2023), 90.8 % (Feb 2024); the 2020 points come out at ~45-55 %
#: (published 35-57 %), as the campaign-period wave of fresh recommendations holds the rate down.
#: Negative lags: the PPK acted on Bawaslu's forwarding before the KASN letter arrived.
DECREE_LAG_DAYS = ((0.01, -7, -1), (0.53, 0, 28), (0.15, 29, 150), (0.17, 151, 365),
                   (0.09, 366, 560), (0.05, 561, 1150))
P_REVOKED = 0.007
#: ~30 % of sanctions lack recommendation_ref (real exports); only those the NIP window can link.
SHARE_WITHOUT_REF = 0.30
#: The §6 link window the ground truth is drawn for (NETRA_LINK_WINDOW_DAYS at its default).
LINK_WINDOW_DAYS = DEFAULT_LINK_WINDOW_DAYS
#: Decrees one to three years late rarely carry the reference (the KASN series rose 1,373 -> 1,450
#: between 2022-05 and 2024-02 for letters of 2020-21): this share of them has none and links by NIP.
P_LATE_WITHOUT_REF = 0.75
P_REF_NIP_MISSING = 0.04  # a referenced sanction whose export lost the NIP: still linked by reference
P_NIP_SPACED = 0.05       # NIP printed "YYYYMMDD YYYYMM G NNN"; the decoder normalises it
P_LIGHTER, P_HEAVIER = 0.14, 0.03
#: BKPSDM disciplinary exports also carry sanctions for other offences (absence etc.).
UNRELATED_SANCTIONS_PER_RECOMMENDATION = 0.04
#: ... of which this share comes from an export without the reason column (null reason: eligible, unlinked).
P_UNRELATED_REASON_MISSING = 0.2
#: Share of recommended ASN who also get a sanction for another offence (absence, ...) inside their
#: link window: out of scope by its reason, so it must not link by NIP (DESIGN.md §6 eligibility).
P_OTHER_OFFENCE_OF_PROVEN = 0.05
#: Share of never-sanctioned recommendations whose ASN gets a neutrality sanction only after the
#: window (issued_on + LINK_WINDOW_DAYS + BEYOND_WINDOW_DAYS), without reference: it links nothing.
P_BEYOND_WINDOW = 0.3
BEYOND_WINDOW_DAYS = (1, 200)
#: Reasons of neutrality sanctions: null (export without the column), SIASN wording, or free text.
P_NEUTRAL_REASON_MISSING = 0.25
P_NEUTRAL_REASON_SIASN = 0.35
#: References typed by hand: share of referenced sanctions whose reference is re-typed, and per
#: re-typed reference the chance of lower case, spaces around "/", and a Roman month.
P_REF_TYPED = 0.35
P_TYPED_LOWER, P_TYPED_SPACED, P_TYPED_ROMAN = 0.5, 0.4, 0.6
#: fuzzy_rate: shares of the picked NIP-linked sanctions that get a NIP typo / lose the NIP (rest: unchanged).
FUZZY_TYPO_SHARE = 0.5
FUZZY_MISSING_SHARE = 0.25
#: ... and of the typos, the share that swaps two adjacent digits rather than substituting one.
FUZZY_TRANSPOSITION_SHARE = 0.4
#: Review-band colleagues: name similarity (rapidfuzz token_sort_ratio of normalised names, 0..1)
#: with a NIP two edits away, and with a NIP one digit off; share of the first kind.
COLLEAGUE_NAME_SIMILAR = (0.85, 0.92)
COLLEAGUE_NAME_LESS_SIMILAR = (0.66, 0.84)
P_COLLEAGUE_TWO_EDITS = 0.6
#: NIP digits a colleague's NIP may differ in: birth month and day, and the sequence number.
COLLEAGUE_NIP_POSITIONS = (4, 5, 6, 7, 15, 16, 17)
#: Spelling variants (old spelling, regional habits) that make a colleague's name look alike:
#: (from, to, where) with where "any", "start" or "end" of a word. Soekarno/Sukarno, Djoko/Joko,
#: Jusuf/Yusuf, Sjamsuddin/Syamsuddin, Santosa/Santoso, Rizki/Rizky, Taupik/Taufik, Muhamad/Muhammad.
SPELLING_VARIANTS = (("oe", "u", "any"), ("u", "oe", "any"), ("dj", "j", "any"), ("j", "dj", "any"),
                     ("tj", "c", "any"), ("c", "tj", "any"), ("sj", "sy", "any"), ("sy", "sj", "any"),
                     ("kh", "ch", "any"), ("ch", "kh", "any"), ("f", "p", "any"), ("mm", "m", "any"),
                     ("dd", "d", "any"), ("ahm", "achm", "any"), ("muh", "moh", "any"), ("y", "j", "start"),
                     ("o", "a", "end"), ("a", "o", "end"), ("y", "i", "end"), ("i", "y", "end"), ("i", "ie", "end"))
#: Attempts at a valid typo NIP / a clear colleague before giving up on one recommendation.
FUZZY_ATTEMPTS = 12

#: KASN handed over to BKN (SE MenPANRB 4/2024, DOMAIN.md §1.1).
BKN_FROM = date(2024, 9, 1)
#: PP 94/2021 replaced PP 53/2010; older decrees use the legacy codes.
PP94_FROM = date(2021, 8, 31)

#: Published follow-through snapshots, for `summarize` and `followthrough_as_of` (DOMAIN.md §4).
PUBLISHED_FOLLOWTHROUGH = {
    "pilkada-2020": ((date(2020, 6, 30), 0.35), (date(2020, 8, 31), 0.535), (date(2020, 11, 30), 0.57),
                     (date(2022, 5, 31), 0.86), (date(2023, 1, 31), 0.885), (date(2024, 2, 6), 0.908)),
}


@dataclass(frozen=True)
class CalibrationTargets:
    """Figures a calibrated season hits exactly: reported and proven ASN (all recommended) and
    the number of recommendations whose §6 status is `sanctioned` on each listed day.
    """

    reported_asn: int
    proven_asn: int
    sanctioned_as_of: tuple[tuple[date, int], ...]

    def scaled(self, scale: float) -> CalibrationTargets:
        """Proportional targets, rounded; reported ASN as `generate_season` has always drawn it."""
        return CalibrationTargets(max(1, round(self.reported_asn * scale)), round(self.proven_asn * scale),
                                  tuple((d, round(n * scale)) for d, n in self.sanctioned_as_of))


#: KASN's Pilkada 2020 figures (DOMAIN.md §4): Okezone May 2022, SIAPNET launch Jan 2023, KASN Feb 2024.
#: The Jan 2023 and May 2022 sources say 1,596 proven; the Feb 2024 figure, 1,597, is used throughout.
CALIBRATION_TARGETS = {
    "pilkada-2020": CalibrationTargets(2034, 1597, ((date(2022, 5, 31), 1373), (date(2023, 1, 31), 1413),
                                                    (date(2024, 2, 6), 1450))),
}

#: Pilkada 2020 was held in 270 regions, 261 of them kab/kota.
PILKADA_2020_REGENCIES = 261
ALWAYS_INCLUDED_REGIONS = ("33.72", "34.02", "13.02")
#: Relative report intensity by province (Jateng, Sulsel, Sultra lead the published counts).
PROVINCE_WEIGHT = {"33": 3.0, "73": 2.5, "74": 2.2, "35": 1.6, "32": 1.5, "52": 1.5, "72": 1.4,
                   "13": 1.3, "71": 1.2, "34": 1.2, "75": 1.2, "18": 1.1}
P_PROVINCIAL_EMPLOYER = 0.12

# ------------------------------------------------------------------ codes and wording

SANCTION_CODES = {  # level -> (current PP 94/2021 choices, legacy PP 53/2010 choices)
    "moral": (((21, 0.9), (22, 0.1)), ((21, 0.9), (22, 0.1))),
    "ringan": (((1, 0.3), (2, 0.5), (3, 0.2)), ((1, 0.3), (2, 0.5), (3, 0.2))),
    "sedang": (((23, 0.6), (24, 0.25), (25, 0.15)), ((4, 0.35), (7, 0.35), (8, 0.3))),
    "berat": (((27, 0.45), (28, 0.35), (10, 0.15), (11, 0.05)),
              ((14, 0.4), (13, 0.3), (9, 0.2), (10, 0.08), (11, 0.02))),
}
EFFECT_MONTHS = {23: 6, 24: 9, 25: 12, 27: 12, 28: 12, 4: 12, 7: 12, 8: 12, 13: 12, 14: 36}
LEVEL_ORDER = LEVELS

CATEGORY_TEXT = {
    "V01": "memasang spanduk dan baliho bakal calon",
    "V02": "mengunggah ajakan memilih pasangan calon di media sosial",
    "V03": "mendaftar sebagai bakal calon ke partai politik",
    "V04": "menghadiri deklarasi pasangan calon dan menyatakan dukungan",
    "V05": "menjadi pengurus partai politik",
    "V06": "menyukai dan membagikan unggahan kampanye pasangan calon",
    "V07": "berfoto dengan pasangan calon sambil mengacungkan simbol jari",
    "V08": "mengadakan pertemuan untuk mengajak warga memilih pasangan calon",
    "V09a": "menjadi anggota tim pemenangan sebelum penetapan pasangan calon",
    "V09b": "menjadi anggota tim kampanye pasangan calon",
    "V10": "mengumpulkan fotokopi KTP untuk dukungan calon perseorangan",
    "V11": "membuat keputusan yang menguntungkan salah satu pasangan calon",
}
CLOSE_REASONS = (("rejected", 0.45), ("cancelled", 0.25), ("not_proven", 0.20), ("left_service", 0.10))
REVOKE_REASONS = ("Keberatan dikabulkan oleh atasan pejabat yang berwenang menghukum",
                  "Banding administratif dikabulkan BPASN", "Dibatalkan berdasarkan putusan PTUN",
                  "Kesalahan penerapan dasar hukum")

MALE_GIVEN = ("Budi", "Agus", "Slamet", "Joko", "Bambang", "Hendra", "Eko", "Dedi", "Ahmad", "Muhammad", "Rudi",
              "Teguh", "Yusuf", "Andi", "Rizky", "Hadi", "Wahyu", "Arif", "Fajar", "Imam", "Sugeng", "Heru",
              "Bayu", "Taufik", "Iwan", "Yohanes", "I Made", "I Ketut", "La Ode", "Sutrisno", "Supriyadi", "Darmawan")
FEMALE_GIVEN = ("Siti", "Sri", "Dewi", "Rina", "Wulan", "Nur", "Ani", "Endang", "Yuliana", "Ratna", "Fitri",
                "Dian", "Indah", "Maria", "Ni Luh", "Ni Made", "Wa Ode", "Sulastri", "Suryani", "Kartika",
                "Puji", "Retno", "Yanti", "Eka")
FAMILY = ("Santoso", "Wibowo", "Prasetyo", "Susanto", "Hidayat", "Saputra", "Setiawan", "Nugroho", "Kurniawan",
          "Pratama", "Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Sinaga", "Tanjung", "Pontoh",
          "Lapian", "Tambunan", "Saleh", "Rasyid", "Hamzah", "Baharuddin", "Syamsuddin", "Nurdin", "Gunawan",
          "Suharto", "Wijaya", "Firmansyah", "Mahmud", "Sitompul")
FEMALE_FAMILY = ("Rahayu", "Lestari", "Handayani", "Wulandari", "Rahmawati", "Kusumawati", "Anggraini", "Safitri")
DEGREES = (", S.Pd.", ", S.E.", ", S.Sos.", ", S.H.", ", M.Si.", ", S.Kom.", ", S.IP.", ", M.Pd.", ", S.Kep.",
           ", A.Md.")

# ------------------------------------------------------------------ small helpers


def weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    """One of `choices` ((value, weight) pairs), drawn by weight."""
    values, weights = zip(*choices)
    return rng.choices(values, weights=weights)[0]


def day_between(rng: random.Random, low: date, high: date) -> date:
    """A day from `low` to `high`, both included (just `low` if high < low)."""
    return low + timedelta(days=rng.randint(0, max(0, (high - low).days)))


def add_months(d: date, months: int) -> date:
    """`d` plus `months` calendar months, the day clamped to the month's end."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):  # clamp to the month's last day
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def title_case(name: str) -> str:
    """`KEP. SIAU TAGULANDANG BIARO` -> `Kep. Siau Tagulandang Biaro`; keeps `dan` lower-case."""
    return " ".join(w.lower() if w == "DAN" else w.title() for w in name.split())


def utc_offset(region_code: str) -> timezone:
    """WIB / WITA / WIT by province: regional systems stamp local time."""
    prov = int(region_code[:2])
    if prov in (51, 52, 53, 63, 64, 65) or 71 <= prov <= 76:
        return timezone(timedelta(hours=8))
    if prov in (81, 82) or prov >= 91:
        return timezone(timedelta(hours=9))
    return timezone(timedelta(hours=7))



def neutrality_reasons() -> tuple[str, ...]:
    """SIASN reasons (alasanHukumanDisiplin) that name an election-neutrality offence (default pattern)."""
    return tuple(r for r in sanction_reasons() if rules.in_scope(r))


def other_offence_reasons() -> tuple[str, ...]:
    """SIASN reasons for every other offence (absence, fraud, drugs, ...): out of scope by §6."""
    return tuple(r for r in sanction_reasons() if not rules.in_scope(r))
