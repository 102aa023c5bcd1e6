"""Local Kafka 4.x broker in KRaft combined mode, from the Apache jars on Maven Central."""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from netra.kafka_auth import ADMIN, MECHANISM, client_kwargs
from netra.settings import Settings
from netra.stack import ComponentStatus, PortTaken, Say, StackState, pid_alive, port_open, stop_pid, wait_for

POM = Path(__file__).parent / "kafka-pom.xml"
#: written next to the data when the storage was formatted with the admin SCRAM user
AUTH_STAMP = "sasl-scram.formatted"

LOG4J2 = """\
Configuration:
  status: warn
  Appenders:
    RollingFile:
      name: FILE
      fileName: "{log}"
      filePattern: "{log}.%i"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
      Policies:
        SizeBasedTriggeringPolicy:
          size: 20MB
      DefaultRolloverStrategy:
        max: 3
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: FILE
"""


def cache_dir(version: str) -> Path:
    """Where the Kafka jars of a version are cached."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "netra" / f"kafka-{version}"


def resolve_jars(settings: Settings, say: Say) -> Path:
    """Resolve the broker jars with Maven once; later runs reuse ~/.cache/netra/kafka-<version>/lib."""
    lib = cache_dir(settings.kafka_version) / "lib"
    stamp = lib / ".complete"
    if stamp.exists():
        return lib
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch the Kafka jars: apt-get install maven")
    if shutil.which("java") is None:
        raise RuntimeError("Java 17+ is needed to run Kafka: apt-get install openjdk-17-jre-headless")
    say(f"  resolving Apache Kafka {settings.kafka_version} jars with Maven (first run only) ...")
    tmp = lib.with_name("lib.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-Dkafka.version={settings.kafka_version}", f"-DoutputDirectory={tmp}", "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Maven could not resolve the Kafka jars:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    shutil.rmtree(lib, ignore_errors=True)
    tmp.rename(lib)
    stamp.touch()
    say(f"  {len(list(lib.glob('*.jar')))} jars in {lib}")
    return lib


def _dirs(settings: Settings) -> tuple[Path, Path]:
    root = settings.home / "kafka"
    return root, root / "data"


def _jaas(login_module: str, **options: str) -> str:
    quoted = " ".join(f'{k}="{v}"' for k, v in options.items())
    return f"org.apache.kafka.common.security.{login_module} required {quoted};"


def write_config(settings: Settings) -> Path:
    """server.properties (0600: it holds the admin password) with SASL on both listeners and the ACL authorizer.

    Clients use SCRAM-SHA-512 on the CLIENT listener; the users live in the KRaft metadata (admin from the
    storage format, the others from `netra topics create`). KRaft controllers cannot authenticate with SCRAM
    (their users would live in the metadata they serve), so the controller listener uses SASL/PLAIN with the
    admin user only. `admin` is the one super user; everyone else has exactly the ACLs of netra/kafka_auth.py.
    """
    root, data = _dirs(settings)
    root.mkdir(parents=True, exist_ok=True)
    host = settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)[0]
    port, cport = settings.kafka_port, settings.kafka_controller_port
    password = settings.kafka_password(ADMIN)
    props = root / "server.properties"
    props.touch(mode=0o600)
    props.chmod(0o600)
    props.write_text(
        "\n".join(
            [
                "# written by netra stack up; edit NETRA_ settings instead",
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@{host}:{cport}",
                f"listeners=CLIENT://{host}:{port},CONTROLLER://{host}:{cport}",
                f"advertised.listeners=CLIENT://{host}:{port}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=CLIENT",
                "listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                f"listener.name.client.sasl.enabled.mechanisms={MECHANISM}",
                f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
                f"listener.name.client.{MECHANISM.lower()}.sasl.jaas.config="
                + _jaas("scram.ScramLoginModule", username=ADMIN, password=password),
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config="
                + _jaas("plain.PlainLoginModule", username=ADMIN, password=password, **{f"user_{ADMIN}": password}),
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                f"super.users=User:{ADMIN}",
                "allow.everyone.if.no.acl.found=false",
                f"log.dirs={data}",
                f"num.partitions={settings.topic_partitions}",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                # a little head-room over the 256 KiB contract so oversized events reach the DLQ with a reason
                "message.max.bytes=1048588",
                # records deleted below a partition's start (an operator purging identity data, the tests emptying
                # topics) stay deleted after a crash: the start offset is checkpointed each second (from 30 s after
                # the broker starts) rather than each minute
                "log.flush.start.offset.checkpoint.interval.ms=1000",
                "",
            ]
        )
    )
    (root / "log4j2.yaml").write_text(LOG4J2.format(log=root / "server.log"))
    return props


def format_storage(settings: Settings, lib: Path, props: Path, say: Say) -> None:
    """Format the KRaft storage once, refusing data from before authentication."""
    _, data = _dirs(settings)
    if (data / "meta.properties").exists():
        if not (data.parent / AUTH_STAMP).exists():
            raise RuntimeError(
                f"the Kafka data in {data} was formatted before Netra's broker required authentication, so it has "
                "no admin user. Run `netra stack down`, then move that folder away (or delete it: the warehouse "
                "keeps every landed event) and `netra stack up` again.")
        return
    say("  formatting Kafka storage with the admin SCRAM user (first start) ...")
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    password = settings.kafka_password(ADMIN)
    result = subprocess.run(
        # `=` form: a base64 id may start with "-", which would read as an option
        ["java", "-cp", f"{lib}/*", "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}",
         "-c", str(props), "--add-scram", f"{MECHANISM}=[name={ADMIN},password={password}]"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        # never echo the command line: it carries the admin password
        raise RuntimeError(f"Kafka storage format failed:\n{result.stdout}{result.stderr}".replace(password, "***"))
    (data.parent / AUTH_STAMP).write_text(MECHANISM + "\n")


def cluster_id_on_disk(settings: Settings) -> str | None:
    """The cluster id in the broker's meta.properties, or None when it is not formatted."""
    _, data = _dirs(settings)
    try:
        for line in (data / "meta.properties").read_text().splitlines():
            if line.startswith("cluster.id="):
                return line.split("=", 1)[1].strip()
    except OSError:
        return None
    return None


