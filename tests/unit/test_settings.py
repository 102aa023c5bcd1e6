"""Settings: read when called, explicit booleans, clear failures, secrets never printed."""
from __future__ import annotations

import pytest

from netra.settings import SETTINGS, SettingsError, load


def test_defaults_load_without_any_environment():
    s = load({})
    assert s.kafka_bootstrap == "127.0.0.1:9092" and s.kafka_port == 9092
    assert s.topic_partitions == 3 and s.ppk_sla_days == 30 and s.demo_mode is False


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("False", False), ("0", False), ("yes", True)])
def test_booleans_are_parsed_explicitly(raw, expected):
    assert load({"NETRA_DEMO_MODE": raw}).demo_mode is expected


@pytest.mark.parametrize(
    ("env", "message"),
    [({"NETRA_DEMO_MODE": "maybe"}, "not a boolean"), ({"NETRA_BATCH_SIZE": "lots"}, "not a whole number"),
     ({"NETRA_BATCH_SIZE": "0"}, "at least 1"), ({"NETRA_KAFKA_BOOTSTRAP": "localhost"}, "host:port")],
)
def test_bad_values_fail_fast_with_the_setting_name(env, message):
    with pytest.raises(SettingsError, match=message):
        load(env)


def test_hmac_key_is_required_outside_demo_mode(tmp_path):
    with pytest.raises(SettingsError, match="NETRA_HMAC_KEY"):
        _ = load({"NETRA_HOME": str(tmp_path)}).hmac_key
    demo = load({"NETRA_HOME": str(tmp_path), "NETRA_DEMO_MODE": "true"})
    assert demo.hmac_key == demo.hmac_key and len(demo.hmac_key) == 64
    assert (tmp_path / "hmac.key").stat().st_mode & 0o077 == 0, "the demo key file is private"
    assert load({"NETRA_HMAC_KEY": "s3cret"}).hmac_key == b"s3cret"


def test_secret_never_appears_in_repr():
    assert "s3cret" not in repr(load({"NETRA_HMAC_KEY": "s3cret"}))


def test_every_setting_is_prefixed_and_documented():
    assert all(s.name.startswith("NETRA_") and s.help for s in SETTINGS)
