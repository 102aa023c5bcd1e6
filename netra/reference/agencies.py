"""BKN/SIASN agencies and agency-name matching, from memory (see PROVENANCE.md beside this file).

`agencies()` and the alias index are built once per process; `match_agency()` caches its
results, because the same few hundred PPK / agency spellings recur in every micro-batch.
No database round trip per event: the same files are loaded into `ref.agencies` and
`ref.agency_aliases` by `netra db migrate` for analysts, not for the enricher.

Matching (`match_agency`):

1. The name is normalised (`normalise`: NFKC, upper case, every run of punctuation,
   underscores or whitespace becomes one space, trimmed) and looked up in
   `agency_aliases.csv`. A hit is `AgencyMatch(bkn_id, 1.0, "alias")`.
2. Otherwise the name is split (`split_kind`) into the region kind it states up front and
   the rest: organisation words (`Pemerintah`, `Pemda`, `Daerah`, `BKD`, `BKPSDM`,
   `Badan Kepegawaian ...`, `Wali`) are skipped, and the next word must be a kind marker
   (`Pemkot`/`Kota`/`Walikota`, `Pemkab`/`Kab`/`Kabupaten`/`Bupati`,
   `Pemprov`/`Prov`/`Provinsi`/`Gubernur`). "BKPSDM Kota Solokk" -> (kota, "SOLOKK").
3. **Kind stated**: the region part is scored with rapidfuzz `fuzz.ratio` (normalised
   Indel similarity) against the region names of agencies **of that kind only** (SIASN
   and Kemendagri spellings, taken from the aliases). The Kota / Kabupaten / Provinsi
   distinction is therefore decisive: "Pemerintah Kota Solokk" can never reach Kabupaten
   Solok, whatever the score. Scoring the region part, not the whole alias, matters
   because the shared prefix ("PEMERINTAH KABUPATEN ") inflates whole-string scores:
   "Pemerintah Provinsi Papua Barat Daya" (a province missing from this SIASN copy) scores
   0.93 against "Pemerintah Provinsi Papua Barat" but only 0.81 region against region.
   "Kab. Solok Selatan" vs "Solok" is 0.56.
4. **No kind stated** (ministries, agencies, odd spellings): `fuzz.ratio` of the whole
   name against every alias key. A regional winner is refused if the name contains a kind
   marker of another kind anywhere.
5. The best candidate is accepted when its score is at least `AGENCY_FUZZY_THRESHOLD` and
   no candidate of a *different* agency has the same score (a tie is ambiguous):
   `AgencyMatch(bkn_id, score, "fuzzy")`. Otherwise `AgencyMatch(None, best_score, None)`;
   the caller stores null and counts it.

`fuzz.ratio` rather than `token_sort_ratio` or `WRatio`: `WRatio`/`partial_ratio` reward
containment ("Solok" inside "Solok Selatan"); `token_sort_ratio` re-sorts the words, so a
typo in the first letter of a word moves it and the score collapses (on ~3,100 seeded
random one-letter typos, whole-alias token_sort_ratio at 0.90 gave 29 wrong agencies,
whole-alias `ratio` 7, region-part `ratio` 2 or fewer).

Why 0.90, measured once on this alias table with seeded random typos while choosing it
(the unit tests pin the decisive cases):

* Names absent from the table (leave-one-out: each regional agency's aliases queried with
  that agency removed): 0.8 % wrongly matched to a neighbour at 0.90, 1.2 % at 0.88,
  6.6 % at 0.85. Whole-alias scoring instead of region scoring: 39 % at 0.90.
* One random edit in the region name ("Pemerintah Kabupaten Banttul"): 0.90 recovers
  about 70 % (0 wrong of ~3,100 in the seeded run); 0.85 would recover 89 % but with
  several wrong agencies (Bandung/Badung, Banggai/Bangli, Sikka/Siak are one or two
  edits apart). One substitution in a 5-6 letter name (0.80-0.83) is deliberately not
  enough.
* Ministries and other central agencies (long names): 99.7 % of one-edit typos match.

A wrong agency silently corrupts per-agency follow-through figures while a null is
counted and can be fixed by adding an alias, so the threshold errs towards null.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from netra.reference import HERE, regions

#: Minimum fuzzy score (0..1: rapidfuzz `fuzz.ratio` / 100) to accept a fuzzy match (see above).
AGENCY_FUZZY_THRESHOLD = 0.90

_NON_WORD = re.compile(r"[\W_]+")

#: Agency type (SIASN jenisInstansiId) -> regional kind; other agencies have kind None.
_KIND_OF_TYPE = {"KAB": "kabupaten", "KOT": "kota", "PROV": "provinsi"}
#: Leading words that name the organisation (government, HR agency, office), not the region kind;
#: skipped when reading the kind a name states ("Badan Kepegawaian Daerah Kota X" -> kota).
_ORG_WORDS = frozenset({
    "PEMERINTAH", "PEMERINTAHAN", "PEMDA", "DAERAH", "WALI", "BKD", "BKPSDM", "BKPSDMD", "BKPP", "BKPPD", "BKDD",
    "BADAN", "KEPEGAWAIAN", "DAN", "PENGEMBANGAN", "SUMBER", "DAYA", "MANUSIA", "PENDIDIKAN", "PELATIHAN",
    "SEKRETARIAT", "SETDA",
})
#: Kind-marker token -> kind. The PPK of a region is its bupati / wali kota / gubernur.
_KIND_MARKERS = {
    "PEMKOT": "kota", "KOTA": "kota", "WALIKOTA": "kota",
    "PEMKAB": "kabupaten", "KAB": "kabupaten", "KABUPATEN": "kabupaten", "BUPATI": "kabupaten",
    "PEMPROV": "provinsi", "PROV": "provinsi", "PROVINSI": "provinsi", "GUBERNUR": "provinsi",
}


@dataclass(frozen=True)
class Agency:
    """One agency from the BKN agency reference list."""

    bkn_id: str
    bkn_code: str
    name: str
    type: str | None  # KAB | KOT | PROV | KEMENT | LPNK | LNS | KO | None
    region_code: str | None  # Kemendagri code (derived crosswalk), None for central agencies
    jenis: str | None = None  # SIASN jenis: P (pusat?) | D (daerah?)

    @property
    def kind(self) -> str | None:
        """Kabupaten | kota | provinsi for regional governments, else None."""
        return agency_kind(self)


@dataclass(frozen=True)
class AgencyMatch:
    """The agency a name was matched to, with its score and method."""

    bkn_id: str | None
    score: float
    method: Literal["alias", "fuzzy"] | None


def normalise(name: str | None) -> str:
    """Upper case, punctuation to spaces, whitespace collapsed: "Pemerintah Kab. Bantul" -> "PEMERINTAH KAB BANTUL"."""
    if not name:
        return ""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", name).upper()).strip()


def agency_kind(agency: Agency) -> str | None:
    """Regional kind of an agency: by SIASN type, else by its region code (Kab. Kepulauan Seribu has no type)."""
    kind = _KIND_OF_TYPE.get(agency.type or "")
    if kind is None and agency.region_code:
        region = regions().get(agency.region_code)
        kind = region.kind if region else None
    return kind


def _after_org_words(tokens: list[str]) -> int:
    i = 0
    while i < len(tokens) and tokens[i] in _ORG_WORDS:
        i += 1
    return i


def split_kind(normalised: str) -> tuple[str | None, str]:
    """(kind, region part) a normalised name states up front, after any organisation words.

    "BKPSDM KOTA SOLOK" -> ("kota", "SOLOK"); "PEMERINTAH DAERAH KAB BANTUL" -> ("kabupaten", "BANTUL");
    "KEMENTERIAN DALAM NEGERI" -> (None, "KEMENTERIAN DALAM NEGERI"). Only the first word after the
    organisation words counts, so "KAB LIMA PULUH KOTA" is a kabupaten.
    """
    tokens = normalised.split()
    i = _after_org_words(tokens)
    kind = _KIND_MARKERS.get(tokens[i]) if i < len(tokens) else None
    if kind is None:
        return None, normalised
    return kind, " ".join(tokens[i + 1:])


def kind_and_place(name: str | None) -> tuple[str | None, str] | None:
    """(kind or None, place) of a free-text agency name, organisation words dropped; None if no place.

    "Pemkot Surakarta", "Pemerintah Kota Surakarta" and "BKPSDM Kota Surakarta" all give
    ("kota", "SURAKARTA"); "Pemerintah Surakarta" gives (None, "SURAKARTA"); "BKPSDM" gives None.
    The reconciliation's fuzzy step compares agencies this way.
    """
    tokens = normalise(name).split()
    i = _after_org_words(tokens)
    kind = _KIND_MARKERS.get(tokens[i]) if i < len(tokens) else None
    place = tokens[i + (kind is not None):]
    return (kind, " ".join(place)) if place else None


@lru_cache(maxsize=1)
def agencies() -> dict[str, Agency]:
    """bkn_id -> Agency, from agencies.csv (one row per bkn_id)."""
    out: dict[str, Agency] = {}
    with open(HERE / "agencies.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["bkn_id"] in out:
                raise ValueError(f"duplicate bkn_id {r['bkn_id']} in agencies.csv")
            out[r["bkn_id"]] = Agency(
                r["bkn_id"], r["bkn_code"], r["name"], r["type"] or None, r["region_code"] or None, r["jenis"] or None
            )
    return out


def agency_alias_rows() -> list[tuple[str, str, str]]:
    """(alias, bkn_id, kind) rows of agency_aliases.csv, for loading ref.agency_aliases."""
    with open(HERE / "agency_aliases.csv", newline="", encoding="utf-8") as f:
        return [(r["alias"], r["bkn_id"], r["kind"]) for r in csv.DictReader(f)]


@lru_cache(maxsize=1)
def agency_aliases() -> dict[str, str]:
    """Normalised alias -> bkn_id, from agency_aliases.csv."""
    return {alias: bkn_id for alias, bkn_id, _ in agency_alias_rows()}


@lru_cache(maxsize=1)
def _fuzzy_index() -> dict[str | None, tuple[list[str], list[str]]]:
    """Candidates for the fuzzy step, as parallel lists (choices, bkn_ids).

    Key None: every alias key (names that state no region kind). Keys kabupaten / kota / provinsi:
    the region parts of the aliases of agencies of that kind ("PEMKOT SOLOK" -> "SOLOK"), i.e. the
    SIASN and the Kemendagri spellings of each region, once per agency.
    """
    table = agencies()
    index: dict[str | None, tuple[list[str], list[str]]] = {None: ([], [])}
    seen: set[tuple[str, str, str]] = set()
    for alias, bkn_id in sorted(agency_aliases().items()):
        index[None][0].append(alias)
        index[None][1].append(bkn_id)
        kind = table[bkn_id].kind
        said, region = split_kind(alias)
        if kind is None or said != kind or not region or (kind, region, bkn_id) in seen:
            continue
        seen.add((kind, region, bkn_id))
        choices, ids = index.setdefault(kind, ([], []))
        choices.append(region)
        ids.append(bkn_id)
    return index


def match_agency(name: str | None) -> AgencyMatch:
    """Canonical agency for a free-text agency name: exact alias, else fuzzy above the threshold, else None."""
    return _match_normalised(normalise(name))


@lru_cache(maxsize=16384)
def _match_normalised(key: str) -> AgencyMatch:
    if not key:
        return AgencyMatch(None, 0.0, None)
    hit = agency_aliases().get(key)
    if hit is not None:
        return AgencyMatch(hit, 1.0, "alias")

    from rapidfuzz import fuzz, process

    kind, region = split_kind(key)
    query = key if kind is None else region
    choices, ids = _fuzzy_index().get(kind, ([], []))
    if not query or not choices:
        return AgencyMatch(None, 0.0, None)
    best = process.extract(query, choices, scorer=fuzz.ratio, processor=None, limit=8)
    top = best[0][1]
    winner = ids[best[0][2]]
    score = round(top / 100.0, 4)
    tied = any(ids[i] != winner and s == top for _, s, i in best[1:])
    if score < AGENCY_FUZZY_THRESHOLD or tied or not _kind_consistent(key, kind, winner):
        return AgencyMatch(None, score, None)
    return AgencyMatch(winner, score, "fuzzy")


def _kind_consistent(key: str, kind: str | None, bkn_id: str) -> bool:
    """A name that states no kind up front may still not name a regency of another kind anywhere."""
    if kind is not None:
        return True  # candidates were already restricted to that kind
    agency_kind_ = agencies()[bkn_id].kind
    said = {_KIND_MARKERS[t] for t in key.split() if t in _KIND_MARKERS}
    return agency_kind_ is None or not said or agency_kind_ in said


def clear_caches() -> None:
    """Forget loaded tables and cached matches (tests, or after the reference files change)."""
    for fn in (agencies, agency_aliases, _fuzzy_index, _match_normalised):
        fn.cache_clear()
