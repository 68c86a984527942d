"""The Audit log area: every change newest first, filtered, shown field by field, and undone."""

from tui.screens.audit_log.screen import AuditLogScreen

__all__ = ["AuditLogScreen"]
