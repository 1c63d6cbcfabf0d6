"""Plain line mode: narration printed, one player action per input line, EOF ends the game.

Used with ``--plain`` or whenever stdout is not a terminal, so the game can be scripted and tested.
Ctrl-C during narration cancels the turn (state as before); Ctrl-C at the prompt quits.
"""

from __future__ import annotations

import signal
import sys
from typing import TextIO

from ..engine.events import (ChoicesOffered, Event, GameEnded, NarrationFinished, NarrationStarted, Notice,
                             PassageAdded, SceneEntered, StoryRestored, TokenStreamed, TurnFailed)
from ..engine.game import Game
from ..generation.stopping import last_sentence_end
from ..ui_text import t


class PlainFrontend:
    def __init__(self, game: Game, out: TextIO | None = None, inp: TextIO | None = None, prompt: str = "> "):
        self.game = game
        self.out = out or sys.stdout
        self.inp = inp or sys.stdin
        self.prompt = prompt
        self.interactive = bool(getattr(self.inp, "isatty", lambda: False)())
        self._streaming = False
        self._streamed = ""  # this narration's streamed text so far
        self._shown = 0      # how much of it is printed: whole sentences only, so nothing is ever taken back
        game.subscribe(self.on_event)

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def on_event(self, event: Event) -> None:
        if isinstance(event, SceneEntered):
            if event.title:
                self.write(f"\n[{event.title}]\n")
        elif isinstance(event, PassageAdded):
            if event.kind == "action":
                if not self.interactive:
                    self.write(f"\n> {event.text}\n")
            else:
                self.write(f"{event.text}\n")
        elif isinstance(event, NarrationStarted):
            self._streaming, self._streamed, self._shown = True, "", 0
        elif isinstance(event, TokenStreamed):
            # A terminal cannot take printed text back, and the generator may retract a trailing half sentence
            # (it trims to a clean sentence end), so print sentence by sentence.
            self._streamed += event.text
            end = last_sentence_end(self._streamed)
            if end is not None and end > self._shown:
                piece = self._streamed[self._shown:end]
                # (the model's first token carries the space that joins it to the scene text before it)
                self.write(piece if self._shown else piece.lstrip())
                self._shown = end
        elif isinstance(event, NarrationFinished):
            if self._streaming:
                shown = self._streamed[:self._shown].strip()
                final = event.text.strip()
                if final.startswith(shown):
                    rest = final[len(shown):]
                    self.write(rest)
                self.write("\n")
            self._streaming, self._streamed, self._shown = False, "", 0
        elif isinstance(event, ChoicesOffered):
            if event.choices:
                self.write("\n" + "\n".join(f"  {c.number}. {c.text}" for c in event.choices) + "\n")
            elif event.free_text:
                self.write("\n" + t("choices.none") + "\n")
        elif isinstance(event, GameEnded):
            self.write("\n" + t("ending", title=event.title) + "\n")
        elif isinstance(event, StoryRestored):
            if event.passages:
                last = event.passages[-1]
                self.write(f"\n(…) {last[1] if last[0] != 'action' else '> ' + last[1]}\n")
        elif isinstance(event, TurnFailed):
            if self._streaming:
                self.write("\n")
                self._streaming = False
            self.write(f"* {event.message}\n")
        elif isinstance(event, Notice):
            prefix = "* " if event.level == "info" else "! "
            self.write("\n".join(prefix + line for line in event.message.splitlines()) + "\n")

    def run(self, resume: bool = True) -> int:
        previous = None
        try:
            previous = signal.signal(signal.SIGINT, self._on_sigint)
        except ValueError:  # not the main thread
            pass
        try:
            self.game.start(resume=resume)
            while self.game.running:
                if self.interactive:
                    self.write(self.prompt)
                try:
                    line = self.inp.readline()
                except KeyboardInterrupt:
                    break
                if not line:
                    break
                self._in_turn = True
                try:
                    self.game.handle(line)
                finally:
                    self._in_turn = False
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return 0

    _in_turn = False

    def _on_sigint(self, signum, frame) -> None:
        if self._in_turn:
            self.game.cancel()
        else:
            raise KeyboardInterrupt
