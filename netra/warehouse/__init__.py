"""Warehouse: connections, versioned SQL migrations, reference loading, sink writes."""
