"""docker-compose.yml, Dockerfile and .env.example agree with netra/settings.py SETTINGS.

No Docker engine is needed: the files are parsed and cross-checked, so a renamed or
misspelt setting, a wrong port or a consumer started with the wrong stage fails here.
"""
from __future__ import annotations

import re
import shlex
from functools import cache
from urllib.parse import urlsplit

import pytest
import yaml

from netra.settings import SETTINGS
from support import REPO

COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"

SPECS = {s.name: s for s in SETTINGS}
STAGES = ("validator", "enricher", "sink")
NETRA_SERVICES = ("init",) + STAGES + ("airflow",)
REQUIRED_SERVICES = ("kafka", "postgres") + NETRA_SERVICES

_NETRA_NAME = re.compile(r"\bNETRA_[A-Z0-9_]+\b")
# Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}
_INTERP = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict:
    return compose()["services"]


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Resolve compose ${...} references as `docker compose` would with `env` as .env."""
    env = env or {}

    def repl(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        current = env.get(name)
        unset_or_empty = current is None or (op is not None and op.startswith(":") and current == "")
        if op and op.endswith("-") and unset_or_empty:
            return arg
        if op and op.endswith("?") and unset_or_empty:
            raise LookupError(f"{name}: {arg}")
        return current or ""

    return _INTERP.sub(repl, value)


def environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...] form
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def command(service: str) -> list[str]:
    cmd = services()[service].get("command")
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd or []]


def container_ports(service: str, env: dict[str, str] | None = None) -> dict[int, str | None]:
    """Container port -> published host port (None if only exposed to the network)."""
    svc = services()[service]
    result: dict[int, str | None] = {}
    for item in svc.get("expose", []):
        result[int(str(item).split("/")[0])] = None
    for item in svc.get("ports", []):
        if isinstance(item, dict):  # long syntax
            result[int(item["target"])] = str(item.get("published")) if item.get("published") else None
            continue
        parts = interpolate(str(item), env).split("/")[0].split(":")
        result[int(parts[-1])] = parts[-2] if len(parts) > 1 else None
    return result


def listeners(raw: str) -> dict[str, tuple[str, int]]:
    """Map a Kafka listeners string to {name: (host, port)}.

    'PLAINTEXT://kafka:9092,CONTROLLER://:9093' -> {'PLAINTEXT': ('kafka', 9092), ...}
    """
    out = {}
    for entry in raw.split(","):
        name, address = entry.strip().split("://", 1)
        host, port = address.rsplit(":", 1)
        out[name] = (host, int(port))
    return out


def default_port(setting: str) -> int:
    """Port of the first host:port in a setting's declared default."""
    default = SPECS[setting].default
    assert default, f"{setting} needs a default with a port for these checks"
    return int(default.split(",")[0].rsplit(":", 1)[-1])


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_parses_and_declares_all_services():
    data = compose()
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), (
        "docker-compose.yml should parse with yaml.safe_load into a mapping with a services section"
    )
    missing = [name for name in REQUIRED_SERVICES if name not in data["services"]]
    assert not missing, f"docker-compose.yml should define services {REQUIRED_SERVICES}; missing {missing}"


def test_shared_env_block_is_a_yaml_anchor():
    text = COMPOSE.read_text()
    assert re.search(r"^x-netra-env: &netra-env\s*$", text, re.M), (
        "docker-compose.yml should declare the shared Netra environment as `x-netra-env: &netra-env`"
    )
    shared = compose()["x-netra-env"]
    for service in NETRA_SERVICES:
        env = environment(service)
        netra_part = {k: v for k, v in env.items() if k.startswith("NETRA_")}
        assert {k: netra_part.get(k) for k in shared} == shared, (
            f"service {service} should carry the shared x-netra-env NETRA_* variables"
        )
        extra = set(netra_part) - set(shared)
        assert extra <= PER_SERVICE, f"service {service} adds NETRA_* variables beyond its credentials: {extra}"


# what a service may add to the shared block: its identity and credentials (least privilege), init the owner DSN
PER_SERVICE = {"NETRA_KAFKA_PRINCIPAL", "NETRA_PG_PIPELINE_PASSWORD", "NETRA_PG_DSN"} | {
    name for name in SPECS if name.startswith("NETRA_KAFKA_PASSWORD_")}


def test_each_service_gets_only_its_own_credentials():
    for stage in STAGES:
        env = environment(stage)
        assert env.get("NETRA_KAFKA_PRINCIPAL") == stage, f"{stage} should act as the Kafka principal {stage}"
        passwords = {k for k in env if k.startswith("NETRA_KAFKA_PASSWORD_")}
        assert passwords == {f"NETRA_KAFKA_PASSWORD_{stage.upper()}"}, (
            f"{stage} should get only its own Kafka password, got {sorted(passwords)}")
        assert "NETRA_PG_DSN" not in env, f"{stage} must not get the Postgres owner DSN"
    assert "NETRA_PG_DSN" in environment("init"), "init migrates, so it alone gets the owner DSN"
    assert "NETRA_PG_DSN" not in environment("airflow"), "the DAGs run as netra_pipeline"
    kafka = environment("kafka")
    assert "StandardAuthorizer" in kafka.get("KAFKA_AUTHORIZER_CLASS_NAME", "")
    assert kafka.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND") == "false"
    assert kafka.get("KAFKA_SUPER_USERS") == "User:admin"
    assert "PLAINTEXT:PLAINTEXT" not in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], "no unauthenticated listener"


