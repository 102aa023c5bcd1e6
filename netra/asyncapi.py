"""The AsyncAPI 3.0 document of Netra's topics, generated from the contract, and a readable HTML page of it.

    python -m netra.asyncapi          # rewrite netra/contracts/asyncapi.yaml and docs/asyncapi.html
    python -m netra.asyncapi --check  # exit 1 if either committed file is stale (a unit test runs this)

Channels are the Kafka topics (key, partitioning, topic configuration in Kafka bindings),
messages are the event types with the JSON Schemas of `netra.contracts.schemas` (their
`$defs` hoisted into `components.schemas`, so the document is self-contained), the DLQ
record with its headers, `alerts.overdue` and the `rejects.<source domain>` notices.
Operations are written from Netra's side: it *receives* on the ingress topics and *sends*
everything else; an upstream system does the opposite.

It lives above the contract package (not in it) because topic names and the partition
default come from `netra.settings`. The HTML page is plain HTML and CSS written here: no
scripts, no CDN, readable offline.
"""
from __future__ import annotations

import copy
import html
import json
import sys
from pathlib import Path

from netra.contracts import headers as h
from netra.contracts.events import EVENT_TYPES, OUTBOUND_EVENT_TYPES, SCHEMA_VERSION
from netra.contracts.rejects import DOMAIN_WRITES, REJECTS_PREFIX, SOURCE_DOMAINS, UNATTRIBUTED, rejects_topic
from netra.settings import (
    INGRESS_TOPICS,
    SETTINGS,
    TOPIC_ALERTS,
    TOPIC_DLQ,
    TOPIC_ENRICHED,
    TOPIC_VALID,
)

REPO = Path(__file__).resolve().parents[1]
YAML_PATH = REPO / "netra" / "contracts" / "asyncapi.yaml"
HTML_PATH = REPO / "docs" / "asyncapi.html"
KAFKA_BINDING = "0.5.0"
#: as `netra topics create` makes them (netra/kafka_io.py)
TOPIC_CONFIG = {"cleanup.policy": ["delete"], "max.message.bytes": 1048588}
PARTITIONS_DEFAULT = int(next(s.default or "1" for s in SETTINGS if s.name == "NETRA_TOPIC_PARTITIONS"))
_ID = {"reports.raw": "reportsRaw", "recommendations.raw": "recommendationsRaw", "sanctions.raw": "sanctionsRaw",
       TOPIC_VALID: "eventsValid", TOPIC_ENRICHED: "eventsEnriched", TOPIC_DLQ: "eventsDlq",
       TOPIC_ALERTS: "alertsOverdue"}


def _camel(name: str) -> str:
    parts = name.replace("-", ".").split(".")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _channel_id(topic: str) -> str:
    return _ID.get(topic) or _camel(topic)


