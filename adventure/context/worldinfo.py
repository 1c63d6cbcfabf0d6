"""World info: which entries fire, in what order they compete for the lore budget.

An entry fires when one of its ``keys`` occurs in the scan text (the last ``scan_depth`` story passages,
player actions included, plus this turn's narrate prompt) and, when it has ``secondary_keys``, one of those
occurs too (AND). ``constant`` entries are always in (they live in the pinned head). Korean particles are
handled by :mod:`adventure.context.korean`. When space is short, higher ``priority`` goes first; equal
priorities keep the pack's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .korean import matches_any


@dataclass(frozen=True)
class Entry:
    """One world-info entry as the context manager sees it (built from the pack's ``WorldInfo``)."""

    key: str              # stable identity: the entry id, or ``#<index>`` for entries without one
    index: int            # position in the pack (tie-break for equal priorities)
    content: str
    keys: tuple[str, ...] = ()
    secondary_keys: tuple[str, ...] = ()
    constant: bool = False
    priority: int = 0
    substring: bool = False

    @property
    def label(self) -> str:
        return self.key

    @classmethod
    def from_world_info(cls, wi: Any, index: int) -> "Entry":
        return cls(key=wi.id or f"#{index}", index=index, content=" ".join(wi.content.split()),
                   keys=tuple(wi.keys), secondary_keys=tuple(wi.secondary_keys), constant=bool(wi.constant),
                   priority=int(wi.priority), substring=bool(wi.substring))

    def fires(self, text: str, lowered: str | None = None) -> bool:
        if self.constant:
            return True
        low = text.lower() if lowered is None else lowered
        if not self.keys or not matches_any(self.keys, text, self.substring, low):
            return False
        return not self.secondary_keys or matches_any(self.secondary_keys, text, self.substring, low)


def entries_from(world_info: Sequence[Any]) -> tuple[Entry, ...]:
    return tuple(Entry.from_world_info(wi, i) for i, wi in enumerate(world_info))


def by_priority(entries: Sequence[Entry]) -> list[Entry]:
    """Higher priority first; equal priorities keep pack order."""
    return sorted(entries, key=lambda e: (-e.priority, e.index))


def triggered(entries: Sequence[Entry], scan_text: str) -> list[Entry]:
    """Non-constant entries whose keys (and secondary keys) occur in ``scan_text``, by priority."""
    if not scan_text:
        return []
    low = scan_text.lower()
    return by_priority([e for e in entries if not e.constant and e.fires(scan_text, low)])
