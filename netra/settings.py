"""Netra settings: environment only, prefix NETRA_, read when called (never at import).

Every setting is declared once in SETTINGS (name, default, meaning); `.env.example`
and docker-compose.yml are checked against this list by tests/unit/test_compose.py.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Topic names belong to the contract; re-exported here for the modules that read them with the settings.
from netra.contracts.topics import (  # noqa: F401
    ALL_TOPICS,
    INGRESS_TOPICS,
    INTERNAL_TOPICS,
    TOPIC_ALERTS,
    TOPIC_DLQ,
    TOPIC_ENRICHED,
    TOPIC_VALID,
)
from netra.contracts.vocabulary import DEFAULT_LINK_WINDOW_DAYS, DEFAULT_NEUTRALITY_REASON

#: Values of NETRA_KAFKA_COMPRESSION (kafka-python's compression_type names, and "none").
KAFKA_COMPRESSION = ("none", "lz4", "zstd", "gzip", "snappy")

#: Kafka principals (SASL/SCRAM users). What each may do is netra/kafka_auth.py's GRANTS; the README lists it.
PRINCIPALS = ("admin", "bawaslu", "kasn", "bkpsdm", "validator", "enricher", "sink", "alerts", "alerts-reader",
              "airflow", "replay")


def kafka_password_setting(principal: str) -> str:
    """The setting holding a principal's Kafka password: alerts-reader -> NETRA_KAFKA_PASSWORD_ALERTS_READER."""
    return "NETRA_KAFKA_PASSWORD_" + principal.upper().replace("-", "_")


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Spec:
    """One setting: its name, default, help text and whether it is secret."""

    name: str
    default: str | None
    help: str
    secret: bool = False


