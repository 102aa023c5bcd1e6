"""Producers: the synthetic season generator and the JSON-lines publisher."""