def test_data_docs_are_on_a_volume():
    home = compose()["x-netra-env"]["NETRA_HOME"]
    assert any(str(v).endswith(f":{home}/data_docs") for v in services()["airflow"].get("volumes", [])), (
        "airflow's Data Docs (NETRA_HOME/data_docs) should be on a volume")


@pytest.mark.parametrize("path", [COMPOSE, DOCKERFILE], ids=lambda p: p.name)
def test_every_netra_variable_mentioned_is_a_declared_setting(path):
    mentioned = set(_NETRA_NAME.findall(path.read_text()))
    undeclared = sorted(mentioned - set(SPECS))
    assert not undeclared, (
        f"every NETRA_* name mentioned in {path.name} should be declared in netra.settings.SETTINGS; "
        f"undeclared: {undeclared}"
    )


def test_compose_interpolation_defaults_match_settings_defaults():
    mismatched = []
    for name, op, arg in _INTERP.findall(COMPOSE.read_text()):
        if name in SPECS and op.endswith("-") and arg != (SPECS[name].default or ""):
            mismatched.append(f"{name}: compose {arg!r} vs settings {SPECS[name].default!r}")
    assert not mismatched, (
        "each ${NETRA_X:-default} in docker-compose.yml should use the default declared in SETTINGS; "
        f"mismatched: {mismatched}"
    )


def test_hmac_key_is_required_not_defaulted():
    raw = compose()["x-netra-env"]["NETRA_HMAC_KEY"]
    assert re.fullmatch(r"\$\{NETRA_HMAC_KEY:\?[^}]+\}", raw), (
        "NETRA_HMAC_KEY in docker-compose.yml should use ${NETRA_HMAC_KEY:?message} so compose refuses "
        "to start without it"
    )
    with pytest.raises(LookupError):
        interpolate(raw, {"NETRA_HMAC_KEY": ""})


def test_kafka_is_kraft_single_node_with_internal_listener_on_bootstrap_port():
    kafka = services()["kafka"]
    env = environment("kafka")
    port = default_port("NETRA_KAFKA_BOOTSTRAP")
    assert re.fullmatch(r"apache/kafka:4\.\d+\.\d+", kafka["image"]), (
        "kafka should use a pinned apache/kafka 4.x.y image"
    )
    assert env.get("KAFKA_PROCESS_ROLES") == "broker,controller" and env.get("KAFKA_NODE_ID") == "1", (
        "kafka should run KRaft combined mode: node id 1, process roles broker,controller"
    )
    bound = listeners(env["KAFKA_LISTENERS"])
    advertised = listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    internal = env.get("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
    assert bound.get(internal, (None, None))[1] == port, (
        f"kafka's internal listener {internal} should bind the port of the NETRA_KAFKA_BOOTSTRAP default ({port})"
    )
    assert advertised.get(internal) == ("kafka", port), (
        f"kafka should advertise its internal listener as kafka:{port} (the service name)"
    )
    assert bound.get(env["KAFKA_CONTROLLER_LISTENER_NAMES"], (None, None))[1] == 9093, (
        "kafka's CONTROLLER listener should bind 9093"
    )
    assert port in container_ports("kafka"), f"kafka should expose container port {port}"
    assert "healthcheck" in kafka, "kafka should have a healthcheck so init can wait for it"


def test_postgres_exposes_5432_with_healthcheck_and_volume():
    pg = services()["postgres"]
    assert pg["image"] == "postgres:16", "postgres should use the postgres:16 image"
    assert 5432 in container_ports("postgres"), "postgres should expose container port 5432"
    assert "pg_isready" in str(pg.get("healthcheck", {}).get("test")), "postgres healthcheck should use pg_isready"
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in pg.get("volumes", [])), (
        "postgres should keep its data directory on a volume"
    )


def test_airflow_serves_on_the_airflow_port_setting():
    port = default_port("NETRA_AIRFLOW_PORT")
    env = environment("airflow")
    ports = container_ports("airflow")
    assert port in ports, f"airflow should publish container port {port} (NETRA_AIRFLOW_PORT default)"
    assert ports[port] == str(port), (
        f"airflow's host port should default to NETRA_AIRFLOW_PORT's default ({port})"
    )
    assert env.get("AIRFLOW__API__PORT", str(port)) == str(port), (
        "airflow's API server port should match the published container port"
    )
    assert command("airflow") == ["airflow", "standalone"], "airflow should run `airflow standalone`"
    expected = {
        "AIRFLOW_HOME": "/opt/airflow",
        "AIRFLOW__CORE__DAGS_FOLDER": "/app/dags",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
    }
    assert {k: env.get(k) for k in expected} == expected, f"airflow environment should set {expected}"


