"""NETRA_KAFKA_* settings become kafka-python arguments; the pure-Python CRC fallback is reported."""
from __future__ import annotations

import logging

import pytest

from netra import kafka_tuning
from netra.settings import SettingsError, load


def settings(**env):
    return load({"NETRA_DEMO_MODE": "true", **env})


def test_producer_arguments_come_from_the_settings():
    config = kafka_tuning.producer_config(settings(NETRA_KAFKA_LINGER_MS="7", NETRA_KAFKA_BATCH_BYTES="65536",
                                                   NETRA_KAFKA_COMPRESSION="none"))
    assert config["linger_ms"] == 7 and config["batch_size"] == 65536
    assert config["compression_type"] is None
    # more than one request in flight is only safe for ordering with the idempotent producer
    assert config["enable_idempotence"] is True and config["max_in_flight_requests_per_connection"] <= 5
    assert kafka_tuning.producer_config(settings())["compression_type"] == "lz4"


def test_consumer_arguments_come_from_the_settings():
    config = kafka_tuning.consumer_config(settings(NETRA_KAFKA_FETCH_MIN_BYTES="1000",
                                                   NETRA_KAFKA_FETCH_MAX_WAIT_MS="50",
                                                   NETRA_KAFKA_MAX_PARTITION_FETCH_BYTES="16777216"))
    assert (config["fetch_min_bytes"], config["fetch_max_wait_ms"]) == (1000, 50)
    assert config["max_partition_fetch_bytes"] == 16777216 <= config["fetch_max_bytes"]


def test_unknown_compression_is_refused_by_name():
    with pytest.raises(SettingsError, match="NETRA_KAFKA_COMPRESSION='brotli'"):
        settings(NETRA_KAFKA_COMPRESSION="brotli")


def test_the_pinned_codec_and_crc_are_installed():
    kafka_tuning.check_codec("lz4")
    assert kafka_tuning.crc_is_native()
    assert kafka_tuning.warn_if_pure_python_crc() is False


def test_a_pure_python_crc_is_warned_about(monkeypatch, caplog):
    from kafka.record import util

    monkeypatch.setattr(util, "_crc32c", util.crc32c_py)
    monkeypatch.setattr(kafka_tuning, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="netra.kafka"):
        assert kafka_tuning.warn_if_pure_python_crc() is True
        assert kafka_tuning.warn_if_pure_python_crc() is True
    assert [r.message for r in caplog.records if "pure-Python CRC32C" in r.message] and len(caplog.records) == 1


def test_a_missing_codec_is_named(monkeypatch):
    from kafka import codec

    monkeypatch.setattr(codec, "has_zstd", lambda: False)
    with pytest.raises(RuntimeError, match="NETRA_KAFKA_COMPRESSION=zstd"):
        kafka_tuning.check_codec("zstd")


def test_key_hash_partitioner_puts_every_key_where_kafka_pythons_default_does():
    import random

    from kafka.partitioner import DefaultPartitioner
    from kafka.partitioner.default import murmur2 as kafka_murmur2

    rng = random.Random(11)
    keys = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80))) for _ in range(20_000)]
    keys += [b"", b"a", b"ab", b"abc", b"abcd", b"report-2020-000123", "Kab. Bantul é".encode()]
    for key in keys:
        assert kafka_tuning.murmur2(key) == kafka_murmur2(key), key

    class Cluster:  # the two calls the partitioners make of kafka-python's ClusterMetadata
        def __init__(self, partitions):
            self.partitions = partitions

        def topics(self):
            return {"t"}

        def partitions_for_topic(self, topic):
            return set(self.partitions) if topic == "t" else None

        def available_partitions_for_topic(self, topic):
            return set(self.partitions)

    ours, theirs = kafka_tuning.KeyHashPartitioner(), DefaultPartitioner()
    for partitions in ([0], [0, 1, 2], [2, 0, 1, 5, 4, 3], list(range(12))):
        cluster = Cluster(partitions)
        for key in keys[:3000]:
            assert ours.partition("t", key, key, b"v", b"v", cluster) == theirs.partition("t", key, key, b"v", b"v",
                                                                                         cluster)
    assert ours.partition("t", None, None, b"v", b"v", Cluster([0, 1, 2])) in {0, 1, 2}  # no key: random, as before
    with pytest.raises(ValueError, match="not found"):
        ours.partition("missing", b"k", b"k", b"v", b"v", Cluster([0]))
    assert isinstance(kafka_tuning.producer_config(settings())["partitioner"], kafka_tuning.KeyHashPartitioner)
