"""Plain-text tables for the terminal."""
from __future__ import annotations

from collections.abc import Iterable, Sequence


def render_table(head: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Right-aligned columns, one header line; None prints as empty."""
    body = [tuple("" if v is None else str(v) for v in r) for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(head)]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(cells, widths)) for cells in [tuple(head), *body])
