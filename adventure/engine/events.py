"""Typed events the engine emits; the TUI and the plain line mode are two consumers of the same stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["authored", "narration", "action", "system"]


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class SceneEntered(Event):
    scene_id: str
    title: str | None


@dataclass(frozen=True)
class PassageAdded(Event):
    """A finished, non-streamed passage (authored text, the player's action)."""

    kind: PassageKind
    text: str


@dataclass(frozen=True)
class NarrationStarted(Event):
    source: Literal["model", "fallback"]


@dataclass(frozen=True)
class TokenStreamed(Event):
    text: str


@dataclass(frozen=True)
class NarrationFinished(Event):
    text: str
    source: Literal["model", "fallback"]
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChoiceView:
    number: int
    text: str


@dataclass(frozen=True)
class ChoicesOffered(Event):
    choices: tuple[ChoiceView, ...]
    free_text: bool


@dataclass(frozen=True)
class StateChanged(Event):
    scene_id: str
    turn: int
    values: dict
    visits: dict


@dataclass(frozen=True)
class GameEnded(Event):
    title: str
    kind: str


@dataclass(frozen=True)
class TurnCommitted(Event):
    turn: int


@dataclass(frozen=True)
class TurnFailed(Event):
    """The turn was rolled back; ``message`` is one readable sentence."""

    message: str
    cancelled: bool = False


@dataclass(frozen=True)
class StoryRestored(Event):
    """The whole story was replaced (undo, load, rollback): front ends redraw from these passages."""

    passages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Notice(Event):
    message: str
    level: Literal["info", "warning", "error"] = "info"


@dataclass(frozen=True)
class QuitRequested(Event):
    pass
