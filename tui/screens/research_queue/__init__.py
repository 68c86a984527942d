"""The Research queue area: items by status, moved, scored, claimed, edited, added and rejected by key."""

from tui.screens.research_queue.screen import ResearchQueueScreen

__all__ = ["ResearchQueueScreen"]