def _hoist(schema: dict, into: dict, owner: str) -> dict:
    """Move a JSON Schema's `$defs` into components.schemas and point its refs there."""
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)  # an embedded $id would change the base URI of the refs inside it
    renamed = {}
    for name, definition in defs.items():
        target = name if into.get(name, definition) == definition else f"{owner}.{name}"
        renamed[name] = target
    def fix(node):
        if isinstance(node, dict):
            return {k: (f"#/components/schemas/{renamed[v.rsplit('/', 1)[1]]}"
                        if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/") else fix(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node
    for name, definition in defs.items():
        into[renamed[name]] = fix(definition)
    return fix(schema)


def _header_schema(names, required=()) -> dict:
    return {"type": "object", "description": "Kafka headers (UTF-8 values). Other headers of the original "
            "message are kept as they were.",
            "properties": {n: {"type": "string", "description": h.DESCRIPTIONS[n]} for n in names},
            "required": list(required)}


def document() -> dict:
    """The AsyncAPI 3.0.0 document as a plain dict (YAML-ready, deterministic)."""
    from netra.contracts.notices import RejectNotice
    from netra.contracts.schemas import schema_for

    schemas: dict = {}
    messages: dict = {}
    for name, et in {**EVENT_TYPES, **OUTBOUND_EVENT_TYPES}.items():
        schema_name = f"{name}.v{SCHEMA_VERSION}"
        schemas[schema_name] = _hoist(schema_for(name), schemas, schema_name)
        messages[_camel(name)] = {
            "name": name, "title": f"{name} v{SCHEMA_VERSION}", "contentType": "application/json",
            "summary": f"Event `{name}`: UTF-8 JSON, at most 256 KiB, unknown fields refused. "
                       f"Kafka key = payload.{et.key_field}.",
            "payload": {"$ref": f"#/components/schemas/{schema_name}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": f"payload.{et.key_field}"},
                                   "bindingVersion": KAFKA_BINDING}},
        }
    notice = RejectNotice.model_json_schema(ref_template="#/$defs/{model}")
    schemas["reject.notice.v1"] = _hoist(notice, schemas, "reject.notice.v1")
    position = (h.H_SOURCE_TOPIC, h.H_SOURCE_PARTITION, h.H_SOURCE_OFFSET)
    one_of_events = {"oneOf": [{"$ref": f"#/components/schemas/{n}.v{SCHEMA_VERSION}"} for n in EVENT_TYPES]}
    messages["validEvent"] = {
        "name": "valid event", "title": "A valid event, normalised (internal)", "contentType": "application/json",
        "summary": "What the validator forwards: the event re-encoded (NIPs without spaces, keys sorted).",
        "payload": one_of_events, "headers": _header_schema(position, position),
        "bindings": {"kafka": {"key": {"type": "string", "description": "the event's business id"},
                               "bindingVersion": KAFKA_BINDING}},
    }
    messages["enrichedEvent"] = {
        "name": "enriched event", "title": "An event plus its `enrichment` (internal)",
        "contentType": "application/json",
        "summary": "The valid event with an `enrichment` object (region names, NIP-derived bands, canonical agency, "
                   "asn_key/reporter_key pseudonyms); the reporter's NIK and name are dropped.",
        "payload": {"type": "object", "required": ["event_id", "event_type", "payload", "enrichment"],
                    "properties": {"enrichment": {"type": "object", "description": (
                        "What the enricher adds, one shape per event_type: the full schema is "
                        f"netra/contracts/schemas/{TOPIC_ENRICHED}.v{SCHEMA_VERSION}.json.")}}},
        "headers": _header_schema(position, position),
    }
    messages["deadLetter"] = {
        "name": "dead letter", "title": "A refused message with its reasons", "contentType": "application/octet-stream",
        "summary": "The original key and bytes (cut to 512 KiB at most), the original headers, plus Netra's headers.",
        "payload": {"description": "The refused message exactly as it was sent: any bytes, not necessarily JSON."},
        "headers": _header_schema((h.H_REASONS, h.H_STAGE) + position + (h.H_REJECTED_AT, h.H_TRUNCATED),
                                  (h.H_REASONS, h.H_STAGE) + position + (h.H_REJECTED_AT,)),
        "bindings": {"kafka": {"key": {"description": "the original message's key, unchanged"},
                               "bindingVersion": KAFKA_BINDING}},
    }
    messages["rejectNotice"] = {
        "name": "reject.notice", "title": "reject.notice v1: one refused message, for its sender",
        "contentType": "application/json",
        "summary": "Scrubbed of the reporter's identity like raw.rejected_events; each reason with its meaning "
                   "and fix. May be delivered twice after a crash: de-duplicate on the key.",
        "payload": {"$ref": "#/components/schemas/reject.notice.v1"},
        "bindings": {"kafka": {"key": {"type": "string", "description": "reject_id = "
                                       "<ingress topic>/<partition>/<offset>/<stage>"},
                               "bindingVersion": KAFKA_BINDING}},
    }

    def channel(topic, description, message_ids):
        return {"address": topic, "description": description,
                "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in message_ids},
                "bindings": {"kafka": {"topic": topic, "partitions": PARTITIONS_DEFAULT, "replicas": 1,
                                       "topicConfiguration": copy.deepcopy(TOPIC_CONFIG),
                                       "bindingVersion": KAFKA_BINDING}}}

    keyed = ("Partitioned by the Kafka key (the producer's default murmur2 partitioner), so every event of one "
             "business id lands on one partition in order. Partitions: NETRA_TOPIC_PARTITIONS "
             f"(default {PARTITIONS_DEFAULT}).")
    channels = {}
    for topic in INGRESS_TOPICS:
        types = [n for n, et in EVENT_TYPES.items() if et.topic == topic]
        writers = ", ".join(d for d in SOURCE_DOMAINS if topic in DOMAIN_WRITES[d])
        channels[_channel_id(topic)] = channel(
            topic, f"Ingress: {', '.join(types)}, written by {writers}. Key = "
                   + ", ".join(sorted({f'payload.{EVENT_TYPES[n].key_field}' for n in types})) + ". " + keyed,
            [_camel(n) for n in types])
    channels["eventsValid"] = channel(TOPIC_VALID, "Internal: validator -> enricher. " + keyed, ["validEvent"])
    channels["eventsEnriched"] = channel(TOPIC_ENRICHED, "Internal: enricher -> sink. " + keyed, ["enrichedEvent"])
    channels["eventsDlq"] = channel(TOPIC_DLQ, "Every refused message, with machine-readable reasons "
                                    "(docs/reason-codes.md). Operators only; the sink lands it in "
                                    "raw.rejected_events and forwards a notice to the sender's rejects topic.",
                                    ["deadLetter"])
    channels["alertsOverdue"] = channel(TOPIC_ALERTS, "recommendation.overdue, once per recommendation that "
                                        "became overdue (event_id = uuid5 of the recommendation id). " + keyed,
                                        ["recommendationOverdue"])
    for domain in SOURCE_DOMAINS + (UNATTRIBUTED,):
        topic = rejects_topic(domain)
        who = (f"the {domain} principal(s) only, once ACLs exist (sources `{domain}` and `{domain}:*`)"
               if domain != UNATTRIBUTED else
               "operators only: refused messages whose source could not be read or names no known domain")
        channels[_channel_id(topic)] = channel(topic, f"Rejects back to their sender: read by {who}.",
                                               ["rejectNotice"])

    def op(action, channel_id, summary):
        msgs = list(channels[channel_id]["messages"])
        return {"action": action, "channel": {"$ref": f"#/channels/{channel_id}"}, "summary": summary,
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in msgs]}

    operations = {f"receive{_channel_id(t)[0].upper()}{_channel_id(t)[1:]}":
                  op("receive", _channel_id(t), f"The validator consumes {t}.") for t in INGRESS_TOPICS}
    operations["sendEventsValid"] = op("send", "eventsValid", "The validator forwards valid events.")
    operations["sendEventsEnriched"] = op("send", "eventsEnriched", "The enricher forwards enriched events.")
    operations["sendEventsDlq"] = op("send", "eventsDlq",
                                     "The validator and the enricher dead-letter what they refuse.")
    operations["sendAlertsOverdue"] = op("send", "alertsOverdue", "reconcile_followthrough publishes overdue alerts.")
    for domain in SOURCE_DOMAINS + (UNATTRIBUTED,):
        cid = _channel_id(rejects_topic(domain))
        operations[f"send{cid[0].upper()}{cid[1:]}"] = op(
            "send", cid, "The sink publishes a notice for each refused message of this domain, before it commits.")

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Netra event contract",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": (
                "Kafka topics of Netra, which links Bawaslu reports of ASN neutrality violations to the sanctions "
                "that followed. Upstream systems publish events of contract v1 to the ingress topics and read "
                f"their own refused messages back from `{REJECTS_PREFIX}<source domain>` (the part of `source` "
                "before the first `:`). Check a file offline first with `netra validate FILE.jsonl --topic T`. "
                "Reason codes: docs/reason-codes.md. Operations are Netra's: it receives on the ingress topics "
                "and sends everything else. Generated by `python -m netra.asyncapi`; do not edit by hand."),
            "license": {"name": "Netra project licence; see the repository"},
        },
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka",
                              "description": "The local stack (`netra stack up`); elsewhere NETRA_KAFKA_BOOTSTRAP. "
                                             "Authentication and ACLs are configured per deployment."}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": dict(sorted(schemas.items())), "messages": messages},
    }


