"""Write (and check) the committed JSON Schema of each event type, and of events.enriched, from the models.

python -m netra.contracts.schemas          # rewrite netra/contracts/schemas/*.json
python -m netra.contracts.schemas --check  # exit 1 if a committed file is stale
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from netra.contracts.events import EVENT_TYPES, OUTBOUND_EVENT_TYPES, SCHEMA_VERSION
from netra.contracts.topics import TOPIC_ENRICHED

ALL_TYPES = {**EVENT_TYPES, **OUTBOUND_EVENT_TYPES}

SCHEMA_DIR = Path(__file__).parent / "schemas"


def schema_for(event_type: str) -> dict:
    """The JSON Schema of one event type."""
    et = ALL_TYPES[event_type]
    schema = et.model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://netra.invalid/schemas/{event_type}.v{SCHEMA_VERSION}.json",
        "title": f"{event_type} v{SCHEMA_VERSION}",
        "description": f"Netra event contract v{SCHEMA_VERSION}: `{event_type}` on topic `{et.topic}`, "
        f"Kafka key = payload.{et.key_field}. At most 256 KiB of UTF-8 JSON.",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def enriched_schema() -> dict:
    """One schema for every message on events.enriched (one branch per event type, chosen by event_type)."""
    from netra.contracts.enriched import ENRICHED_EVENT

    schema = ENRICHED_EVENT.json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://netra.invalid/schemas/{TOPIC_ENRICHED}.v{SCHEMA_VERSION}.json",
        "title": f"{TOPIC_ENRICHED} v{SCHEMA_VERSION}",
        "description": f"A message on the internal topic `{TOPIC_ENRICHED}`: a v{SCHEMA_VERSION} event whose "
        "reporter is reduced to its type, plus the enricher's `enrichment` object. The sink refuses anything "
        "else before it reaches raw.events.",
        **schema,
    }


def rendered() -> dict[Path, str]:
    """Every schema file's path mapped to its rendered text."""
    files = {
        SCHEMA_DIR / f"{name}.v{SCHEMA_VERSION}.json": json.dumps(schema_for(name), indent=2, sort_keys=True) + "\n"
        for name in ALL_TYPES
    }
    files[SCHEMA_DIR / f"{TOPIC_ENRICHED}.v{SCHEMA_VERSION}.json"] = (
        json.dumps(enriched_schema(), indent=2, sort_keys=True) + "\n")
    return files


def main(argv: list[str] | None = None) -> int:
    """Write the schema files, or with --check fail when any is stale."""
    argv = sys.argv[1:] if argv is None else argv
    stale = [p for p, text in rendered().items() if not p.exists() or p.read_text() != text]
    if "--check" in argv:
        for p in stale:
            print(f"stale: {p} (run python -m netra.contracts.schemas)")
        return 1 if stale else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for p, text in rendered().items():
        p.write_text(text)
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
