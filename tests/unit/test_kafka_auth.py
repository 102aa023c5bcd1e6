"""Kafka principals: client settings per principal, passwords from settings, the ACL table (no broker needed)."""
from __future__ import annotations

import pytest

from netra.kafka_auth import ADMIN, GRANTS, INGRESS_WRITER, acls_for, client_kwargs
from netra.settings import INGRESS_TOPICS, PRINCIPALS, SETTINGS, SettingsError, kafka_password_setting, load


def test_client_kwargs_use_scram_with_the_principals_own_password():
    s = load({"NETRA_KAFKA_PASSWORD_SINK": "sink-secret", "NETRA_KAFKA_BOOTSTRAP": "h:1"})
    kw = client_kwargs(s, "sink")
    assert kw == {"bootstrap_servers": "h:1", "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                  "sasl_plain_username": "sink", "sasl_plain_password": "sink-secret"}
    assert "sink-secret" not in repr(s)


def test_no_principal_and_unknown_principal_fail_clearly():
    with pytest.raises(SettingsError, match="NETRA_KAFKA_PRINCIPAL"):
        client_kwargs(load({}))
    with pytest.raises(SettingsError, match="unknown Kafka principal 'analyst'"):
        client_kwargs(load({}), "analyst")
    assert client_kwargs(load({"NETRA_KAFKA_PRINCIPAL": "bawaslu", "NETRA_KAFKA_PASSWORD_BAWASLU": "p"}))[
        "sasl_plain_username"] == "bawaslu"


def test_a_missing_password_names_its_setting_outside_demo_mode(tmp_path):
    with pytest.raises(SettingsError, match="NETRA_KAFKA_PASSWORD_ALERTS_READER is not set"):
        load({"NETRA_HOME": str(tmp_path)}).kafka_password("alerts-reader")


def test_demo_mode_generates_private_passwords_once(tmp_path):
    s = load({"NETRA_HOME": str(tmp_path), "NETRA_DEMO_MODE": "true"})
    first = s.kafka_password("validator")
    assert first == s.kafka_password("validator") and len(first) >= 32
    assert first != s.kafka_password("enricher"), "each principal its own password"
    files = list((tmp_path / "secrets").iterdir())
    assert files and all(f.stat().st_mode & 0o077 == 0 for f in files)
    assert (tmp_path / "secrets").stat().st_mode & 0o077 == 0


def test_every_principal_has_a_secret_setting_and_a_grant():
    secret = {s.name for s in SETTINGS if s.secret}
    assert {kafka_password_setting(p) for p in PRINCIPALS} <= secret
    assert set(GRANTS) == set(PRINCIPALS) - {ADMIN}
    assert set(INGRESS_WRITER) == set(INGRESS_TOPICS)


def test_upstreams_only_write_their_own_topic_and_read_only_their_own_rejects():
    from netra.contracts.rejects import DOMAIN_WRITES, rejects_topic

    for topic, principal in INGRESS_WRITER.items():
        grant = GRANTS[principal]
        assert grant.writes == (topic,) and grant.groups == ()
        # the rejects topics of the source domains that write through this principal's topic
        assert grant.reads and all(r.startswith("rejects.") for r in grant.reads)
        assert rejects_topic(principal) in grant.reads
        assert all(topic in DOMAIN_WRITES[r.removeprefix("rejects.")] for r in grant.reads)


def test_acls_name_the_principal_its_topics_and_its_group():
    from kafka.admin import ACLOperation, ACLResourcePatternType, ResourceType

    acls = acls_for("validator", GRANTS["validator"], "netra")
    got = {(a.principal, a.operation, a.resource_pattern.resource_type, a.resource_pattern.resource_name,
            a.resource_pattern.pattern_type) for a in acls}
    lit = ACLResourcePatternType.LITERAL
    assert got == ({("User:validator", ACLOperation.READ, ResourceType.TOPIC, t, lit) for t in INGRESS_TOPICS}
                   | {("User:validator", ACLOperation.WRITE, ResourceType.TOPIC, t, lit)
                      for t in ("events.valid", "events.dlq")}
                   | {("User:validator", ACLOperation.READ, ResourceType.GROUP, "netra.validator", lit)})
    reader = acls_for("alerts-reader", GRANTS["alerts-reader"], "netra")
    assert any(a.resource_pattern.pattern_type == ACLResourcePatternType.PREFIXED
               and a.resource_pattern.resource_name == "netra.alerts" for a in reader)


def test_replay_may_only_write_the_ingress_topics():
    """`netra dlq replay` re-sends rejects to ingress; `netra replay` works in Postgres and needs no Kafka right."""
    assert GRANTS["replay"].writes == INGRESS_TOPICS
    assert GRANTS["replay"].reads == () and GRANTS["replay"].groups == () and GRANTS["replay"].group_prefixes == ()
