"""No Python module over MAX_LINES lines unless its docstring says why, near the top.

A module that long usually has several jobs, and a newcomer changes it less safely than a few
modules of one job each. Where one long file is still the clearer layout (one test file per unit
under test, a benchmark read top to bottom), its docstring says so within its first
REASON_WITHIN lines, on a line starting `Long because:` with the reason after it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import REPO

MAX_LINES = 500
FOLDERS = ("netra", "consumers", "producers", "expectations", "dags", "bench", "tests")
REASON = "Long because:"
#: The reason must stand in the first lines of the docstring, where a reader looks.
REASON_WITHIN = 12
#: A reason is a sentence, not a word.
REASON_MIN_CHARS = 20


def modules() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("*.py"))


def reason_for_length(source: str) -> str | None:
    """The text after `Long because:` in the first lines of the module docstring, if there is one."""
    try:
        doc = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return None
    for line in doc.splitlines()[:REASON_WITHIN]:
        if line.strip().startswith(REASON):
            reason = line.strip()[len(REASON):].strip()
            return reason if len(reason) >= REASON_MIN_CHARS else None
    return None


def too_long(path: Path) -> str | None:
    """Why `path` breaks the rule, or None."""
    source = path.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    if lines <= MAX_LINES or reason_for_length(source):
        return None
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    return (f"{name}: {lines} lines (limit {MAX_LINES}); split it by job, or say why not "
            f"in its docstring's first {REASON_WITHIN} lines: `{REASON} ...`")


def test_no_module_is_over_the_limit_without_a_written_reason():
    problems = [p for p in map(too_long, modules()) if p]
    assert not problems, "\n".join(problems)


def test_the_scan_sees_every_layer():
    seen = {p.relative_to(REPO).parts[0] for p in modules()}
    assert seen == set(FOLDERS)


LONG_BODY = "x = 1\n" * (MAX_LINES + 1)


@pytest.mark.parametrize(("source", "allowed"), [
    ("x = 1\n" * MAX_LINES, True),
    (LONG_BODY, False),
    ('"""A module."""\n' + LONG_BODY, False),
    ('"""A module.\n\nLong because: one test file per unit under test, and this is one unit.\n"""\n' + LONG_BODY,
     True),
    ('"""A module.\n\nLong because: it is.\n"""\n' + LONG_BODY, False),  # not a reason
    ('"""A module.\n' + "\n" * REASON_WITHIN + 'Long because: said far too late to be seen by anyone.\n"""\n'
     + LONG_BODY, False),
    ('# Long because: in a comment, not the docstring, so not where readers look.\n' + LONG_BODY, False),
])
def test_the_rule_counts_lines_and_reads_the_reason(tmp_path, source, allowed):
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    assert (too_long(path) is None) == allowed
