"""Every `DESIGN.md §N` / `DOMAIN.md §N.M` the repo cites names a section that exists in docs/.

The code and the docs cite the design notes by section; docs/DESIGN.md and docs/DOMAIN.md hold
them, so the repository stands on its own. A citation of a section that is not there (renumbered,
mistyped) fails here.
"""
from __future__ import annotations

import re
import subprocess

import pytest

from support import REPO

DOCS = {"DESIGN": REPO / "docs" / "DESIGN.md", "DOMAIN": REPO / "docs" / "DOMAIN.md"}
#: `DESIGN.md §6`, `DESIGN §4`, `DOMAIN.md §2.3`, `DESIGN.md §5-6`
CITATION = re.compile(r"\b(DESIGN|DOMAIN)(?:\.md)? ?§ ?(\d+(?:\.\d+)?)(?:[-–](\d+(?:\.\d+)?))?")
HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)?)[. ]", re.M)
TEXT_SUFFIXES = {".py", ".sql", ".md", ".yaml", ".yml", ".toml", ".example", ".html", ".json", ".txt", ".sh"}


def sections(doc: str) -> set[str]:
    """The numbers of the numbered headings of one docs/ file (`## 6.` -> 6, `### 2.3 ...` -> 2.3)."""
    return set(HEADING.findall(DOCS[doc].read_text(encoding="utf-8")))


def citations(text: str) -> list[tuple[str, str]]:
    """(document, section) for every section `text` cites; a range cites both ends."""
    out = []
    for doc, first, last in CITATION.findall(text):
        out.append((doc, first))
        if last:
            out.append((doc, last))
    return out


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in names.splitlines():
        path = REPO / name
        if (path.suffix in TEXT_SUFFIXES or path.name == "Makefile") and path.is_file():
            yield path


def test_every_cited_section_exists_in_docs():
    known = {doc: sections(doc) for doc in DOCS}
    missing = []
    for path in tracked_text_files():
        for doc, section in citations(path.read_text(encoding="utf-8", errors="replace")):
            if section not in known[doc]:
                missing.append(f"{path.relative_to(REPO)} cites {doc}.md §{section}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_the_docs_have_the_sections_the_code_cites_most():
    assert {"3", "4", "5", "6", "7"} <= sections("DESIGN")
    assert {"2.2", "2.3", "3", "4", "6", "8"} <= sections("DOMAIN")


@pytest.mark.parametrize(("text", "found"), [
    ("the link ladder (DESIGN.md §6)", [("DESIGN", "6")]),
    ("DESIGN §4 splits ingress", [("DESIGN", "4")]),
    ("codes (DOMAIN.md §2.3)", [("DOMAIN", "2.3")]),
    ("rebuilt by reconcile (DESIGN.md §5-6)", [("DESIGN", "5"), ("DESIGN", "6")]),
    ("see DESIGN.md for the shape", []),
])
def test_citations_are_read_as_written(text, found):
    assert citations(text) == found
