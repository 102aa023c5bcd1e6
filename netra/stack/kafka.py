"""Local Kafka 4.x broker in KRaft combined mode, from the Apache jars on Maven Central."""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from netra.settings import Settings
from netra.stack import ComponentStatus, Say, StackState, pid_alive, port_open, stop_pid, wait_for

POM = Path(__file__).parent / "kafka-pom.xml"

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


def write_config(settings: Settings) -> Path:
    root, data = _dirs(settings)
    root.mkdir(parents=True, exist_ok=True)
    host = settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)[0]
    port, cport = settings.kafka_port, settings.kafka_controller_port
    props = root / "server.properties"
    props.write_text(
        "\n".join(
            [
                "# written by netra stack up; edit NETRA_ settings instead",
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@{host}:{cport}",
                f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
                f"advertised.listeners=PLAINTEXT://{host}:{port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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
                "",
            ]
        )
    )
    (root / "log4j2.yaml").write_text(LOG4J2.format(log=root / "server.log"))
    return props


def format_storage(settings: Settings, lib: Path, props: Path, say: Say) -> None:
    _, data = _dirs(settings)
    if (data / "meta.properties").exists():
        return
    say("  formatting Kafka storage (first start) ...")
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    result = subprocess.run(
        # `=` form: a base64 id may start with "-", which would read as an option
        ["java", "-cp", f"{lib}/*", "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}",
         "-c", str(props)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Kafka storage format failed:\n{result.stdout}{result.stderr}")


def broker_answers(settings: Settings) -> bool:
    """True when the broker answers a metadata request (not just an open port)."""
    if not port_open(*_hostport(settings)):
        return False
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=3000,
                                 client_id="netra-stack")
    except (KafkaError, OSError, ValueError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def _hostport(settings: Settings) -> tuple[str, int]:
    return settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)[0], settings.kafka_port


def up(settings: Settings, say: Say) -> None:
    state = StackState(settings)
    mine = state.load().get("kafka", {})
    if pid_alive(mine.get("pid")) or port_open(*_hostport(settings)):
        say(f"kafka: already running at {settings.kafka_bootstrap}")
        wait_for("Kafka broker to answer", lambda: broker_answers(settings), 60, say)
        return
    lib = resolve_jars(settings, say)
    props = write_config(settings)
    format_storage(settings, lib, props, say)
    root, _ = _dirs(settings)
    say(f"kafka: starting broker {settings.kafka_version} at {settings.kafka_bootstrap} (log {root / 'server.log'})")
    out = open(root / "stdout.log", "ab")
    proc = subprocess.Popen(
        ["java", f"-Xmx{settings.kafka_heap}", f"-Xms{settings.kafka_heap}", "-XX:+UseG1GC",
         "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={root / 'log4j2.yaml'}",
         "-cp", f"{lib}/*", "kafka.Kafka", str(props)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    state.update("kafka", {"pid": proc.pid, "bootstrap": settings.kafka_bootstrap})
    try:
        wait_for("Kafka broker to answer", lambda: broker_answers(settings) or proc.poll() is not None, 120, say)
    except TimeoutError:
        stop_pid(proc.pid, "kafka", say)
        raise
    if proc.poll() is not None:
        state.update("kafka", None)
        raise RuntimeError(f"Kafka exited with code {proc.returncode}; see {root / 'server.log'} and {root / 'stdout.log'}")
    say("kafka: up")


def down(settings: Settings, say: Say) -> None:
    state = StackState(settings)
    pid = state.load().get("kafka", {}).get("pid")
    if pid_alive(pid):
        stop_pid(pid, "kafka", say)
        say("kafka: stopped")
    state.update("kafka", None)


def status(settings: Settings) -> ComponentStatus:
    pid = StackState(settings).load().get("kafka", {}).get("pid")
    mine = pid_alive(pid)
    running = port_open(*_hostport(settings))
    return ComponentStatus("kafka", running, settings.kafka_bootstrap, mine, pid if mine else None)
