"""Event contract v1: models, per-message decoding with reason codes, JSON Schemas."""
