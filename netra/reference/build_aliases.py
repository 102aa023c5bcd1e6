"""Build `agency_aliases.csv` (alias,bkn_id,kind) from `agencies.csv` and `regions.csv`.

Run `python -m netra.reference.build_aliases` to rewrite the file; a unit test checks that the
committed file equals this script's output. Deterministic: no network, no fuzzy scoring.

Every agency gets its official SIASN name (kind `official`). Regional governments
(kabupaten, kota, provinsi: SIASN types KAB/KOT/PROV plus Kab. Kepulauan Seribu, whose kind
comes from its region code) also get, for their base name X (the SIASN name without
`Pemerintah Kab.` / `Pemerintah Kota` / `Pemerintah Provinsi` / `Pemerintah Daerah` /
`Pemerintah` / `Kab.`):

| kind    | kabupaten                                   | kota                | provinsi                               |
|---------|---------------------------------------------|---------------------|----------------------------------------|
| short   | Pemkab X                                    | Pemkot X            | Pemprov X                              |
| long    | Pemerintah Kabupaten X, Pemerintah Kab. X   | Pemerintah Kota X   | Pemerintah Provinsi X                  |
| region  | Kabupaten X, Kab. X                         | Kota X              | Provinsi X, Prov. X                    |
| bkpsdm  | BKPSDM Kabupaten X, BKPSDM Kab. X           | BKPSDM Kota X       | (none)                                 |
| bkd     | BKD Kabupaten X, BKD Kab. X                 | BKD Kota X          | BKD Provinsi X, BKD Prov. X            |

When the Kemendagri spelling of the region (`regions.csv`, joined on the agency's
`region_code`) normalises differently from X (e.g. `Batubara` vs `BATU BARA`, `Kep. Mentawai`
vs `KEPULAUAN MENTAWAI`), the same patterns are added for that spelling with kind
`<kind>_kemendagri`. An alias already produced for the same agency keeps its first kind
(order: official, then the BKN spelling, then the Kemendagri spelling).

Aliases are stored normalised (`netra.reference.agencies.normalise`). An alias that would
map to two different agencies is dropped; `build()` returns those, and the unit test pins them.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from netra.reference import HERE, regions
from netra.reference.agencies import agencies, agency_kind, normalise

OUT = HERE / "agency_aliases.csv"

_PREFIX = re.compile(r"^(Pemerintah\s+(Kab\.|Kota|Provinsi|Daerah)|Pemerintah|Kab\.)\s+", re.IGNORECASE)

#: kind -> [(alias kind, template)], in priority order.
PATTERNS: dict[str, list[tuple[str, str]]] = {
    "kabupaten": [
        ("short", "Pemkab {x}"),
        ("long", "Pemerintah Kabupaten {x}"), ("long", "Pemerintah Kab. {x}"),
        ("region", "Kabupaten {x}"), ("region", "Kab. {x}"),
        ("bkpsdm", "BKPSDM Kabupaten {x}"), ("bkpsdm", "BKPSDM Kab. {x}"),
        ("bkd", "BKD Kabupaten {x}"), ("bkd", "BKD Kab. {x}"),
    ],
    "kota": [
        ("short", "Pemkot {x}"),
        ("long", "Pemerintah Kota {x}"),
        ("region", "Kota {x}"),
        ("bkpsdm", "BKPSDM Kota {x}"),
        ("bkd", "BKD Kota {x}"),
    ],
    "provinsi": [
        ("short", "Pemprov {x}"),
        ("long", "Pemerintah Provinsi {x}"),
        ("region", "Provinsi {x}"), ("region", "Prov. {x}"),
        ("bkd", "BKD Provinsi {x}"), ("bkd", "BKD Prov. {x}"),
    ],
}


def base_name(official: str) -> str:
    """SIASN name without the government prefix: "Pemerintah Kab. Bantul" -> "Bantul"."""
    return _PREFIX.sub("", official.strip(), count=1)


def candidates() -> list[tuple[str, str, str]]:
    """Every (normalised alias, bkn_id, kind) before de-duplication, in priority order per agency."""
    regs = regions()
    out: list[tuple[str, str, str]] = []
    for agency in sorted(agencies().values(), key=lambda a: (a.bkn_code, a.bkn_id)):
        out.append((normalise(agency.name), agency.bkn_id, "official"))
        kind = agency_kind(agency)
        if kind is None:
            continue
        spellings = [(base_name(agency.name), "")]
        region = regs.get(agency.region_code or "")
        if region is not None and normalise(region.name) != normalise(spellings[0][0]):
            spellings.append((region.name, "_kemendagri"))
        for x, suffix in spellings:
            for alias_kind, template in PATTERNS[kind]:
                out.append((normalise(template.format(x=x)), agency.bkn_id, alias_kind + suffix))
    return out


def build(
    cands: Iterable[tuple[str, str, str]] | None = None,
) -> tuple[list[tuple[str, str, str]], dict[str, list[str]]]:
    """(rows sorted by alias, dropped alias -> the bkn_ids it would have matched).

    With the current agencies.csv no alias is ambiguous, so nothing is dropped (the unit test pins it).
    """
    first: dict[str, tuple[str, str]] = {}
    owners: dict[str, set[str]] = {}
    for alias, bkn_id, kind in candidates() if cands is None else cands:
        if not alias:
            continue
        owners.setdefault(alias, set()).add(bkn_id)
        first.setdefault(alias, (bkn_id, kind))
    dropped = {a: sorted(ids) for a, ids in owners.items() if len(ids) > 1}
    rows = sorted((a, *first[a]) for a in first if a not in dropped)
    return rows, dict(sorted(dropped.items()))


def render(rows: list[tuple[str, str, str]]) -> str:
    """Render the alias rows as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("alias", "bkn_id", "kind"))
    w.writerows(rows)
    return buf.getvalue()


def main(path: Path = OUT) -> None:
    """Build the agency aliases and write them to `path`."""
    rows, dropped = build()
    path.write_text(render(rows), encoding="utf-8")
    print(f"wrote {len(rows)} aliases to {path}; dropped {len(dropped)} ambiguous: {sorted(dropped)}")


if __name__ == "__main__":
    main()
