"""A scripted narrator for tests of the engine and front ends (never the product's path)."""

from __future__ import annotations

import threading

from adventure.engine.narrator import Narration, NarrationCancelled, NarrationRequest


class ScriptedNarrator:
    """Streams canned replies; can fail or block on cue to exercise the engine's transaction logic."""

    name = "scripted"

    def __init__(self, replies=None, fail_on: set[int] | None = None, cancel_on: set[int] | None = None):
        self.replies = list(replies or ["나는 조용히 앞으로 나아갔다."])
        self.fail_on = fail_on or set()
        self.cancel_on = cancel_on or set()
        self.calls: list[NarrationRequest] = []

    def narrate(self, request: NarrationRequest, on_text, cancel: threading.Event) -> Narration:
        n = len(self.calls)
        self.calls.append(request)
        text = self.replies[n % len(self.replies)]
        for i, piece in enumerate(text.split(" ")):
            on_text(piece + " ")
            if n in self.cancel_on and i == 1:
                cancel.set()
            if cancel.is_set():
                raise NarrationCancelled()
        if n in self.fail_on:
            raise RuntimeError("CUDA out of memory (simulated)")
        return Narration(text, "model", {"seed": request.seed})
