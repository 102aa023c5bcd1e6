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
   names its recommendation or carries the NIP with a decree date inside the §6
   window; sanctions unrelated to any recommendation use NIPs no recommendation has.
   `followthrough_as_of` holds, for quarter ends, the published snapshot days and `as_of`,
   the figures as they stood that day (`date`, `reported_asn`, `proven_asn`, `recommended`
   and the five §6 status counts), which is what `mart.followthrough_as_of(d)` sums to.
   `review_pairs` ([recommendation_id, sanction_id], sorted) is what the fuzzy step sends to
   the review queue and `unlinked_sanctions` (sorted ids) the sanctions that link to nothing
   and are not under review, both as of `as_of`. Before writing `ground_truth.json` the
   generator runs `netra.reconcile.rules.reconcile_links` over the valid events and raises
   AssertionError if its links, review pairs or unlinked sanctions differ from the truth.

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

Everything random comes from `random.Random(seed)` (and, for the fuzzy mess, a second
stream seeded from `seed`) and no wall clock is read, so the same arguments give
byte-identical files.
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from rapidfuzz import fuzz

from netra.contracts.events import EVENT_TYPES
from netra.reconcile import rules
from netra.reference import ELECTIONS, regions, sanction_types

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
P_REF_NIP_MISSING = 0.04  # a referenced sanction whose export lost the NIP: still linked by reference
P_NIP_SPACED = 0.05       # NIP printed "YYYYMMDD YYYYMM G NNN"; the decoder normalises it
P_LIGHTER, P_HEAVIER = 0.14, 0.03
#: BKPSDM disciplinary exports also carry sanctions for other offences (absence etc.).
UNRELATED_SANCTIONS_PER_RECOMMENDATION = 0.04
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
    the number of recommendations whose §6 status is `sanctioned` on each listed day."""

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
LEVEL_ORDER = ("moral", "ringan", "sedang", "berat")

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
UNRELATED_REASONS = ("Tidak masuk kerja tanpa alasan yang sah", "Tidak menaati ketentuan jam kerja",
                     "Penyalahgunaan wewenang", "Tidak mencapai sasaran kerja pegawai")

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
    world = _World(rng, election_id)
    world.build(max(1, round(REPORTED_ASN_AT_SCALE_1 * scale)) if targets is None else targets.reported_asn,
                targets)
    if fuzzy_rate > 0:
        # its own stream: the main one stays where fuzzy_rate=0 leaves it, so other events keep their ids
        _FuzzyMess(world, random.Random(f"{seed}:fuzzy"), as_of, sla_days).apply(fuzzy_rate)

    emitter = _Emitter(rng)
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

    truth = _ground_truth(world, emitter, messages, seed=seed, as_of=as_of, sla_days=sla_days)
    _check_links(valid, truth)
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


# ------------------------------------------------------------------ small helpers


def _weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    values, weights = zip(*choices)
    return rng.choices(values, weights=weights)[0]


def _day_between(rng: random.Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randint(0, max(0, (high - low).days)))


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):  # clamp to the month's last day
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _title(name: str) -> str:
    """`KEP. SIAU TAGULANDANG BIARO` -> `Kep. Siau Tagulandang Biaro`; keeps `dan` lower-case."""
    return " ".join(w.lower() if w == "DAN" else w.title() for w in name.split())


def _utc_offset(region_code: str) -> timezone:
    """WIB / WITA / WIT by province: regional systems stamp local time."""
    prov = int(region_code[:2])
    if prov in (51, 52, 53, 63, 64, 65) or 71 <= prov <= 76:
        return timezone(timedelta(hours=8))
    if prov in (81, 82) or prov >= 91:
        return timezone(timedelta(hours=9))
    return timezone(timedelta(hours=7))


WIB = timezone(timedelta(hours=7))
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


# ------------------------------------------------------------------ the world


@dataclass
class _Asn:
    nip: str
    name: str
    sex: int
    agency: str
    employer_region: str  # PP.KK for a kab/kota government, PP for a province
    position: str | None


@dataclass
class _Case:
    kind: str
    region_code: str
    filed_on: date
    category: str
    subjects: list[_Asn]
    nip_known: list[bool]
    reporter: dict
    summary: str | None
    decision: str
    decided_on: date
    proven: list[_Asn]
    report_id: str = ""


@dataclass
class _Sanction:
    asn: _Asn
    code: int
    decree_date: date
    effective_from: date
    effective_to: date | None
    recommendation_ref: str | None
    nip_field: str | None  # as the source wrote it: None, 18 digits, or spaced
    name_field: str
    source: str
    reason: str | None
    revoked_on: date | None = None
    revoke_reason: str | None = None
    sanction_id: str = ""
    fuzzy: bool = False              # its NIP was garbled (typo or missing): the ladder links it by `fuzzy`
    review_of: _Rec | None = None    # a look-alike colleague's: in review with this recommendation


@dataclass
class _Rec:
    case: _Case
    asn: _Asn
    level: str
    sanction_code: int | None
    issued_on: date
    nip_field: str
    closed_on: date | None = None
    close_reason: str | None = None
    sanction: _Sanction | None = None
    recommendation_id: str = ""

    @property
    def issuer(self) -> str:
        return "kasn" if self.issued_on < BKN_FROM else "bkn"


@dataclass
class _Plan:
    """Calibration: a recommendation's planned sanction, before the sanction is drawn."""

    rec: _Rec
    decree: date | None        # None: not yet placed (a recommendation given a sanction it did not have)
    revoke_after: int | None   # days from decree to revocation, if the sanction gets revoked
    revoked_on: date | None = None


