"""``/context``: print the ledger of the last narration (plain mode; the TUI renders the same data)."""

from __future__ import annotations

from typing import Any

from ..engine.events import Notice
from ..ui_text import t
from .ledger import format_ledger


def model_narrator_of(narrator: Any) -> Any:
    """The narrator that keeps a ledger, looking through wrappers that hold it as ``inner``."""
    seen = 0
    while narrator is not None and not hasattr(narrator, "last_ledger") and seen < 4:
        narrator = getattr(narrator, "inner", None)
        seen += 1
    return narrator


def cmd_context(game: Any, args: tuple[str, ...]) -> None:
    narrator = model_narrator_of(game.narrator)
    if narrator is None:
        reason = getattr(game.narrator, "reason", "") or getattr(game.narrator, "name", "")
        game.emit(Notice(t("context.no_model", reason=reason or "—")))
        return
    ledger = getattr(narrator, "last_ledger", None)
    if ledger is None:
        game.emit(Notice(t("context.none")))
        return
    game.emit(Notice(format_ledger(ledger, getattr(narrator, "name", ""))))
