"""Reconciliation (DESIGN.md §6): link sanctions to recommendations, classify, publish marts."""
