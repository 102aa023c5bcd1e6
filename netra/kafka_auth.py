"""Kafka principals: SASL/SCRAM-SHA-512 client settings per principal, and the ACLs that say what each may do.

DESIGN.md §4 splits ingress per producing domain so that each upstream may write only its own topic. GRANTS is the
one definition of who may do what; `netra topics create` (as `admin`, the only super user) applies it with
`apply_grants`, and the README's "Kafka principals" table says the same in words. Analysts have no principal:
they read the warehouse, never the broker. Passwords come from settings (NETRA_KAFKA_PASSWORD_<PRINCIPAL>,
generated under NETRA_HOME in demo mode) and are never logged.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from netra.contracts.events import FOLLOWTHROUGH_TOPICS
from netra.contracts.rejects import REJECTS_TOPICS, rejects_topic
from netra.settings import (
    INGRESS_TOPICS,
    PRINCIPALS,
    TOPIC_ALERTS,
    TOPIC_DLQ,
    TOPIC_ENRICHED,
    TOPIC_VALID,
    Settings,
    SettingsError,
    kafka_password_setting,
)

MECHANISM = "SCRAM-SHA-512"
ADMIN = "admin"
#: the upstream principal that owns (alone may write) each ingress topic
INGRESS_WRITER = {"reports.raw": "bawaslu", "recommendations.raw": "kasn", "sanctions.raw": "bkpsdm"}


@dataclass(frozen=True)
class Grant:
    """What one principal may do: read (and describe) topics, write topics, use consumer groups."""

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    #: consumer groups, as suffixes of NETRA_GROUP_PREFIX ("validator" -> "<prefix>.validator")
    groups: tuple[str, ...] = ()
    #: group suffixes allowed as a prefix (any group whose id starts with "<prefix>.<suffix>")
    group_prefixes: tuple[str, ...] = ()
    summary: str = ""


GRANTS: dict[str, Grant] = {
    "bawaslu": Grant(writes=("reports.raw",), reads=(rejects_topic("bawaslu"),),
                     summary="Bawaslu case management: writes reports.raw, reads its rejects.bawaslu"),
    "kasn": Grant(writes=("recommendations.raw",), reads=(rejects_topic("kasn"), rejects_topic("bkn")),
                  summary="KASN/BKN: writes recommendations.raw, reads rejects.kasn and rejects.bkn"),
    "bkpsdm": Grant(writes=("sanctions.raw",), reads=(rejects_topic("bkpsdm"), rejects_topic("bkd")),
                    summary="each BKPSDM and `netra import-bkpsdm`: writes sanctions.raw, reads rejects.bkpsdm and "
                            "rejects.bkd"),
    "validator": Grant(reads=INGRESS_TOPICS, writes=(TOPIC_VALID, TOPIC_DLQ), groups=("validator",),
                       summary="reads the ingress topics, writes events.valid and events.dlq"),
    "enricher": Grant(reads=(TOPIC_VALID,), writes=(TOPIC_ENRICHED, TOPIC_DLQ), groups=("enricher",),
                      summary="reads events.valid, writes events.enriched and events.dlq"),
    "sink": Grant(reads=(TOPIC_ENRICHED, TOPIC_DLQ), writes=REJECTS_TOPICS, groups=("sink",),
                  summary="reads events.enriched and events.dlq (writes Postgres), writes the rejects.* notices"),
    "alerts": Grant(writes=(TOPIC_ALERTS,), summary="reconcile: writes alerts.overdue"),
    "alerts-reader": Grant(reads=(TOPIC_ALERTS,), group_prefixes=("alerts",),
                           summary="whoever acts on overdue notices: reads alerts.overdue (groups <prefix>.alerts*)"),
    "airflow": Grant(reads=FOLLOWTHROUGH_TOPICS, groups=("airflow-watcher",),
                     summary="the reconcile DAG's asset watcher: reads sanctions.raw and recommendations.raw"),
    "replay": Grant(writes=INGRESS_TOPICS, summary="`netra dlq replay`: re-publishes fixed rejects to ingress topics"),
}
assert set(GRANTS) | {ADMIN} == set(PRINCIPALS), "every principal has a grant (admin is the super user)"


def client_kwargs(settings: Settings, principal: str | None = None) -> dict:
    """bootstrap_servers plus the kafka-python SASL settings of `principal`.

    principal None: NETRA_KAFKA_PRINCIPAL (one per service in docker-compose); if that is empty too, a clear error,
    so no client ever falls back silently to a more powerful identity.
    """
    principal = principal or settings.kafka_principal
    if not principal:
        raise SettingsError("no Kafka principal for this client: set NETRA_KAFKA_PRINCIPAL "
                            f"(one of {', '.join(PRINCIPALS)})")
    if principal not in PRINCIPALS:
        raise SettingsError(f"unknown Kafka principal {principal!r}; principals: {', '.join(PRINCIPALS)}")
    # kafka-python warns on every SCRAM handshake over SASL_PLAINTEXT; SCRAM never sends the password itself, and
    # the listener is localhost / the compose network (README: put TLS in front before exposing it)
    logging.getLogger("kafka.net.sasl.scram").setLevel(logging.ERROR)
    return dict(
        bootstrap_servers=settings.kafka_bootstrap,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism=MECHANISM,
        sasl_plain_username=principal,
        sasl_plain_password=settings.kafka_password(principal),
    )


def acls_for(principal: str, grant: Grant, group_prefix: str) -> list:
    """The ACLs that give `principal` its grant on the topics and consumer groups."""
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourceType

    def allow(operation, resource_type, name, pattern=ACLResourcePatternType.LITERAL):
        return ACL(principal=f"User:{principal}", host="*", operation=operation,
                   permission_type=ACLPermissionType.ALLOW,
                   resource_pattern=ResourcePattern(resource_type, name, pattern))

    acls = [allow(ACLOperation.READ, ResourceType.TOPIC, t) for t in grant.reads]
    acls += [allow(ACLOperation.WRITE, ResourceType.TOPIC, t) for t in grant.writes]
    acls += [allow(ACLOperation.READ, ResourceType.GROUP, f"{group_prefix}.{g}") for g in grant.groups]
    acls += [allow(ACLOperation.READ, ResourceType.GROUP, f"{group_prefix}.{g}", ACLResourcePatternType.PREFIXED)
             for g in grant.group_prefixes]
    return acls


def apply_grants(admin, settings: Settings, say: Callable[[str], None] = print,
                 reset_credentials: bool = False) -> None:
    """Create the SCRAM users that do not exist yet (all whose password this process knows, with
    reset_credentials) and every principal's ACLs. Idempotent.

    Existing users are left alone by default: re-salting a live user's credential races with clients that are
    authenticating at that moment. A principal without a password here is skipped with a note (in production an
    upstream's password may be managed elsewhere); its ACLs are created all the same.
    """
    from kafka.admin import ScramMechanism, UserScramCredentialUpsertion

    existing = set() if reset_credentials else {
        user for user, info in admin.describe_user_scram_credentials().items() if info["credential_infos"]}
    upserts, missing = [], []
    for principal in PRINCIPALS:
        if principal == ADMIN or principal in existing:
            continue  # admin: created when the storage was formatted; it is how we got here
        try:
            password = settings.kafka_password(principal)
        except SettingsError:
            missing.append(principal)
            continue
        upserts.append(UserScramCredentialUpsertion(principal, ScramMechanism.SCRAM_SHA_512, password))
    if upserts:
        failed = {u: e for u, e in admin.alter_user_scram_credentials(upserts).items() if e}
        if failed:
            raise RuntimeError(f"could not set the Kafka credentials of {', '.join(sorted(failed))}: {failed}")
    acls = [acl for principal, grant in GRANTS.items() for acl in acls_for(principal, grant, settings.group_prefix)]
    result = admin.create_acls(acls)
    if result["failed"]:
        raise RuntimeError(f"could not create {len(result['failed'])} Kafka ACL(s): {result['failed'][0]}")
    say(f"  principals: {len(upserts)} SCRAM user(s) set, {len(existing - {ADMIN})} kept, "
        f"ACLs for {len(GRANTS)} principals in place"
        + (f"; no password here for {', '.join(missing)} "
           f"({', '.join(kafka_password_setting(p) for p in missing)}): not (re)set" if missing else ""))