SETTINGS: tuple[Spec, ...] = (
    Spec("NETRA_HOME", ".netra", "State directory of the local stack (Kafka data, Postgres data, Airflow home, logs)."),
    Spec("NETRA_KAFKA_BOOTSTRAP", "127.0.0.1:9092", "Kafka bootstrap servers, host:port[,host:port]."),
    Spec("NETRA_KAFKA_CONTROLLER_PORT", "9093", "Port of the local KRaft controller listener (local stack only)."),
    Spec("NETRA_KAFKA_HEAP", "512m", "JVM heap of the local broker (local stack only)."),
    Spec("NETRA_KAFKA_LINGER_MS", "20",
         "Producer linger.ms: how long a batch may wait to fill before it is sent "
         "(see netra/kafka_tuning.py)."),
    Spec("NETRA_KAFKA_BATCH_BYTES", "524288",
         "Producer batch.size in bytes per partition batch (at most the 1 MiB request size)."),
    Spec("NETRA_KAFKA_COMPRESSION", "lz4",
         "Producer compression: lz4, zstd, gzip, snappy or none (lz4 is pinned; others need their codec)."),
    Spec("NETRA_KAFKA_FETCH_MIN_BYTES", "262144",
         "Consumer fetch.min.bytes: the broker answers a fetch once this many bytes are there "
         "(or the wait is over)."),
    Spec("NETRA_KAFKA_FETCH_MAX_WAIT_MS", "200",
         "Consumer fetch.max.wait.ms: longest the broker holds a fetch that has fewer than fetch.min.bytes."),
    Spec("NETRA_KAFKA_MAX_PARTITION_FETCH_BYTES", "4194304",
         "Consumer max.partition.fetch.bytes: most bytes one partition returns per fetch."),
    Spec("NETRA_KAFKA_VERSION", "4.3.1", "Apache Kafka version resolved from Maven Central for the local stack."),
    Spec("NETRA_TOPIC_PARTITIONS", "3", "Partitions per topic created by `netra topics create`."),
    Spec("NETRA_PG_DSN", "", "PostgreSQL DSN. Empty: the embedded pgserver under NETRA_HOME/pg."),
    Spec("NETRA_HMAC_KEY", None,
         "Secret for asn_key/reporter_key (HMAC-SHA-256). Required unless NETRA_DEMO_MODE=true.", secret=True),
    Spec("NETRA_DEMO_MODE", "false", "true: demo/test mode; a generated HMAC key is kept under NETRA_HOME."),
    Spec("NETRA_BATCH_SIZE", "5000",
         "Maximum messages per consumer micro-batch (GX costs ~80 ms per call whatever its size, "
         "so bigger is cheaper; NETRA_BATCH_WAIT_MS bounds the wait)."),
    Spec("NETRA_BATCH_WAIT_MS", "500", "Longest wait for a micro-batch to fill, in milliseconds."),
    Spec("NETRA_MAX_MESSAGE_BYTES", "262144", "Largest accepted event (DESIGN.md §3: 256 KiB)."),
    Spec("NETRA_PPK_SLA_DAYS", "30", "Days after issued_on before a recommendation without sanction is overdue."),
    Spec("NETRA_LINK_WINDOW_DAYS", str(DEFAULT_LINK_WINDOW_DAYS),
         "Days after issued_on a sanction may be decreed and still link by NIP or fuzzily (DESIGN.md §6)."),
    Spec("NETRA_NEUTRALITY_REASON", DEFAULT_NEUTRALITY_REASON,
         "Case-insensitive regex: a sanction reason matching it is about election neutrality; any other "
         "(non-null) reason links only by reference (DESIGN.md §6)."),
    Spec("NETRA_SMALL_CELL_K", "5",
         "Counts from 1 to k-1 are suppressed in mart.followthrough_summary_public (1: off)."),
    Spec("NETRA_BKPSDM_INBOX", "",
         "Folder of BKPSDM CSV/XLSX exports for import_bkpsdm_exports (archive: its processed/). "
         "Empty: NETRA_HOME/inbox/bkpsdm."),
    Spec("NETRA_GROUP_PREFIX", "netra", "Prefix of the consumer group ids (<prefix>.validator, ...)."),
    Spec("NETRA_KAFKA_SESSION_TIMEOUT_MS", "10000", "Consumer group session timeout: how soon the group notices a "
         "dead member and hands its partitions to the others (heartbeats every third of it)."),
    Spec("NETRA_CONSUMER_INSTANCE_ID", "", "Static group membership: a stable id per consumer process (unique "
         "within its stage), so a restarted member gets its partitions back at once. Empty: dynamic membership."),
    Spec("NETRA_OUTAGE_GIVE_UP_S", "3600", "How long a consumer keeps retrying while Kafka or PostgreSQL is "
         "unreachable before it exits (0: never gives up)."),
    Spec("NETRA_AIRFLOW_PORT", "8080", "Port of the local Airflow API server / UI."),
    Spec("NETRA_AIRFLOW_HOST", "127.0.0.1", "Address the local Airflow API server binds to; task workers call its "
         "execution API there."),
    Spec("NETRA_AIRFLOW_WORKER_LOG_PORT", "8793", "Port of the local Airflow worker log server (task logs in the UI)."),
    Spec("NETRA_AIRFLOW_TRIGGER_LOG_PORT", "8794", "Port of the local Airflow triggerer log server."),
    Spec("NETRA_KAFKA_TIMEOUT_S", "5", "Seconds a command or consumer waits for Kafka (bootstrap, metadata) before "
         "it says Kafka is not reachable."),
    Spec("NETRA_PG_CONNECT_TIMEOUT_S", "5", "Seconds to wait for PostgreSQL to accept a connection."),
    Spec("NETRA_LOG_LEVEL", "INFO", "Log level of consumers and commands."),
    Spec("NETRA_LOG_FORMAT", "text", "Log lines of consumers and commands: text, or json (one object per line)."),
    Spec("NETRA_METRICS_PORT", "0", "Prometheus /metrics of the consumers: validator on this port, enricher +1, "
         "sink +2 (`netra consume --metrics-port` overrides, e.g. for a second member on one host). 0: off."),
    Spec("NETRA_METRICS_HOST", "127.0.0.1", "Address the consumers' metrics endpoints bind to (0.0.0.0 for a "
         "Prometheus on another host or container)."),
    Spec("NETRA_KAFKA_PRINCIPAL", "", "Kafka principal of this process where the code names none "
         "(docker-compose sets one per service). Empty: commands pick the principal of their job."),
    Spec("NETRA_INGRESS_RETENTION_DAYS", "3", "Days Kafka keeps the ingress topics and events.dlq (they hold "
         "reporter identity); raw.events is the system of record after that."),
    Spec("NETRA_PG_PORT", "5433", "Localhost TCP port of the embedded PostgreSQL for password (scram-sha-256) "
         "logins: netra_pipeline and analysts (local stack only)."),
    Spec("NETRA_PG_PIPELINE_DSN", "", "DSN of the netra_pipeline login, without the password. Empty: the embedded "
         "server's TCP port, or NETRA_PG_DSN with the user netra_pipeline."),
    Spec("NETRA_PG_PIPELINE_PASSWORD", None, "Password of the netra_pipeline login (stages, reconcile, DAGs); set by "
         "`netra db migrate`. Required unless NETRA_DEMO_MODE=true.", secret=True),
    Spec("NETRA_ANALYST_PASSWORD", None, "Password for `netra db create-analyst NAME`. Empty: it asks.", secret=True),
) + tuple(
    Spec(kafka_password_setting(p), None, f"Kafka (SCRAM-SHA-512) password of the principal {p!r}. "
         "Required where that principal is used, unless NETRA_DEMO_MODE=true.", secret=True)
    for p in PRINCIPALS
)
_SPECS = {s.name: s for s in SETTINGS}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean explicitly: `bool("False")` is True, which is a classic bug."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use true or false")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}={value} must be at least {minimum}")
    return value