def to_yaml(doc: dict) -> str:
    """The document as the committed YAML (block style, key order kept)."""
    import yaml

    return ("# Generated by `python -m netra.asyncapi` from the contract (netra/contracts/); do not edit.\n"
            + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110))


# ---------------------------------------------------------------- HTML


def _resolve(doc: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _type_of(doc: dict, node: dict) -> str:
    if "$ref" in node:
        name = html.escape(node["$ref"].rsplit("/", 1)[1])
        return f"<a href=\"#schema-{name}\">{name}</a>"
    if "anyOf" in node or "oneOf" in node:
        return " or ".join(_type_of(doc, n) for n in node.get("anyOf") or node.get("oneOf") or ())
    if "const" in node:
        return f"<code>{html.escape(json.dumps(node['const']))}</code>"
    t = node.get("type", "any")
    if t == "array":
        return f"array of {_type_of(doc, node.get('items', {}))}"
    return html.escape(str(t))


def _rules(node: dict) -> str:
    parts = []
    for n in (node.get("anyOf") or [node]):
        if "enum" in n:
            parts.append("one of " + ", ".join(f"<code>{html.escape(json.dumps(v))}</code>" for v in n["enum"]))
        if "pattern" in n:
            parts.append(f"pattern <code>{html.escape(n['pattern'])}</code>")
        if "format" in n:
            parts.append(html.escape(n["format"]))
        for key, label in (("minLength", "min length"), ("maxLength", "max length"), ("minItems", "min items"),
                           ("maxItems", "max items"), ("minimum", "min"), ("maximum", "max")):
            if key in n:
                parts.append(f"{label} {n[key]}")
    return "; ".join(parts)


def _fields(doc: dict, schema: dict) -> str:
    schema = _resolve(doc, schema)
    props = schema.get("properties") or {}
    if not props:
        return f"<p>{html.escape(schema.get('description', 'Any value.'))}</p>"
    required = set(schema.get("required", ()))
    rows = "".join(
        f"<tr><td><code>{html.escape(name)}</code></td><td>{'yes' if name in required else ''}</td>"
        f"<td>{_type_of(doc, p)}</td><td>{_rules(p)}</td><td>{html.escape(p.get('description', ''))}</td></tr>"
        for name, p in props.items())
    extra = "" if schema.get("additionalProperties", True) else "<p class=\"note\">No other fields are allowed.</p>"
    return ("<table><tr><th>field</th><th>required</th><th>type</th><th>rules</th><th>meaning</th></tr>"
            f"{rows}</table>{extra}")


def _message_html(doc: dict, mid: str, m: dict) -> str:
    key = m.get("bindings", {}).get("kafka", {}).get("key", {}).get("description", "")
    out = [f"<section id=\"message-{mid}\"><h3>{html.escape(m['title'])}</h3>",
           f"<p>{html.escape(m.get('summary', ''))}</p>",
           f"<p><b>Content type</b> <code>{html.escape(m.get('contentType', doc['defaultContentType']))}</code>"
           + (f" &middot; <b>Kafka key</b> {html.escape(key)}" if key else "") + "</p>"]
    if "headers" in m:
        out.append("<h4>Headers</h4>" + _fields(doc, m["headers"]))
    out.append("<h4>Payload</h4>" + _fields(doc, m["payload"]))
    return "".join(out) + "</section>"


def to_html(doc: dict) -> str:
    """A readable, self-contained page of the document: topics, channels, messages with their fields, schemas."""
    info = doc["info"]
    toc, body = [], []
    rows = []
    for cid, c in doc["channels"].items():
        k = c["bindings"]["kafka"]
        msgs = ", ".join(f"<a href=\"#message-{m}\">{html.escape(doc['components']['messages'][m]['name'])}</a>"
                         for m in c["messages"])
        ops = ", ".join(o["action"] for o in doc["operations"].values() if o["channel"]["$ref"] == f"#/channels/{cid}")
        rows.append(f"<tr><td><a href=\"#channel-{cid}\"><code>{html.escape(c['address'])}</code></a></td>"
                    f"<td>{msgs}</td><td>{k['partitions']}</td><td>{html.escape(ops)}</td></tr>")
        body.append(f"<section id=\"channel-{cid}\"><h3><code>{html.escape(c['address'])}</code></h3>"
                    f"<p>{html.escape(c['description'])}</p><p><b>Netra</b> {html.escape(ops)}s "
                    "&middot; <b>messages</b> "
                    f"{msgs} &middot; <b>partitions</b> {k['partitions']} &middot; <b>topic configuration</b> "
                    f"<code>{html.escape(json.dumps(k['topicConfiguration']))}</code></p></section>")
    toc.append("<h2>Topics</h2><table><tr><th>topic</th><th>messages</th><th>partitions</th><th>Netra</th></tr>"
               + "".join(rows) + "</table>")
    messages = "".join(_message_html(doc, mid, m) for mid, m in doc["components"]["messages"].items())
    schemas = "".join(
        f"<section id=\"schema-{html.escape(name)}\"><h3>{html.escape(name)}</h3>"
        f"<p>{html.escape(s.get('description', ''))}</p>{_fields(doc, s)}"
        f"<details><summary>JSON Schema</summary><pre>{html.escape(json.dumps(s, indent=2))}</pre></details></section>"
        for name, s in doc["components"]["schemas"].items())
    style = ("body{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}"
             "table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border:1px solid #ccc;"
             "padding:.2rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}"
             "code{background:#f6f6f6;padding:0 .2rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto;"
             "font-size:.8rem}section{border-top:1px solid #eee;margin-top:1rem}.note{font-size:.85rem;color:#555}")
    server = "".join(f"<li><code>{html.escape(s['host'])}</code> ({html.escape(s['protocol'])}): "
                     f"{html.escape(s['description'])}</li>" for s in doc["servers"].values())
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(info['title'])} {html.escape(info['version'])}</title><style>{style}</style></head>"
            f"<body><h1>{html.escape(info['title'])} <small>{html.escape(info['version'])} "
            f"(AsyncAPI {html.escape(doc['asyncapi'])})</small></h1><p>{html.escape(info['description'])}</p>"
            f"<p class=\"note\">Generated from <code>netra/contracts/asyncapi.yaml</code> by "
            f"<code>python -m netra.asyncapi</code>.</p><h2>Servers</h2><ul>{server}</ul>{''.join(toc)}"
            f"<h2>Channels</h2>{''.join(body)}<h2>Messages</h2>{messages}<h2>Schemas</h2>{schemas}</body></html>\n")


def rendered() -> dict[Path, str]:
    """The committed files and their expected text."""
    doc = document()
    return {YAML_PATH: to_yaml(doc), HTML_PATH: to_html(doc)}


def main(argv: list[str] | None = None) -> int:
    """Write the files, or with --check say which are stale."""
    argv = sys.argv[1:] if argv is None else argv
    files = rendered()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for p in stale:
            print(f"stale: {p} (run python -m netra.asyncapi)")
        return 1 if stale else 0
    for p, text in files.items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
