"""Kafka client tuning: the NETRA_KAFKA_* settings as kafka-python keyword arguments, and the CRC check.

`netra.kafka_io.make_producer` / `make_consumer` call `producer_config` / `consumer_config`
when they build a client, so every Netra client (stages, publish, alerts, imports) runs
with the same tuned settings. Why these values (measured in BENCHMARKS.md, issue 11):

- **CRC32C in C.** Every record batch (v2) carries a CRC32C that the producer computes and
  the consumer checks (`check_crcs`). kafka-python falls back *silently* to a pure-Python
  CRC when the `crc32c` package is missing; that fallback was 25-41 % of every stage's CPU.
  `crc32c` is a pinned dependency and `warn_if_pure_python_crc` says so at start-up if
  it is missing anyway.
- **Producer batching.** `linger_ms` lets the producer fill a batch before sending, and
  `batch_size` (bytes per partition batch) lets one request carry a whole micro-batch
  instead of many 16 KiB requests. A stage flushes once per micro-batch anyway, so
  linger only adds latency to the first messages of a batch, bounded by `linger_ms`.
- **Compression.** lz4 (the `lz4` package, pinned) is cheap in CPU and shrinks the JSON
  events about 3x, so fewer bytes are CRC'd, sent, stored and fetched. `none` turns it off.
- **Idempotent producer.** kafka-python 3 enables idempotence by default, so up to 5
  requests in flight keep per-partition order across retries (the broker orders them by
  sequence number); one in flight is not needed for ordering.
- **Fetch sizes.** `fetch_min_bytes` with `fetch_max_wait_ms` make the broker answer a
  fetch only when about a micro-batch of bytes is there (or the wait is over), so
  concurrent stages get full micro-batches instead of the few records that arrived in the
  last milliseconds; `max_partition_fetch_bytes` lets one partition fill a batch.
- **Client metrics off.** kafka-python's own sensors are recorded on every send and fetch
  and nothing in Netra reads them.
- **The key hash in fewer Python steps.** kafka-python's `DefaultPartitioner` hashes every key
  with a byte-by-byte pure-Python murmur2 and copies the topic's partition sets per record
  (~10 % of a stage's send path). `KeyHashPartitioner` gives every key the same partition
  (the Java client's murmur2, word by word through `struct`; tests/unit/test_kafka_tuning.py
  checks it against kafka-python's on random keys), so co-partitioning is unchanged.
"""
from __future__ import annotations

import logging
import struct
from functools import lru_cache
from typing import TYPE_CHECKING

# this module is imported when a client is made (netra.kafka_io), never by a module that only needs settings
from kafka.partitioner import DefaultPartitioner

if TYPE_CHECKING:  # pragma: no cover
    from netra.settings import Settings

log = logging.getLogger("netra.kafka")

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


@lru_cache(maxsize=256)
def _words(count: int) -> struct.Struct:
    return struct.Struct(f"<{count}I")


def murmur2(data: bytes) -> int:
    """Murmur2 of `data` as the Java client (`Utils.murmur2`) and kafka-python compute it, 32 bits unsigned."""
    length = len(data)
    h = 0x9747B28C ^ length
    count = length >> 2
    if count:
        for k in _words(count).unpack_from(data):
            k = (k * _M) & _MASK
            k ^= k >> 24
            h = ((h * _M) & _MASK) ^ ((k * _M) & _MASK)
    tail = length & 3
    if tail:
        base = length - tail
        if tail == 3:
            h ^= data[base + 2] << 16
        if tail >= 2:
            h ^= data[base + 1] << 8
        h ^= data[base]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


class KeyHashPartitioner(DefaultPartitioner):
    """kafka-python's DefaultPartitioner, with the same partition for every record at less CPU.

    A keyed record goes to murmur2(key) mod the topic's partition count (partitions in id order),
    a record without a key to a random available partition (kafka-python's own code).
    """

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):
        """The partition of one record."""
        if serialized_key is None:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        partitions = cluster.partitions_for_topic(topic)
        if partitions is None:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        ordered = sorted(partitions)
        return ordered[(murmur2(serialized_key) & 0x7FFFFFFF) % len(ordered)]


def producer_config(settings: Settings) -> dict:
    """kafka-python KafkaProducer keyword arguments from the NETRA_KAFKA_* settings."""
    compression = settings.kafka_compression
    return dict(
        linger_ms=settings.kafka_linger_ms,
        batch_size=settings.kafka_batch_bytes,
        compression_type=None if compression == "none" else compression,
        max_in_flight_requests_per_connection=5,
        enable_idempotence=True,
        metrics_enabled=False,
        partitioner=KeyHashPartitioner(),
    )


def consumer_config(settings: Settings) -> dict:
    """kafka-python KafkaConsumer keyword arguments from the NETRA_KAFKA_* settings."""
    return dict(
        fetch_min_bytes=settings.kafka_fetch_min_bytes,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        max_partition_fetch_bytes=settings.kafka_max_partition_fetch_bytes,
        fetch_max_bytes=max(8 * 1024 * 1024, settings.kafka_max_partition_fetch_bytes),
        metrics_enabled=False,
    )


def crc_is_native() -> bool:
    """True when kafka-python computes record CRCs with the `crc32c` C extension."""
    from kafka.record import util

    return util.crc32c_c is not None and util._crc32c is util.crc32c_c


def check_codec(compression: str) -> None:
    """Raise when the chosen compression's codec package is not importable (kafka-python would fail late)."""
    if compression == "none":
        return
    from kafka import codec

    available = {"lz4": codec.has_lz4, "zstd": codec.has_zstd, "gzip": codec.has_gzip, "snappy": codec.has_snappy}
    if not available[compression]():
        raise RuntimeError(f"NETRA_KAFKA_COMPRESSION={compression}: its codec package is not installed "
                           f"(pip install the package for {compression}, or set NETRA_KAFKA_COMPRESSION=none)")


_warned = False


def warn_if_pure_python_crc() -> bool:
    """Log a warning (once per process) when kafka-python falls back to its pure-Python CRC32C."""
    global _warned
    if crc_is_native():
        return False
    if not _warned:
        log.warning("kafka-python is using its pure-Python CRC32C (the `crc32c` package is not importable): "
                    "every produced and fetched record batch costs several times more CPU. "
                    "Install the pinned dependencies again (`make install`).")
        _warned = True
    return True
