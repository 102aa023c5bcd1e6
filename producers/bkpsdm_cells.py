"""BKPSDM import, step 3: cell conversion (dates, NIP text, SIASN sanction code or name)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

# ---------------------------------------------------------------- cell conversion


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")


def parse_day(value: Any) -> date:
    """A business date from a cell: Excel date, YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY or DD.MM.YYYY. Raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if m := _ISO.match(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        return date(int(m[4]), int(m[3]), int(m[1]))
    raise ValueError(f"not a date: {value!r}")


def cell_text(value: Any) -> str | None:
    """Cell -> trimmed text with runs of whitespace (incl. no-break spaces) collapsed; None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    return text or None


def cell_nip(value: Any) -> str | None:
    """The NIP as text. A float cell has lost digits already (Excel keeps 15): refused by the caller."""
    if isinstance(value, bool):
        raise TypeError("not a NIP")
    if isinstance(value, float):
        raise OverflowError("number cell")
    text = cell_text(value)
    if text is None:
        return None
    text = text.lstrip("'")  # a leading apostrophe is Excel's "keep as text" mark
    if re.fullmatch(r"\d(?:[.,]\d+)?[eE]\+?\d+", text):  # 1.98609E+17: a number cell saved to CSV
        raise OverflowError("number cell")
    return text


_NAME_PHRASES = (("TUNJANGAN KINERJA", "TUNKIN"),)
_NAME_TOKENS = {"BULAN": "BLN", "TAHUN": "THN", "TH": "THN", "DALAM": "DLM", "MAKSIMAL": "MAX",
                "MAKS": "MAX", "SELAMA": "", "BERUPA": "", "SEBAGAI": ""}
#: Common names used in exports that are not the SIASN catalogue's wording.
_EXTRA_NAMES = {
    "PTDH": 11, "PDHTAPS": 10,
    "PERNYATAAN SECARA TERBUKA": 21, "PERNYATAAN SECARA TERTUTUP": 22,
    "SANKSI MORAL PERNYATAAN SECARA TERBUKA": 21, "SANKSI MORAL PERNYATAAN SECARA TERTUTUP": 22,
}


def _norm_sanction_name(name: str) -> str:
    text = re.sub(r"[^A-Z0-9%]+", " ", unicodedata.normalize("NFKC", name).upper())
    for phrase, short in _NAME_PHRASES:
        text = text.replace(phrase, short)
    return " ".join(t for t in (_NAME_TOKENS.get(w, w) for w in text.split()) if t)


def sanction_names() -> dict[str, int]:
    """Normalised SIASN sanction name (and common export spellings) -> code."""
    from netra.reference import sanction_types

    names = {_norm_sanction_name(st.name): code for code, st in sanction_types().items()}
    names.update({_norm_sanction_name(n): code for n, code in _EXTRA_NAMES.items()})
    return names


def parse_sanction_code(value: Any, names: dict[str, int] | None = None) -> int:
    """SIASN `jenisHukumanId` from a code cell (2, "02", 2.0, "2 - TEGURAN TERTULIS") or a SIASN name.

    Raises ValueError("number") for a non-whole number, LookupError for an unknown name.
    """
    if isinstance(value, bool):
        raise ValueError("number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("number")
    text = cell_text(value) or ""
    if m := re.match(r"^(\d{1,3})(?:\s*[-.:)]\s*[^\W\d_].*)?$", text):  # "2", "2 - TEGURAN TERTULIS"
        return int(m[1])
    key = _norm_sanction_name(text)
    names = sanction_names() if names is None else names
    if key in names:
        return names[key]
    raise LookupError(text)