def _regex(name: str, raw: str) -> str:
    if not raw.strip():
        raise SettingsError(f"{name} is empty; it must be a regular expression (default: {_SPECS[name].default!r})")
    try:
        re.compile(raw, re.IGNORECASE)
    except re.error as e:
        raise SettingsError(f"{name}={raw!r} is not a valid regular expression: {e}") from None
    return raw


LOG_FORMATS = ("text", "json")


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise SettingsError(f"{name}={raw!r}: use one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class Settings:
    """All of Netra's settings, loaded from the environment."""

    home: Path
    kafka_bootstrap: str
    kafka_controller_port: int
    kafka_heap: str
    kafka_version: str
    kafka_linger_ms: int
    kafka_batch_bytes: int
    kafka_compression: str
    kafka_fetch_min_bytes: int
    kafka_fetch_max_wait_ms: int
    kafka_max_partition_fetch_bytes: int
    topic_partitions: int
    pg_dsn: str
    demo_mode: bool
    batch_size: int
    batch_wait_ms: int
    max_message_bytes: int
    ppk_sla_days: int
    link_window_days: int
    neutrality_reason: str
    small_cell_k: int
    bkpsdm_inbox: Path
    group_prefix: str
    kafka_session_timeout_ms: int
    consumer_instance_id: str
    outage_give_up_s: int
    airflow_port: int
    airflow_host: str
    airflow_worker_log_port: int
    airflow_trigger_log_port: int
    kafka_timeout_s: int
    pg_connect_timeout_s: int
    log_level: str
    log_format: str
    metrics_port: int
    metrics_host: str
    kafka_principal: str
    ingress_retention_days: int
    pg_port: int
    pg_pipeline_dsn: str
    _hmac_key: str | None
    _secrets: Mapping[str, str] = field(default_factory=dict)

    @property
    def hmac_key(self) -> bytes:
        """The pseudonymisation secret. Outside demo mode it must be set explicitly."""
        if self._hmac_key:
            return self._hmac_key.encode()
        if not self.demo_mode:
            raise SettingsError(
                "NETRA_HMAC_KEY is not set. Set it to a long random secret "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                "or NETRA_DEMO_MODE=true to use a key generated under NETRA_HOME."
            )
        path = self.home / "hmac.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    def secret(self, name: str) -> str:
        """A secret setting: from the environment, else (demo mode only) generated once under NETRA_HOME/secrets."""
        value = self._secrets.get(name)
        if value:
            return value
        if not self.demo_mode:
            raise SettingsError(
                f"{name} is not set. Set it to a long random secret "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                "or NETRA_DEMO_MODE=true to use one generated under NETRA_HOME."
            )
        path = self.home / "secrets" / name.lower()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.parent.chmod(0o700)
            path.write_text(secrets.token_hex(24))
            path.chmod(0o600)
        return path.read_text().strip()

    def kafka_password(self, principal: str) -> str:
        """The Kafka password of one principal."""
        if principal not in PRINCIPALS:
            raise SettingsError(f"unknown Kafka principal {principal!r}; principals: {', '.join(PRINCIPALS)}")
        return self.secret(kafka_password_setting(principal))

    @property
    def pg_pipeline_password(self) -> str:
        """The password of the pipeline's PostgreSQL role."""
        return self.secret("NETRA_PG_PIPELINE_PASSWORD")

    @property
    def analyst_password(self) -> str | None:
        """The password `netra db create-analyst` sets, or None (then it asks). Never generated."""
        return self._secrets.get("NETRA_ANALYST_PASSWORD") or None

    def analyst_dsn(self, user: str) -> str:
        """Where an analyst login connects (no password in it: psql asks, or PGPASSWORD)."""
        from urllib.parse import quote, urlsplit

        if self.pg_dsn:
            parts = urlsplit(self.pg_dsn)
            host = parts.hostname or "127.0.0.1"
            port = parts.port or 5432
            database = parts.path.lstrip("/") or "netra"
        else:
            host, port, database = "127.0.0.1", self.pg_port, "netra"
        return f"postgresql://{quote(user)}@{host}:{port}/{database}"

    @property
    def kafka_port(self) -> int:
        """The port of the first Kafka bootstrap server."""
        first = self.kafka_bootstrap.split(",")[0]
        return int(first.rsplit(":", 1)[1])

    def metrics_port_for(self, stage: str) -> int:
        """The stage's Prometheus port: NETRA_METRICS_PORT + its place in the pipeline, or 0 (off)."""
        if not self.metrics_port:
            return 0
        return self.metrics_port + ("validator", "enricher", "sink").index(stage)

    def group_id(self, stage: str) -> str:
        """The consumer group id of a stage."""
        return f"{self.group_prefix}.{stage}"

    def __repr__(self) -> str:  # never print the secret
        pg = "external" if self.pg_dsn else "embedded"
        return f"Settings(home={self.home}, kafka={self.kafka_bootstrap}, pg={pg})"


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read all settings from the environment now. Fails fast with a clear message."""
    env = os.environ if env is None else env

    def get(name: str) -> str:
        spec = _SPECS[name]
        raw = env.get(name)
        if raw is None:
            raw = spec.default if spec.default is not None else ""
        return raw

    bootstrap = get("NETRA_KAFKA_BOOTSTRAP")
    for hostport in bootstrap.split(","):
        if ":" not in hostport:
            raise SettingsError(f"NETRA_KAFKA_BOOTSTRAP={bootstrap!r}: each server must be host:port")
    return Settings(
        home=Path(get("NETRA_HOME")).expanduser().resolve(),
        kafka_bootstrap=bootstrap,
        kafka_controller_port=_int("NETRA_KAFKA_CONTROLLER_PORT", get("NETRA_KAFKA_CONTROLLER_PORT"), 1),
        kafka_heap=get("NETRA_KAFKA_HEAP"),
        kafka_version=get("NETRA_KAFKA_VERSION"),
        kafka_linger_ms=_int("NETRA_KAFKA_LINGER_MS", get("NETRA_KAFKA_LINGER_MS"), 0),
        kafka_batch_bytes=_int("NETRA_KAFKA_BATCH_BYTES", get("NETRA_KAFKA_BATCH_BYTES"), 1024),
        kafka_compression=_choice("NETRA_KAFKA_COMPRESSION", get("NETRA_KAFKA_COMPRESSION"), KAFKA_COMPRESSION),
        kafka_fetch_min_bytes=_int("NETRA_KAFKA_FETCH_MIN_BYTES", get("NETRA_KAFKA_FETCH_MIN_BYTES"), 1),
        kafka_fetch_max_wait_ms=_int("NETRA_KAFKA_FETCH_MAX_WAIT_MS", get("NETRA_KAFKA_FETCH_MAX_WAIT_MS"), 0),
        kafka_max_partition_fetch_bytes=_int("NETRA_KAFKA_MAX_PARTITION_FETCH_BYTES",
                                             get("NETRA_KAFKA_MAX_PARTITION_FETCH_BYTES"), 1024),
        topic_partitions=_int("NETRA_TOPIC_PARTITIONS", get("NETRA_TOPIC_PARTITIONS"), 1),
        pg_dsn=get("NETRA_PG_DSN"),
        demo_mode=parse_bool("NETRA_DEMO_MODE", get("NETRA_DEMO_MODE")),
        batch_size=_int("NETRA_BATCH_SIZE", get("NETRA_BATCH_SIZE"), 1),
        batch_wait_ms=_int("NETRA_BATCH_WAIT_MS", get("NETRA_BATCH_WAIT_MS"), 1),
        max_message_bytes=_int("NETRA_MAX_MESSAGE_BYTES", get("NETRA_MAX_MESSAGE_BYTES"), 1024),
        ppk_sla_days=_int("NETRA_PPK_SLA_DAYS", get("NETRA_PPK_SLA_DAYS"), 0),
        link_window_days=_int("NETRA_LINK_WINDOW_DAYS", get("NETRA_LINK_WINDOW_DAYS"), 0),
        neutrality_reason=_regex("NETRA_NEUTRALITY_REASON", get("NETRA_NEUTRALITY_REASON")),
        small_cell_k=_int("NETRA_SMALL_CELL_K", get("NETRA_SMALL_CELL_K"), 1),
        bkpsdm_inbox=Path(get("NETRA_BKPSDM_INBOX") or Path(get("NETRA_HOME")) / "inbox" / "bkpsdm")
        .expanduser().resolve(),
        group_prefix=get("NETRA_GROUP_PREFIX"),
        kafka_session_timeout_ms=_int("NETRA_KAFKA_SESSION_TIMEOUT_MS", get("NETRA_KAFKA_SESSION_TIMEOUT_MS"), 1000),
        consumer_instance_id=get("NETRA_CONSUMER_INSTANCE_ID").strip(),
        outage_give_up_s=_int("NETRA_OUTAGE_GIVE_UP_S", get("NETRA_OUTAGE_GIVE_UP_S"), 0),
        airflow_port=_int("NETRA_AIRFLOW_PORT", get("NETRA_AIRFLOW_PORT"), 1),
        airflow_host=get("NETRA_AIRFLOW_HOST"),
        airflow_worker_log_port=_int("NETRA_AIRFLOW_WORKER_LOG_PORT", get("NETRA_AIRFLOW_WORKER_LOG_PORT"), 1),
        airflow_trigger_log_port=_int("NETRA_AIRFLOW_TRIGGER_LOG_PORT", get("NETRA_AIRFLOW_TRIGGER_LOG_PORT"), 1),
        kafka_timeout_s=_int("NETRA_KAFKA_TIMEOUT_S", get("NETRA_KAFKA_TIMEOUT_S"), 1),
        pg_connect_timeout_s=_int("NETRA_PG_CONNECT_TIMEOUT_S", get("NETRA_PG_CONNECT_TIMEOUT_S"), 1),
        log_level=get("NETRA_LOG_LEVEL").upper(),
        log_format=_choice("NETRA_LOG_FORMAT", get("NETRA_LOG_FORMAT"), LOG_FORMATS),
        metrics_port=_int("NETRA_METRICS_PORT", get("NETRA_METRICS_PORT"), 0),
        metrics_host=get("NETRA_METRICS_HOST"),
        kafka_principal=get("NETRA_KAFKA_PRINCIPAL"),
        ingress_retention_days=_int("NETRA_INGRESS_RETENTION_DAYS", get("NETRA_INGRESS_RETENTION_DAYS"), 1),
        pg_port=_int("NETRA_PG_PORT", get("NETRA_PG_PORT"), 1),
        pg_pipeline_dsn=get("NETRA_PG_PIPELINE_DSN"),
        _hmac_key=env.get("NETRA_HMAC_KEY") or None,
        _secrets={s.name: env[s.name] for s in SETTINGS if s.secret and env.get(s.name)},
    )
