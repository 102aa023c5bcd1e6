"""Topic names (DESIGN.md §4), defined once: the contract names them, settings and every stage import them.

Ingress topics are per producing domain so Kafka ACLs can let each upstream principal
write only its own topic; the rest are written by Netra itself.
"""
from __future__ import annotations

from netra.contracts.rejects import REJECTS_TOPICS

TOPIC_REPORTS = "reports.raw"
TOPIC_RECOMMENDATIONS = "recommendations.raw"
TOPIC_SANCTIONS = "sanctions.raw"
#: What upstream systems (and `netra publish`) may write.
INGRESS_TOPICS = (TOPIC_REPORTS, TOPIC_RECOMMENDATIONS, TOPIC_SANCTIONS)
TOPIC_VALID = "events.valid"
TOPIC_ENRICHED = "events.enriched"
TOPIC_DLQ = "events.dlq"
TOPIC_ALERTS = "alerts.overdue"
#: Written by Netra's stages only.
INTERNAL_TOPICS = (TOPIC_VALID, TOPIC_ENRICHED, TOPIC_DLQ, TOPIC_ALERTS)
#: `rejects.<source domain>`: each upstream's own refused messages (netra/contracts/rejects.py).
ALL_TOPICS = INGRESS_TOPICS + INTERNAL_TOPICS + REJECTS_TOPICS

#: The consumer stages (DESIGN.md §4) and the topics each one reads, in pipeline order.
STAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "validator": INGRESS_TOPICS,
    "enricher": (TOPIC_VALID,),
    "sink": (TOPIC_ENRICHED, TOPIC_DLQ),
}
STAGES = tuple(STAGE_INPUTS)
