"""Bounded retention of identity: the ingress topics and events.dlq carry reporter NIK and name (the enricher
drops them before Postgres), so Kafka keeps them NETRA_INGRESS_RETENTION_DAYS only. raw.events is the system of
record after that (README, "Privacy"). Applied by `netra topics create`, checked by `netra status`.
"""
from __future__ import annotations

from collections.abc import Callable

from netra.settings import INGRESS_TOPICS, TOPIC_DLQ, Settings

RETAINED_TOPICS = INGRESS_TOPICS + (TOPIC_DLQ,)
DAY_MS = 24 * 3600 * 1000


def retention_ms(settings: Settings) -> int:
    """The ingress retention in milliseconds."""
    return settings.ingress_retention_days * DAY_MS


def topic_configs(settings: Settings, topic: str) -> dict[str, str]:
    """Configs a topic is created with: the ingress/DLQ ones get the bounded retention."""
    return {"retention.ms": str(retention_ms(settings))} if topic in RETAINED_TOPICS else {}


def apply_retention(admin, settings: Settings, existing: list[str], say: Callable[[str], None] = print) -> None:
    """Set retention.ms on topics that already existed (a changed setting takes effect on the next create)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    targets = [t for t in RETAINED_TOPICS if t in existing]
    if targets:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t,
                                            configs={"retention.ms": str(retention_ms(settings))}) for t in targets])
    say(f"  retention: {', '.join(RETAINED_TOPICS)} keep {settings.ingress_retention_days} day(s) "
        "(NETRA_INGRESS_RETENTION_DAYS)")


def retention_days(admin) -> dict[str, float | None]:
    """retention.ms of the retained topics, in days (None: topic missing or unlimited)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    out: dict[str, float | None] = {}
    present = set(admin.list_topics())
    for topic in RETAINED_TOPICS:
        if topic not in present:
            out[topic] = None
            continue
        response = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                          configs={"retention.ms": None})], config_filter="all")
        value = _config_value(response, topic, "retention.ms")
        out[topic] = None if value is None or int(value) < 0 else int(value) / DAY_MS
    return out


def _config_value(response: dict, topic: str, key: str) -> str | None:
    """describe_configs answers {resource_type: {name: {key: {value, ...}}}}."""
    entry = response.get("topic", {}).get(topic, {}).get(key)
    return entry.get("value") if isinstance(entry, dict) else entry


def retention_line(settings: Settings, admin) -> tuple[bool, str]:
    """One line for `netra status`: whether the retained topics are at the setting."""
    want = settings.ingress_retention_days
    days = retention_days(admin)
    wrong = {t: d for t, d in days.items() if d is None or abs(d - want) > 1e-9}
    if not wrong:
        return True, f"ingress retention: {want} day(s) on {', '.join(RETAINED_TOPICS)} (NETRA_INGRESS_RETENTION_DAYS)"
    shown = ", ".join(f"{t} {'unlimited/missing' if d is None else f'{d:g} days'}" for t, d in wrong.items())
    return False, (f"ingress retention: {shown}, expected {want} day(s) (NETRA_INGRESS_RETENTION_DAYS): "
                   "run `netra topics create`")
