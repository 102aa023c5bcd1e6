"""The warehouse's SQL files: statements the code runs, loaded by name, and the current definition of each
function and view, which `netra db migrate` re-applies after the versioned migrations.

Where the SQL lives (all under netra/warehouse/):

- `migrations/NNNN_*.sql`: tables, indexes, roles and data changes, applied once each, in order, never
  edited once applied (netra.warehouse.db.migrate refuses a changed file).
- `definitions/<schema>.<name>.sql`: one function or view each, its current definition
  (`CREATE OR REPLACE ...`) with its grants and comment. Applied on every `netra db migrate`, in dependency
  order (derived: a file depends on the other definitions it names). Change one by editing its file.
- `statements/<area>/<name>.sql`: the DML and reads of the pipeline (reconcile, overdue alerts, the sink),
  loaded by `statement("<area>/<name>")`. Placeholders are psycopg2's `%(name)s`; a statement run with
  parameters writes a literal percent sign as `%%`.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
STATEMENTS = HERE / "statements"
DEFINITIONS = HERE / "definitions"

_NAME = re.compile(r"[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)+")


class UnknownStatement(LookupError):
    """A statement name with no file under netra/warehouse/statements/."""


def statement_names() -> list[str]:
    """Every statement there is a file for, as the names `statement()` takes."""
    return sorted(p.relative_to(STATEMENTS).with_suffix("").as_posix() for p in STATEMENTS.rglob("*.sql"))


@cache
def statement(name: str) -> str:
    """Return the text of statements/<name>.sql (e.g. name "reconcile/build_core"), read once, then cached."""
    path = STATEMENTS / f"{name}.sql"
    if not _NAME.fullmatch(name) or not path.is_file():
        close = difflib.get_close_matches(name, statement_names(), n=1)
        raise UnknownStatement(f"no SQL statement {name!r} (looked for {path})"
                               + (f"; did you mean {close[0]!r}?" if close else ""))
    return path.read_text()


@dataclass(frozen=True)
class Definition:
    """The current definition of one function or view (a file in netra/warehouse/definitions/)."""

    name: str  # schema.name, the file's stem
    kind: str  # "function" or "view"
    sql: str
    requires: tuple[str, ...]  # the other definitions it names, created before it

    @property
    def sha256(self) -> str:
        """Digest of the file's text: what public.netra_definitions records as applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


_CREATE = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+(FUNCTION|VIEW)\s+([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)", re.I)
_COMMENT = re.compile(r"--[^\n]*")


def definitions(folder: Path | None = None) -> list[Definition]:
    """Every definition in `folder` (default DEFINITIONS), ordered so that each comes after the definitions it
    names.

    A file holds exactly one `CREATE OR REPLACE FUNCTION|VIEW <schema.name>`, named as the file; what it
    requires is read from its text without comments. Ties are broken by name, so the order is stable.
    """
    found: dict[str, tuple[str, str]] = {}
    for path in sorted((folder or DEFINITIONS).glob("*.sql")):
        text = path.read_text()
        creates = _CREATE.findall(_COMMENT.sub("", text))
        if len(creates) != 1 or creates[0][1] != path.stem:
            raise ValueError(f"{path} must create exactly one function or view, {path.stem}, with CREATE OR REPLACE "
                             f"(found {[name for _, name in creates]})")
        found[path.stem] = (creates[0][0].lower(), text)
    requires = {
        name: tuple(sorted(other for other in found if other != name
                           and re.search(rf"\b{re.escape(other)}\b", _COMMENT.sub("", text))))
        for name, (_, text) in found.items()
    }
    ordered: list[str] = []
    pending = dict(requires)
    while pending:
        ready = sorted(name for name, needs in pending.items() if all(n in ordered for n in needs))
        if not ready:
            raise ValueError(f"definitions that require each other (a cycle): {sorted(pending)}")
        ordered += ready
        for name in ready:
            del pending[name]
    return [Definition(name, found[name][0], found[name][1], requires[name]) for name in ordered]
