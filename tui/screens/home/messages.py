"""What Home's worker reports: past tense, plain records inside."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.screens.home.data import HomeView


@dataclass
class HomeRead(Message, bubble=False):
    """Home's panels were read; `request` tells a stale read (overtaken by a newer one) from the latest."""

    request: int
    view: HomeView
