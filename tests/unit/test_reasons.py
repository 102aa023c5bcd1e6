"""The reason-code list is complete and documented: every code the pipeline can emit is registered."""
from __future__ import annotations

import re

from netra.contracts import decode, reasons
from netra.contracts.reasons import CODES
from support import REPO

EMITTERS = ["netra/contracts/decode.py", "netra/contracts/events.py", "netra/contracts/enriched.py",
            "netra/contracts/headers.py", "consumers/enricher.py", "consumers/sink.py"]


def test_every_pydantic_mapping_target_is_registered():
    assert set(decode._PYDANTIC_REASONS.values()) | {"schema.invalid"} <= CODES


def test_every_literal_code_in_the_emitters_is_registered():
    found = set()
    for rel in EMITTERS:
        text = (REPO / rel).read_text()
        found |= set(re.findall(r'"((?:message|event_type|schema_version|topic|schema|text|nip|nik|decision|'
                                r'enrich|enrichment|event_id|reporter|dlq)\.[a-z_0-9]+)', text))
    assert found, "the scan found codes"
    assert found <= CODES, found - CODES


def test_every_gx_expectation_reason_is_registered():
    from expectations.events import build_suites

    gx_codes = {e.meta["reason"] for suite in build_suites().values() for e in suite.expectations}
    assert gx_codes <= CODES, gx_codes - CODES


def test_the_generated_document_is_up_to_date():
    assert reasons.main(["--check"]) == 0, "run python -m netra.contracts.reasons and commit docs/reason-codes.md"


def test_codes_are_unique_and_each_has_a_meaning_and_a_fix():
    assert len(CODES) == len(reasons.REASONS)
    assert all(meaning and fix for _, _, meaning, fix in reasons.REASONS)