def test_netra_services_point_at_the_kafka_internal_listener():
    kafka_env = environment("kafka")
    internal = kafka_env.get("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
    host, port = listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])[internal]
    assert host == "kafka", "the internal advertised listener should use the kafka service name"
    for service in NETRA_SERVICES:
        assert environment(service).get("NETRA_KAFKA_BOOTSTRAP") == f"{host}:{port}", (
            f"NETRA_KAFKA_BOOTSTRAP of {service} should be the kafka service's internal listener {host}:{port}"
        )


def test_netra_services_point_at_the_postgres_service():
    pg_env = environment("postgres")
    for service in ("init",):  # the only service with the owner DSN (see the next test for the others)
        dsn = urlsplit(environment(service).get("NETRA_PG_DSN", ""))
        assert dsn.scheme in ("postgresql", "postgres"), f"NETRA_PG_DSN of {service} should be a postgresql:// URL"
        assert dsn.hostname == "postgres" and dsn.port in container_ports("postgres"), (
            f"NETRA_PG_DSN of {service} should name the postgres service and a port it exposes"
        )
        assert dsn.path.lstrip("/") == pg_env["POSTGRES_DB"], (
            f"NETRA_PG_DSN of {service} should use the postgres service's POSTGRES_DB"
        )
        assert (dsn.username, dsn.password) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"]), (
            f"NETRA_PG_DSN of {service} should use the postgres service's POSTGRES_USER and POSTGRES_PASSWORD"
        )


def test_netra_services_log_in_to_postgres_as_the_pipeline():
    for service in NETRA_SERVICES:
        dsn = urlsplit(environment(service).get("NETRA_PG_PIPELINE_DSN", ""))
        assert (dsn.hostname, dsn.username, dsn.password) == ("postgres", "netra_pipeline", None), (
            f"NETRA_PG_PIPELINE_DSN of {service} should be netra_pipeline@postgres without a password in it")


def test_init_migrates_and_creates_topics_once_services_are_healthy():
    script = " ".join(command("init"))
    assert "netra db migrate" in script and "netra topics create" in script, (
        "init should run `netra db migrate && netra topics create`"
    )
    assert script.index("netra db migrate") < script.index("netra topics create"), (
        "init should migrate the database before creating topics"
    )
    depends = services()["init"].get("depends_on", {})
    for dep in ("kafka", "postgres"):
        assert isinstance(depends, dict) and depends.get(dep, {}).get("condition") == "service_healthy", (
            f"init should wait for {dep} to be healthy"
        )


@pytest.mark.parametrize("stage", STAGES)
def test_consumer_runs_its_stage_after_init(stage):
    svc = services()[stage]
    assert command(stage) == ["netra", "consume", stage], f"service {stage} should run `netra consume {stage}`"
    assert svc.get("depends_on", {}).get("init", {}).get("condition") == "service_completed_successfully", (
        f"service {stage} should start only after init completed successfully"
    )
    assert svc.get("restart") == "unless-stopped", f"service {stage} should restart unless-stopped"
    assert "build" in svc or "image" in svc, f"service {stage} should use the Netra image"


# --- .env.example ---------------------------------------------------------------------


def env_example() -> list[tuple[str, str, list[str]]]:
    """(name, value, comment lines directly above) for each assignment in .env.example."""
    entries, comments = [], []
    for line in ENV_EXAMPLE.read_text().splitlines():
        stripped = line.strip()
        if not stripped:
            comments = []
        elif stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
        else:
            name, sep, value = stripped.partition("=")
            assert sep, f".env.example line {line!r} should be NAME=value"
            entries.append((name.strip(), value, comments))
            comments = []
    return entries


def test_env_example_declares_exactly_the_settings():
    names = [name for name, _, _ in env_example()]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f".env.example should set each setting once; repeated: {duplicates}"
    assert set(names) == set(SPECS), (
        ".env.example should declare exactly the names in SETTINGS; "
        f"missing {sorted(set(SPECS) - set(names))}, extra {sorted(set(names) - set(SPECS))}"
    )


def test_env_example_values_are_the_settings_defaults():
    for name, value, _ in env_example():
        spec = SPECS[name]
        expected = "" if spec.secret else (spec.default or "")
        assert value == expected, f".env.example {name} should be {expected!r} (the SETTINGS default), got {value!r}"


def test_env_example_documents_each_setting():
    for name, _, comments in env_example():
        spec = SPECS[name]
        assert spec.help in comments, f".env.example should have the help text of {name} as a comment above it"
        if spec.secret:
            assert any("secrets.token_hex(32)" in c for c in comments), (
                f".env.example should say how to generate the secret {name}"
            )
