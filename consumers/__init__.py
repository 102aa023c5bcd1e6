"""Kafka consumer stages: validator -> enricher -> sink, sharing one loop (consumers.loop)."""