class _World:
    """The whole season as it really happened, before any event is written."""

    def __init__(self, rng: random.Random, election_id: str):
        self.rng = rng
        self.election = ELECTIONS[election_id]
        self.election_id = election_id
        self.pilkada = election_id.startswith("pilkada")
        self.cases: list[_Case] = []
        self.recs: list[_Rec] = []
        self.sanctions: list[_Sanction] = []  # linked and unrelated
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
            birth = _day_between(rng, date(1965, 1, 1), date(1995, 12, 31))
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
            birth = _day_between(rng, date(1950, 1, 1), date(2002, 12, 31))
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
            return f"Pemerintah Provinsi {_title(prov.name)}", prov.code
        r = reg[region_code]
        return f"Pemerintah {'Kota' if r.kind == 'kota' else 'Kabupaten'} {_title(r.name)}", r.code

    def _new_asn(self, region_code: str, filed_on: date, agency: tuple[str, str] | None = None) -> _Asn:
        rng = self.rng
        sex = 1 if rng.random() < 0.68 else 2
        agency_name, employer = agency or self._agency(region_code)
        job = _weighted(rng, JOB_SHARES)
        position = None if job == "unknown" else rng.choice(POSITIONS[job])
        return _Asn(self._new_nip(sex, filed_on), self._person_name(sex, degree=True), sex,
                    agency_name, employer, position)

    # -- cases

    def _filed_on(self) -> date:
        e, rng = self.election, self.rng
        if rng.random() < P_FILED_BEFORE_CAMPAIGN:
            return _day_between(rng, e.campaign_start - timedelta(days=PRE_CAMPAIGN_DAYS),
                                e.campaign_start - timedelta(days=1))
        return _day_between(rng, e.campaign_start, e.voting_day + timedelta(days=3))

    def _category(self, filed_on: date) -> str:
        cat = _weighted(self.rng, CATEGORY_SHARES)
        if cat == "V09":  # before or after candidates were set
            return "V09a" if filed_on < self.election.campaign_start else "V09b"
        return cat

    def _reporter(self, kind: str, region_code: str) -> dict:
        if kind == "temuan":  # the supervisors' own finding: no private reporter to protect
            return {"type": "supervisor", "nik": None, "name": None}
        sex = 1 if self.rng.random() < 0.6 else 2
        return {"type": _weighted(self.rng, (("voter", 0.6), ("monitor", 0.25), ("participant", 0.15))),
                "nik": self._new_nik(region_code, sex), "name": self._person_name(sex, degree=False)}

    def _decide(self, subjects: list[_Asn], filed_on: date) -> tuple[str, date, list[_Asn]]:
        rng = self.rng
        # Pilkada: follow-up within 3 (+2) days; Pemilu: 7 (+14 working) days (DOMAIN.md §1.2)
        decided_on = filed_on + timedelta(days=rng.randint(2, 5) if self.pilkada else rng.randint(5, 20))
        if rng.random() >= P_CASE_PROVEN:
            return _weighted(rng, NOT_PROVEN_DECISIONS), decided_on, []
        proven = [s for s in subjects if rng.random() < P_SUBJECT_PROVEN] or [rng.choice(subjects)]
        return "proven", decided_on, proven

    def _new_case(self, n_subjects: int) -> _Case:
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
        return _Case(kind, region_code, filed_on, category, subjects, nip_known,
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
        return _weighted(self.rng, current if on >= PP94_FROM else legacy)

    def _new_rec(self, case: _Case, asn: _Asn) -> _Rec:
        rng = self.rng
        # KASN verification of Bawaslu's forwarding takes weeks
        issued_on = case.decided_on + timedelta(days=7 + min(150, int(rng.expovariate(1 / 25))))
        level = self._recommended_level(case.category)
        suggest = rng.random() < (0.85 if level == "moral" else 0.4)
        code = self._code_for(level, issued_on, case.category) if suggest else None
        nip_field = self._spaced(asn.nip) if rng.random() < P_NIP_SPACED else asn.nip
        return _Rec(case, asn, level, code, issued_on, nip_field)

    @staticmethod
    def _spaced(nip: str) -> str:
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"

    @staticmethod
    def _sanction_source(asn: _Asn, spreadsheet: bool) -> str:
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

    def _new_sanction(self, asn: _Asn, level: str, decree: date, *, ref_allowed: bool, unrelated: bool,
                      category: str | None = None) -> _Sanction:
        rng = self.rng
        code = self._code_for(level, decree, category)
        months = EFFECT_MONTHS.get(code)
        effective_from = decree + timedelta(days=rng.randint(0, 14))
        effective_to = _add_months(effective_from, months) - timedelta(days=1) if months else None
        spreadsheet = unrelated or not ref_allowed or rng.random() < 0.5
        if ref_allowed:
            nip_field = None if rng.random() < P_REF_NIP_MISSING else asn.nip
        else:
            nip_field = asn.nip  # without a reference the NIP is what links it
        if nip_field and rng.random() < P_NIP_SPACED:
            nip_field = self._spaced(nip_field)
        # spreadsheet exports often shout
        name = asn.name.upper() if spreadsheet and rng.random() < 0.3 else asn.name
        if unrelated:
            reason = rng.choice(UNRELATED_REASONS)
        else:
            reason = None if rng.random() < 0.25 else f"Pelanggaran netralitas ASN pada {self._election_label()}"
        return _Sanction(asn, code, decree, effective_from, effective_to, None, nip_field, name,
                         self._sanction_source(asn, spreadsheet), reason)

    def _election_label(self) -> str:
        kind, year = self.election_id.split("-")
        return f"{'Pilkada' if kind == 'pilkada' else 'Pemilu'} {year}"

    def _follow_up(self, rec: _Rec, p_without_ref: float) -> None:
        """Decide what happened to a recommendation: closed, nothing, or a sanction (maybe revoked)."""
        rng = self.rng
        r = rng.random()
        if r < P_CLOSED:
            rec.closed_on = rec.issued_on + timedelta(days=rng.randint(14, 240))
            rec.close_reason = _weighted(rng, CLOSE_REASONS)
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

    def _sanction_for(self, rec: _Rec, decree: date, p_without_ref: float) -> _Sanction:
        """The sanction a PPK decreed on `rec` on `decree`; attached to `rec` and the world."""
        lag = (decree - rec.issued_on).days
        # a decree before the letter cannot cite it; past the NIP window only the reference links
        if lag < 0:
            with_ref = False
        elif lag > 365:
            with_ref = True
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
            decree = _day_between(rng, e.campaign_start - timedelta(days=PRE_CAMPAIGN_DAYS),
                                  e.voting_day + timedelta(days=1200))
            asn = self._new_asn(region_code, decree)
            level = _weighted(rng, (("ringan", 0.5), ("sedang", 0.4), ("berat", 0.1)))
            self.sanctions.append(self._new_sanction(asn, level, decree, ref_allowed=False, unrelated=True))

    # -- calibration (calibrate=True only)

    def _calibrate_proven(self, target: int) -> None:
        """Flip single subjects' proof, chosen at random, until exactly `target` reported ASN are proven.

        A case losing its last proven subject gets a not-proven decision; a not-proven case gaining
        one becomes `proven`. Filing and decision dates stay. Needs 0 <= target <= reported ASN.
        """
        rng = self.rng
        have = sum(len(c.proven) for c in self.cases)
        if have > target:
            for case, asn in rng.sample([(c, a) for c in self.cases for a in c.proven], have - target):
                case.proven = [a for a in case.proven if a is not asn]
                if not case.proven:
                    case.decision = _weighted(rng, NOT_PROVEN_DECISIONS)
        elif have < target:
            unproven = [(c, a) for c in self.cases for a in c.subjects if all(a is not p for p in c.proven)]
            for case, asn in rng.sample(unproven, target - have):
                case.proven = [a for a in case.subjects if a is asn or any(a is p for p in case.proven)]
                case.decision = "proven"

    def _follow_up_calibrated(self, p_without_ref: float, targets: Sequence[tuple[date, int]]) -> None:
        """`_follow_up` for all recommendations at once, with decree dates placed so that exactly the
        target number of recommendations is `sanctioned` (DESIGN.md §6) on each target day."""
        rng = self.rng
        plans: list[_Plan] = []
        never: list[_Rec] = []
        closed: list[_Rec] = []
        for rec in self.recs:  # the same outcome shares as _follow_up
            r = rng.random()
            if r < P_CLOSED:
                rec.closed_on = rec.issued_on + timedelta(days=rng.randint(14, 240))
                rec.close_reason = _weighted(rng, CLOSE_REASONS)
                closed.append(rec)
            elif r < P_CLOSED + P_NEVER_SANCTIONED:
                never.append(rec)
            else:
                decree = rec.issued_on + timedelta(days=self._decree_lag())
                plans.append(_Plan(rec, decree, rng.randint(30, 400) if rng.random() < P_REVOKED else None))
        # if too few recommendations have a sanction, some get one: never-sanctioned first, then closed
        rng.shuffle(never)
        rng.shuffle(closed)
        days, wants = [d for d, _ in targets], [n for _, n in targets]
        if any(a >= b for a, b in zip(days, days[1:])) or any(a > b for a, b in zip(wants, wants[1:])):
            raise ValueError("calibration days must increase and sanctioned targets must not decrease")
        placed = (self._place_decrees(plans, never + closed, days, wants, postpone_revocations=False)
                  or self._place_decrees(plans, never + closed, days, wants, postpone_revocations=True))
        if placed is None:
            raise ValueError(f"cannot calibrate to {wants} sanctioned of {len(self.recs)} recommended")
        by_rec = {id(p.rec): p for p in placed}
        for rec in self.recs:
            plan = by_rec.get(id(rec))
            if plan is None:
                continue
            rec.closed_on = rec.close_reason = None  # a spare closed one that was given a sanction
            s = self._sanction_for(rec, plan.decree, p_without_ref)
            if plan.revoked_on is not None:
                s.revoked_on = plan.revoked_on
                s.revoke_reason = rng.choice(REVOKE_REASONS)

    def _place_decrees(self, plans: list[_Plan], spare: list[_Rec], days: list[date], wants: list[int], *,
                       postpone_revocations: bool) -> list[_Plan] | None:
        """Decree dates such that exactly `wants[i]` recommendations are sanctioned on `days[i]`; None if
        impossible this way.

        Sanctions that get revoked keep their drawn dates and are counted (sanctioned from decree until
        revocation), unless `postpone_revocations`: then every revocation falls after the last day and
        is, up to then, like any other sanction. The other sanctions are ranked by planned decree date
        and the earliest fill the windows up to each day, so a decree moves only if it sits on the wrong
        side of a day; a moved decree gets a random date inside its new window (never before its letter).
        """
        rng, last = self.rng, days[-1]
        fixed = [] if postpone_revocations else [p for p in plans if p.revoke_after is not None]
        movable = [p for p in plans if postpone_revocations or p.revoke_after is None]
        for p in fixed:
            p.revoked_on = p.decree + timedelta(days=p.revoke_after)
        held = [sum(p.decree <= d < p.revoked_on for p in fixed) for d in days]
        need = [w - h for w, h in zip(wants, held)]  # movable sanctions decreed by each day
        if need[0] < 0 or any(a > b for a, b in zip(need, need[1:])) or need[-1] - len(movable) > len(spare):
            return None
        order = sorted(movable, key=lambda p: p.decree) + [
            _Plan(rec, None, None) for rec in spare[:max(0, need[-1] - len(movable))]]
        out = list(fixed)
        for rank, p in enumerate(order):
            window = next((i for i, n in enumerate(need) if rank < n), len(days))
            after = days[window - 1] if window else None  # the window is (after, until]
            until = days[window] if window < len(days) else None
            decree = p.decree
            if decree is None or (after is not None and decree <= after) or (until is not None and decree > until):
                low = max(p.rec.issued_on, after + timedelta(days=1)) if after else p.rec.issued_on
                high = until or last + timedelta(days=365)
                if low > high:
                    return None
                decree = _day_between(rng, low, high)
            revoked_on = None if p.revoke_after is None else max(decree, last) + timedelta(days=p.revoke_after)
            out.append(_Plan(p.rec, decree, p.revoke_after, revoked_on))
        return out

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
            n = min(_weighted(self.rng, SUBJECTS_PER_CASE), reported_asn - total)
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


# ------------------------------------------------------------------ fuzzy mess (fuzzy_rate > 0)


def _nip_plausible(nip: str, by: date) -> bool:
    """What the validator checks of a NIP, with `by` (the decree date) as "today": a real birth date
    from 1940 on, a CPNS start (TMT) that is a real month, not later than `by` and at least 18 years
    after the birth month, and sex digit 1 or 2."""
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


def _rule_sanction(s: _Sanction, nip_field: str | None) -> rules.Sanction:
    """`s` as the link ladder sees it (no reference: only those reach the fuzzy step), with `nip_field`."""
    return rules.Sanction(s.sanction_id, nip_field.replace(" ", "") if nip_field else None, s.decree_date, None,
                          s.name_field, s.asn.agency)


class _FuzzyMess:
    """NIP typos, missing NIPs and look-alike colleagues (module docstring, step 6).

    Every change is checked with `rules.fuzzy_score` against the whole season, not only what is
    visible as of `as_of`, so it also holds for any earlier cut: the intended pair must score in
    its band, and neither side may come within FUZZY_REVIEW of any other recommendation (with a
    name in its report) or of any other sanction without a reference in the same place. A change
    that fails the check is not made (the sanction keeps linking by `nip`).
    """

    ACCEPT = (rules.FUZZY_ACCEPT, float("inf"))
    REVIEW = (rules.FUZZY_REVIEW, rules.FUZZY_ACCEPT)

    def __init__(self, world: _World, rng: random.Random, as_of: date, sla_days: int):
        self.world, self.rng, self.as_of, self.sla_days = world, rng, as_of, sla_days
        self.inputs: dict[int, rules.Recommendation] = {}  # id(rec) -> the ladder's view of it
        self.recs_at: dict[str, list[_Rec]] = {}  # by normalised place, recommendations with a name
        self.sans_at: dict[str, list[_Sanction]] = {}  # by normalised place, sanctions without a reference
        self.colleagues: list[_Sanction] = []
        self._pools: dict[int, list[tuple[str, str]]] = {}
        for rec in world.recs:
            rr = rules.Recommendation(rec.recommendation_id, rec.asn.nip, rec.issued_on, self._report_name(rec),
                                      rec.asn.agency)
            self.inputs[id(rec)] = rr
            if rr.name is not None:
                self.recs_at.setdefault(self._place(rec.asn.agency), []).append(rec)
        for s in world.sanctions:
            if s.recommendation_ref is None:
                self.sans_at.setdefault(self._place(s.asn.agency), []).append(s)

    @staticmethod
    def _place(agency: str) -> str:
        return rules.normalise_agency(agency)[1]

    @staticmethod
    def _report_name(rec: _Rec) -> str | None:
        """The name the ladder knows for `rec`: its subject's, if the report gave the subject's NIP."""
        return next((a.name if known else None for a, known in zip(rec.case.subjects, rec.case.nip_known)
                     if a is rec.asn), None)

    def apply(self, rate: float) -> None:
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
                    and _status_on(rec, self.as_of, self.sla_days) in ("overdue", "closed") and rng.random() < rate):
                self._colleague(rec)
        self._colleague_ids()

    # -- checks

    def _clear(self, rec: _Rec, cand: rules.Sanction, band: tuple[float, float], replaces: _Sanction | None) -> bool:
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
            if s is not replaces and self._close(rr, _rule_sanction(s, s.nip_field)):
                return False
        return True

    @staticmethod
    def _close(r: rules.Recommendation, s: rules.Sanction) -> bool:
        scored = rules.fuzzy_score(r, s)
        return scored is not None and scored[0] >= rules.FUZZY_REVIEW

    # -- garbled NIPs of NIP-linked sanctions

    def _typo(self, rec: _Rec, s: _Sanction) -> None:
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
            if typo in self.world._nips or not _nip_plausible(typo, s.decree_date):
                continue  # unchanged (equal digits swapped), someone else's NIP, or one the validator rejects
            field = _World._spaced(typo) if s.nip_field and " " in s.nip_field else typo
            if self._clear(rec, _rule_sanction(s, field), self.ACCEPT, s):
                self.world._nips.add(typo)
                s.nip_field, s.fuzzy = field, True
                return

    def _drop_nip(self, rec: _Rec, s: _Sanction) -> None:
        if self.inputs[id(rec)].name is not None and self._clear(rec, _rule_sanction(s, None), self.ACCEPT, s):
            s.nip_field, s.fuzzy = None, True

    # -- look-alike colleagues

    def _colleague(self, rec: _Rec) -> None:
        if self.inputs[id(rec)].name is None:
            return
        world, rng = self.world, self.rng
        low = rec.issued_on - rules.NIP_WINDOW_BEFORE
        high = min(rec.issued_on + rules.NIP_WINDOW_AFTER, self.as_of)
        for _ in range(FUZZY_ATTEMPTS):
            two_edits = rng.random() < P_COLLEAGUE_TWO_EDITS
            name = self._look_alike(rec.asn, COLLEAGUE_NAME_SIMILAR if two_edits else COLLEAGUE_NAME_LESS_SIMILAR)
            decree = _day_between(rng, low, high)
            nip = self._near_nip(rec.asn.nip, 2 if two_edits else 1, decree)
            if name is None or nip is None:
                continue
            asn = _Asn(nip, name, rec.asn.sex, rec.asn.agency, rec.asn.employer_region, None)
            level = _weighted(rng, (("ringan", 0.5), ("sedang", 0.4), ("berat", 0.1)))
            main, world.rng = world.rng, rng  # draw the sanction's details from this stream
            try:
                s = world._new_sanction(asn, level, decree, ref_allowed=False, unrelated=True)
            finally:
                world.rng = main
            if self._clear(rec, _rule_sanction(s, s.nip_field), self.REVIEW, None):
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
                    and _nip_plausible(near, by)):
                return near
        return None

    def _look_alike(self, asn: _Asn, band: tuple[float, float]) -> str | None:
        """Another name whose normalised form is `band` similar to `asn`'s: a spelling variant
        (one or two changes) or a name from the same pools; maybe with a degree."""
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

    def _colleague_ids(self) -> None:
        """SK numbers for the colleagues' decrees, unused in their employer's year, after the ones before them."""
        numbered: dict[tuple, list[tuple[date, int]]] = {}
        for s in self.world.sanctions:
            if s.sanction_id:
                numbered.setdefault((s.asn.employer_region, s.decree_date.year), []).append(
                    (s.decree_date, int(s.sanction_id.split("/")[1])))
        for s in sorted(self.colleagues, key=lambda s: s.decree_date):
            key = (s.asn.employer_region, s.decree_date.year)
            taken = numbered.setdefault(key, [])
            used = {n for _, n in taken}
            n = max((n for d, n in taken if d <= s.decree_date), default=0) + 1
            while n in used:
                n += 1
            taken.append((s.decree_date, n))
            office = "BKD" if "." not in s.asn.employer_region else "BKPSDM"
            s.sanction_id = f"800/{n}/{office}.{s.asn.employer_region}/{s.decree_date.year}"


