"""Frozen records the store hands out: plain values, never ORM objects (one module per aggregate)."""

from store.records.audit import AuditEntry, AuditPage, FieldChange
from store.records.catalog import DatabaseOverview, TableCount

__all__ = ["AuditEntry", "AuditPage", "DatabaseOverview", "FieldChange", "TableCount"]
