"""Netra core: the event contract, settings, warehouse, reference data, reconciliation and the local stack."""
