"""Game state: everything a save holds and undo restores, as one JSON-friendly pydantic model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Passage(BaseModel):
    kind: str  # authored | narration | action | system
    text: str
    scene: str


class GameState(BaseModel):
    scene: str
    values: dict[str, Any] = Field(default_factory=dict)
    visits: dict[str, int] = Field(default_factory=dict)
    used_choices: list[str] = Field(default_factory=list)
    turn: int = 0
    passages: list[Passage] = Field(default_factory=list)
    ending: str | None = None
    ending_kind: str | None = None
    steer: dict[str, float] = Field(default_factory=dict)
    steer_methods: list[str] | None = None  # the player's choice of steering plugins (None: the defaults)
    sampling: dict[str, Any] = Field(default_factory=dict)
    memory: str | None = None  # the player's edit of the pack's narrator memory
    author_note: str | None = None  # the player's author's note (wins over the pack's)
    retries: int = 0
    plugin_state: dict[str, Any] = Field(default_factory=dict)

    def snapshot(self) -> "GameState":
        """An independent copy for undo and transactions (passages are immutable, so a shallow list copy)."""
        copy = self.model_copy(deep=False)
        copy.values = {k: (list(v) if isinstance(v, list) else v) for k, v in self.values.items()}
        copy.visits = dict(self.visits)
        copy.used_choices = list(self.used_choices)
        copy.passages = list(self.passages)
        copy.steer = dict(self.steer)
        copy.steer_methods = list(self.steer_methods) if self.steer_methods is not None else None
        copy.sampling = dict(self.sampling)
        copy.plugin_state = {k: v for k, v in self.plugin_state.items()}
        return copy


class TurnRecord(BaseModel):
    """One undoable step: the state before it and the input that produced it (for retry)."""

    state: GameState
    input: str | None = None
