"""The narrator seam: the engine asks a ``Narrator`` for text; the model is one implementation of it.

``FallbackNarrator`` tells the story with the pack's authored fallback text, so every pack plays without
a model (and tests of other layers need no weights). ``adventure.engine.model_narrator`` holds the
language-model implementation.
"""

from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol

from ..packs.loader import Pack
from ..packs.schema import NarrateBlock
from ..ui_text import t
from .state import GameState


class NarrationCancelled(Exception):
    """The player cancelled narration mid-turn; the engine rolls the turn back."""


class NarrationError(Exception):
    """The narrator failed; str() is one readable sentence. The engine falls back to authored text."""


@dataclass
class NarrationRequest:
    pack: Pack
    state: GameState
    action: str | None
    block: NarrateBlock | None
    prompt: str | None
    fallback: str
    max_new_tokens: int | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    steer: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    steer_methods: list[str] | None = None  # steering plugins to run (None: those enabled by default)


@dataclass
class Narration:
    text: str
    source: Literal["model", "fallback"]
    info: dict[str, Any] = field(default_factory=dict)


OnText = Callable[[str], None]


class Narrator(Protocol):
    name: str

    def narrate(self, request: NarrationRequest, on_text: OnText, cancel: threading.Event) -> Narration: ...


def pick_fallback(pack: Pack, seed: int) -> str:
    """An authored reply to a free action when no model runs: one of the pack's lines, chosen by seed."""
    options = pack.manifest.narrator.free_text_fallback
    if not options:
        return t("free.default")
    return options[zlib.crc32(str(seed).encode()) % len(options)]


class FallbackNarrator:
    """Streams the authored fallback text word by word, exactly like a model would arrive."""

    name = "fallback"

    def __init__(self, reason: str = ""):
        self.reason = reason

    def narrate(self, request: NarrationRequest, on_text: OnText, cancel: threading.Event) -> Narration:
        text = request.fallback.strip()
        for piece in re.findall(r"\S+\s*", text):
            if cancel.is_set():
                raise NarrationCancelled()
            on_text(piece)
        return Narration(text, "fallback", {"reason": self.reason})
