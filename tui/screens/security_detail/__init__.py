"""Security detail: one security's facts, chart and records."""

from tui.screens.security_detail.screen import SecurityDetailScreen

__all__ = ["SecurityDetailScreen"]