def _admin(settings: Settings):
    from kafka import KafkaAdminClient

    return KafkaAdminClient(**client_kwargs(settings, ADMIN), request_timeout_ms=3000, client_id="netra-stack")


def broker_cluster_id(settings: Settings) -> str | None:
    """The cluster id of the broker answering on NETRA_KAFKA_BOOTSTRAP as our admin, or None if none does."""
    if not port_open(*_hostport(settings)):
        return None
    from kafka.errors import KafkaError

    try:
        admin = _admin(settings)
    except (KafkaError, OSError, ValueError):
        return None
    try:
        return admin.describe_cluster().get("cluster_id")
    except (KafkaError, OSError):
        return None
    finally:
        admin.close()


def broker_answers(settings: Settings) -> bool:
    """True when our broker answers a metadata request as admin (not just an open port)."""
    return broker_cluster_id(settings) is not None


def _is_our_broker_process(pid: int | None, props: Path) -> bool:
    """The recorded pid is alive and is a java kafka.Kafka process started with our server.properties."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc here: trust the live pid
    return b"kafka.Kafka" in cmdline and str(props).encode() in cmdline


def _hostport(settings: Settings) -> tuple[str, int]:
    return settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)[0], settings.kafka_port


def up(settings: Settings, say: Say) -> None:
    """Start the broker, or make sure the one answering is the one we started (pid + cluster id)."""
    state = StackState(settings)
    mine = state.load().get("kafka", {})
    root, _ = _dirs(settings)
    props = root / "server.properties"
    if _is_our_broker_process(mine.get("pid"), props):
        say(f"kafka: already running at {settings.kafka_bootstrap} (pid {mine['pid']})")
        wait_for("Kafka broker to answer", lambda: broker_answers(settings), 60, say)
        _check_identity(settings)
        return
    for what, (host, port) in (("NETRA_KAFKA_BOOTSTRAP", _hostport(settings)),
                               ("NETRA_KAFKA_CONTROLLER_PORT", (_hostport(settings)[0],
                                                                settings.kafka_controller_port))):
        if port_open(host, port):
            raise PortTaken(
                f"kafka: {host}:{port} ({what}) is taken by a program this stack did not start "
                f"(no live broker of ours recorded in {state.path}). Stop that program, or point {what} at a "
                "free port (e.g. NETRA_KAFKA_BOOTSTRAP=127.0.0.1:19092 NETRA_KAFKA_CONTROLLER_PORT=19093).")
    lib = resolve_jars(settings, say)
    props = write_config(settings)
    format_storage(settings, lib, props, say)
    say(f"kafka: starting broker {settings.kafka_version} at {settings.kafka_bootstrap} (log {root / 'server.log'})")
    out = open(root / "stdout.log", "ab")
    proc = subprocess.Popen(
        ["java", f"-Xmx{settings.kafka_heap}", f"-Xms{settings.kafka_heap}", "-XX:+UseG1GC",
         "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={root / 'log4j2.yaml'}",
         "-cp", f"{lib}/*", "kafka.Kafka", str(props)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    state.update("kafka", {"pid": proc.pid, "bootstrap": settings.kafka_bootstrap,
                           "cluster_id": cluster_id_on_disk(settings)})
    try:
        wait_for("Kafka broker to answer", lambda: broker_answers(settings) or proc.poll() is not None, 120, say)
    except TimeoutError:
        stop_pid(proc.pid, "kafka", say)
        raise
    if proc.poll() is not None:
        state.update("kafka", None)
        raise RuntimeError(f"Kafka exited with code {proc.returncode}; "
                           f"see {root / 'server.log'} and {root / 'stdout.log'}")
    _check_identity(settings)
    say("kafka: up")


def _check_identity(settings: Settings) -> None:
    expected = cluster_id_on_disk(settings)
    answered = broker_cluster_id(settings)
    if expected and answered != expected:
        raise PortTaken(f"kafka: the broker at {settings.kafka_bootstrap} has cluster id {answered}, but the one "
                        f"this stack formatted in {settings.home / 'kafka'} has {expected}: another broker holds "
                        "the port. Stop it or choose another NETRA_KAFKA_BOOTSTRAP.")


def down(settings: Settings, say: Say) -> None:
    """Stop the Kafka broker that Netra started."""
    state = StackState(settings)
    pid = state.load().get("kafka", {}).get("pid")
    if _is_our_broker_process(pid, _dirs(settings)[0] / "server.properties"):  # never a reused pid
        stop_pid(pid, "kafka", say)
        say("kafka: stopped")
    state.update("kafka", None)


def status(settings: Settings) -> ComponentStatus:
    """Whether Kafka answers and whether Netra started it."""
    pid = StackState(settings).load().get("kafka", {}).get("pid")
    mine = _is_our_broker_process(pid, _dirs(settings)[0] / "server.properties")
    running = port_open(*_hostport(settings))
    return ComponentStatus("kafka", running, settings.kafka_bootstrap, mine, pid if mine else None)