# ------------------------------------------------------------------ events and mess


@dataclass
class _Msg:
    topic: str
    event: dict
    line: bytes
    arrival_utc: datetime
    order: int
    invalid_reason: str | None = None


def _line(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Emitter:
    """Turns the world as of a day into events, then adds delays, duplicates and broken first attempts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._order = 0
        self._ids: set[str] = set()
        self.valid: list[_Msg] = []

    def _event_id(self) -> str:
        while True:
            eid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            if eid not in self._ids:
                self._ids.add(eid)
                return eid

    def _occurred(self, day: date, tz: timezone) -> datetime:
        # office hours, local time of the source
        rng = self.rng
        return datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59)), tz)

    def _arrival(self, occurred: datetime, source: str) -> datetime:
        rng = self.rng
        if source.startswith(("bkpsdm:", "bkd:")):
            # spreadsheet exports go out early the next month, via the import DAG
            first = _add_months(occurred.date().replace(day=1), 1)
            return datetime.combine(first + timedelta(days=rng.randint(0, 9)), time(rng.randint(8, 16)), WIB)
        if rng.random() < 0.04:  # outage or backlog: a late batch
            return occurred + timedelta(days=rng.uniform(1, 20))
        return occurred + timedelta(minutes=rng.expovariate(1 / 90))

    def _emit(self, event_type: str, source: str, day: date, tz: timezone, payload: dict) -> None:
        occurred = self._occurred(day, tz)
        event = {"event_id": self._event_id(), "event_type": event_type, "schema_version": 1,
                 "source": source, "occurred_at": occurred.isoformat(), "payload": payload}
        self._order += 1
        arrival = self._arrival(occurred, source).astimezone(timezone.utc)
        self.valid.append(_Msg(EVENT_TYPES[event_type].topic, event, _line(event), arrival, self._order))

    # -- per event type

    def _report_events(self, case: _Case, as_of: date, election_id: str) -> None:
        source, tz = f"bawaslu:{case.region_code}", _utc_offset(case.region_code)
        subjects = [{"nip": a.nip if known else None, "name": a.name, "agency": a.agency, "position": a.position}
                    for a, known in zip(case.subjects, case.nip_known)]
        self._emit("report.filed", source, case.filed_on, tz, {
            "report_id": case.report_id, "kind": case.kind, "election_id": election_id,
            "region_code": case.region_code, "filed_on": case.filed_on.isoformat(), "category": case.category,
            "subjects": subjects, "reporter": case.reporter, "summary": case.summary})
        if case.decided_on <= as_of:
            self._emit("report.decided", source, case.decided_on, tz, {
                "report_id": case.report_id, "decision": case.decision, "decided_on": case.decided_on.isoformat(),
                "proven_nips": [a.nip for a in case.proven]})

    def _rec_events(self, rec: _Rec, as_of: date) -> None:
        self._emit("recommendation.issued", rec.issuer, rec.issued_on, WIB, {
            "recommendation_id": rec.recommendation_id, "report_id": rec.case.report_id, "nip": rec.nip_field,
            "issuer": rec.issuer, "level": rec.level, "sanction_code": rec.sanction_code,
            "ppk_agency": rec.asn.agency, "issued_on": rec.issued_on.isoformat()})
        if rec.closed_on is not None and rec.closed_on <= as_of:
            self._emit("recommendation.closed", "kasn" if rec.closed_on < BKN_FROM else "bkn", rec.closed_on, WIB, {
                "recommendation_id": rec.recommendation_id, "reason": rec.close_reason,
                "closed_on": rec.closed_on.isoformat()})

    def _sanction_events(self, s: _Sanction, as_of: date) -> None:
        tz = WIB if s.source == "bkn" else _utc_offset(s.asn.employer_region)
        # the date-sanity rule rejects a start after "today"; as of as_of, the start cannot be later
        effective_from = min(s.effective_from, as_of)
        self._emit("sanction.imposed", s.source, s.decree_date, tz, {
            "sanction_id": s.sanction_id, "nip": s.nip_field, "name": s.name_field, "agency": s.asn.agency,
            "sanction_code": s.code, "decree_date": s.decree_date.isoformat(),
            "effective_from": effective_from.isoformat(),
            "effective_to": s.effective_to.isoformat() if s.effective_to else None,
            "recommendation_ref": s.recommendation_ref, "reason": s.reason})
        if s.revoked_on is not None and s.revoked_on <= as_of:
            self._emit("sanction.revoked", s.source, s.revoked_on, tz, {
                "sanction_id": s.sanction_id, "revoked_on": s.revoked_on.isoformat(), "reason": s.revoke_reason})

    def events(self, world: _World, as_of: date) -> list[_Msg]:
        """Valid events of everything that had happened by `as_of` (business dates)."""
        for case in world.cases:
            if case.filed_on <= as_of:
                self._report_events(case, as_of, world.election_id)
        for rec in world.recs:
            if rec.issued_on <= as_of:
                self._rec_events(rec, as_of)
        for s in world.sanctions:
            if s.decree_date <= as_of:
                self._sanction_events(s, as_of)
        return list(self.valid)

    # -- mess

    def with_mess(self, valid: list[_Msg], duplicate_rate: float, invalid_rate: float) -> list[_Msg]:
        rng = self.rng
        out = list(valid)
        # re-sent duplicates: same bytes, a little (or a lot) later
        for m in rng.sample(valid, min(len(valid), round(len(valid) * duplicate_rate))):
            self._order += 1
            delay = timedelta(minutes=rng.uniform(1, 4320))
            out.append(_Msg(m.topic, m.event, m.line, m.arrival_utc + delay, self._order))
        # broken first attempts, each an extra event with a fresh event_id, sent before the good one
        n_invalid = round(len(valid) * invalid_rate)
        for i in range(n_invalid):
            kind = _BREAKERS[i % len(_BREAKERS)]
            candidates = [m for m in valid if kind.applies(m.event)]
            if not candidates:
                continue
            m = rng.choice(candidates)
            broken = json.loads(m.line)
            broken["event_id"] = self._event_id()
            kind.breaks(broken, rng)
            self._order += 1
            early = timedelta(minutes=rng.uniform(10, 2880))
            out.append(_Msg(m.topic, broken, _line(broken), m.arrival_utc - early, self._order, kind.reason))
        return out


# ------------------------------------------------------------------ deliberately invalid events

#: Payload fields that the contract requires, per type (none has a default).
_REQUIRED = {
    "report.filed": ("report_id", "kind", "election_id", "region_code", "filed_on", "category", "subjects", "reporter"),
    "report.decided": ("report_id", "decision", "decided_on"),
    "recommendation.issued": ("recommendation_id", "report_id", "nip", "issuer", "level", "ppk_agency", "issued_on"),
    "recommendation.closed": ("recommendation_id", "reason", "closed_on"),
    "sanction.imposed": ("sanction_id", "nip", "name", "agency", "sanction_code", "decree_date", "effective_from"),
    "sanction.revoked": ("sanction_id", "revoked_on", "reason"),
}
#: Digits 1-8 of a NIP that are no date (month 13, 30 February, day 0, day 45).
_BAD_BIRTH = ("1345", "0230", "0900", "1145")
_UNKNOWN_REGIONS = ("99.99", "33.99", "34.50")
_UNKNOWN_CODES = (99, 26, 15)


def _nip_holder(event: dict) -> dict | None:
    """The dict whose `nip` a domain-rule breaker may spoil, if this event has one."""
    p = event["payload"]
    if event["event_type"] in ("recommendation.issued", "sanction.imposed") and p.get("nip"):
        return p
    if event["event_type"] == "report.filed":
        return next((s for s in p["subjects"] if s["nip"]), None)
    return None


def _drop_required(event: dict, rng: random.Random) -> None:
    del event["payload"][rng.choice(_REQUIRED[event["event_type"]])]


def _bad_birth_date(event: dict, rng: random.Random) -> None:
    holder = _nip_holder(event)
    nip = holder["nip"].replace(" ", "")
    holder["nip"] = nip[:4] + rng.choice(_BAD_BIRTH) + nip[8:]


def _unknown_region(event: dict, rng: random.Random) -> None:
    event["payload"]["region_code"] = rng.choice([c for c in _UNKNOWN_REGIONS if c not in regions()])


def _unknown_code(event: dict, rng: random.Random) -> None:
    event["payload"]["sanction_code"] = rng.choice([c for c in _UNKNOWN_CODES if c not in sanction_types()])


@dataclass(frozen=True)
class _Breaker:
    reason: str  # expected reason-code prefix
    applies: Callable[[dict], bool]
    breaks: Callable[[dict, random.Random], None]


_BREAKERS = (
    _Breaker("schema.required", lambda e: True, _drop_required),
    _Breaker("nip.birth_date_invalid", lambda e: _nip_holder(e) is not None, _bad_birth_date),
    _Breaker("region.unknown", lambda e: e["event_type"] == "report.filed", _unknown_region),
    _Breaker("sanction.unknown_code", lambda e: e["event_type"] == "sanction.imposed", _unknown_code),
)


# ------------------------------------------------------------------ ground truth


def _visible_link(rec: _Rec, as_of: date) -> tuple[_Sanction | None, str | None]:
    """The sanction the §6 ladder links to `rec` when everything up to `as_of` is known."""
    s = rec.sanction
    if s is None or s.decree_date > as_of:
        return None, None
    return s, ("reference" if s.recommendation_ref else "fuzzy" if s.fuzzy else "nip")


def _status_on(rec: _Rec, d: date, sla_days: int) -> str:
    """DESIGN.md §6 status of a recommendation as of day `d` (all inputs known by construction)."""
    s, _ = _visible_link(rec, d)
    if s is not None:
        return "revoked" if s.revoked_on is not None and s.revoked_on <= d else "sanctioned"
    if rec.closed_on is not None and rec.closed_on <= d:
        return "closed"
    return "overdue" if (d - rec.issued_on).days > sla_days else "pending"


def _checkpoints(election_id: str, first: date | None, as_of: date) -> list[date]:
    """Quarter ends from the first recommendation to as_of, the published snapshot days, and as_of."""
    days = {as_of} | {d for d, _ in PUBLISHED_FOLLOWTHROUGH.get(election_id, ()) if d <= as_of}
    if first is not None:
        q = date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
        while True:
            q = _add_months(q, 3)
            if q - timedelta(days=1) > as_of:
                break
            days.add(q - timedelta(days=1))
    return sorted(days)


def _figures_on(world: _World, recs: list[_Rec], d: date, sla_days: int) -> dict:
    """The season as it stood on day `d` (what `mart.followthrough_as_of(d)` sums to): only reports
    filed, decisions taken, letters issued, decrees, revocations and closures dated on or before `d`."""
    now = [r for r in recs if r.issued_on <= d]
    statuses = [_status_on(r, d, sla_days) for r in now]
    return {"date": d.isoformat(),
            "reported_asn": sum(len(c.subjects) for c in world.cases if c.filed_on <= d),
            "proven_asn": sum(len(c.proven) for c in world.cases if c.decided_on <= d),
            "recommended": len(now),
            **{k: statuses.count(k) for k in ("sanctioned", "revoked", "closed", "pending", "overdue")}}


def _ground_truth(world: _World, emitter: _Emitter, messages: list[_Msg], *, seed: int, as_of: date,
                  sla_days: int) -> dict:
    recs = [r for r in world.recs if r.issued_on <= as_of]
    truth_recs, tally = {}, {k: 0 for k in ("sanctioned", "revoked", "closed", "pending", "overdue")}
    linked_by = {"reference": 0, "nip": 0, "fuzzy": 0}
    for rec in sorted(recs, key=lambda r: r.recommendation_id):
        status = _status_on(rec, as_of, sla_days)
        s, method = _visible_link(rec, as_of)
        truth_recs[rec.recommendation_id] = {"status": status, "sanction_id": s.sanction_id if s else None,
                                             "link_method": method}
        tally[status] += 1
        if method:
            linked_by[method] += 1

    over_time = {d.isoformat(): _figures_on(world, recs, d, sla_days)
                 for d in _checkpoints(world.election_id, min((r.issued_on for r in recs), default=None), as_of)}

    invalid = [m for m in messages if m.invalid_reason]
    sanctions_emitted = [s for s in world.sanctions if s.decree_date <= as_of]
    # look-alike colleagues (fuzzy_rate): in review with their recommendation once both are known
    review_pairs = sorted([s.review_of.recommendation_id, s.sanction_id] for s in sanctions_emitted
                          if s.review_of is not None and s.review_of.issued_on <= as_of)
    linked = {v["sanction_id"] for v in truth_recs.values() if v["sanction_id"]}
    in_review = {sid for _, sid in review_pairs}
    unlinked = sorted(s.sanction_id for s in sanctions_emitted
                      if s.sanction_id not in linked and s.sanction_id not in in_review)
    counts = {
        "reported_asn": sum(len(c.subjects) for c in world.cases if c.filed_on <= as_of),
        "proven_asn": sum(len(c.proven) for c in world.cases if c.decided_on <= as_of),
        "recommended": len(recs),
        **tally,
        "sanctions_imposed": len(sanctions_emitted),
        "linked_by_reference": linked_by["reference"],
        "linked_by_nip": linked_by["nip"],
        "linked_by_fuzzy": linked_by["fuzzy"],
        "review_pairs": len(review_pairs),
        "unlinked_sanctions": len(unlinked),
        "messages": {t: sum(m.topic == t for m in messages) for t in TOPICS},
        "duplicates": len(messages) - len(emitter.valid) - len(invalid),
        "invalid": len(invalid),
    }
    return {
        "seed": seed,
        "election_id": world.election_id,
        "as_of": as_of.isoformat(),
        "sla_days": sla_days,
        "recommendations": truth_recs,
        "review_pairs": review_pairs,
        "unlinked_sanctions": unlinked,
        "valid_event_ids": sorted({m.event["event_id"] for m in emitter.valid}),
        "invalid_events": [
            {"event_id": m.event["event_id"], "topic": m.topic, "expected_reason_prefix": m.invalid_reason}
            for m in sorted(invalid, key=lambda m: (m.arrival_utc, m.order))],
        "counts": counts,
        "followthrough_as_of": over_time,
    }


def _check_links(valid: list[_Msg], truth: dict) -> None:
    """Self-check: the §6 link ladder (`rules.reconcile_links`) run over the valid events must conclude
    exactly the ground truth's links, review pairs and unlinked sanctions.

    The inputs are built as the reconciliation builds them: a recommendation's name is that of the
    subject with its NIP in its report (none if the report did not give that NIP), its agency the
    PPK agency; a sanction brings its own NIP, name and agency.
    """
    day = date.fromisoformat
    events = [(m.event["event_type"], m.event["payload"]) for m in valid]
    names: dict[tuple[str, str], str] = {}
    for event_type, p in events:
        if event_type == "report.filed":
            for subject in p["subjects"]:
                if subject["nip"]:
                    names.setdefault((p["report_id"], subject["nip"].replace(" ", "")), subject["name"])
    recs, sans = [], []
    for event_type, p in events:
        if event_type == "recommendation.issued":
            nip = p["nip"].replace(" ", "")
            recs.append(rules.Recommendation(p["recommendation_id"], nip, day(p["issued_on"]),
                                             names.get((p["report_id"], nip)), p["ppk_agency"]))
        elif event_type == "sanction.imposed":
            sans.append(rules.Sanction(p["sanction_id"], p["nip"].replace(" ", "") if p["nip"] else None,
                                       day(p["decree_date"]), p["recommendation_ref"], p["name"], p["agency"]))
    result = rules.reconcile_links(recs, sans)
    links = {rid: [ln.sanction_id, ln.method] for rid, ln in result.links.items()}
    expected = {rid: [v["sanction_id"], v["link_method"]] for rid, v in truth["recommendations"].items()
                if v["sanction_id"] is not None}
    review = sorted([item.recommendation_id, item.sanction_id] for item in result.review)
    if links != expected or review != truth["review_pairs"] or result.unlinked_sanctions != truth["unlinked_sanctions"]:
        differ = sorted(rid for rid in links.keys() | expected.keys() if links.get(rid) != expected.get(rid))
        raise AssertionError(
            f"ground truth disagrees with rules.reconcile_links: links differ for {differ[:5]} ({len(differ)}), "
            f"review {review[:3]} vs {truth['review_pairs'][:3]}, unlinked "
            f"{sorted(set(result.unlinked_sanctions) ^ set(truth['unlinked_sanctions']))[:5]}")
