"""The game: one turn at a time, each turn a transaction over ``GameState``.

``Game.handle(line)`` is the single entry point for every front end. A turn works on a snapshot of the
state; only when it completes is the snapshot committed (undo record pushed, autosave written). If it is
cancelled or fails, the state is exactly as before and a ``StoryRestored`` event lets front ends redraw.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from typing import Any, Callable

from ..packs import expressions as ex
from ..packs.loader import Pack
from ..packs.schema import Choice, Scene, VarDecl, declared_type
from ..packs.templates import render, show_value
from ..saves import AUTOSAVE, SaveError, SaveStore, new_save, valid_name
from ..ui_text import t
from .commands import parse_choice_number, parse_command
from .events import (ChoicesOffered, ChoiceView, Event, GameEnded, NarrationFinished, NarrationStarted, Notice,
                     PassageAdded, QuitRequested, SceneEntered, StateChanged, StoryRestored, TokenStreamed,
                     TurnCommitted, TurnFailed)
from .narrator import (FallbackNarrator, Narration, NarrationCancelled, NarrationError, NarrationRequest,
                       Narrator, pick_fallback)
from .state import GameState, Passage, TurnRecord

MAX_UNDO = 200
MAX_SAVED_UNDO = 30

Listener = Callable[[Event], None]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    help_key: str
    handler: Callable[["Game", tuple[str, ...]], None]
    usage: str = ""


class Game:
    """A running story. Thread model: ``handle`` runs on one worker at a time; ``cancel`` may be called
    from any thread."""

    def __init__(self, pack: Pack, narrator: Narrator | None = None, store: SaveStore | None = None,
                 seed: int = 0):
        self.pack = pack
        self.narrator: Narrator = narrator or FallbackNarrator()
        self.store = store
        self.seed = seed
        self.state = self.new_state()
        self.undo_stack: list[TurnRecord] = []
        self.redo_stack: list[TurnRecord] = []
        self.listeners: list[Listener] = []
        self.running = True
        self._cancel = threading.Event()
        self._shown_warnings: set[str] = set()
        self._lock = threading.Lock()
        self.commands: dict[str, CommandSpec] = {}
        for spec in BUILTIN_COMMANDS:
            self.register_command(spec)

    # ------------------------------------------------------------ plumbing

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def emit(self, event: Event) -> None:
        for listener in list(self.listeners):
            listener(event)

    def register_command(self, spec: CommandSpec) -> None:
        """Front ends and plugins may add slash commands; they show up in /help."""
        self.commands[spec.name] = spec

    def cancel(self) -> None:
        """Ask the turn in progress to stop; it rolls back to the state before it."""
        self._cancel.set()

    def new_state(self) -> GameState:
        return GameState(scene=self.pack.start, values={k: (list(v) if isinstance(v, list) else v)
                                                         for k, v in self.pack.defaults.items()})

    @property
    def scene(self) -> Scene:
        return self.pack.scenes[self.state.scene]

    @property
    def ended(self) -> bool:
        return self.state.ending is not None

    # ------------------------------------------------------------ evaluation helpers

    def _lookup(self, state: GameState) -> Callable[[str], Any]:
        def lookup(name: str) -> Any:
            if name == "turn":
                return state.turn
            if name == "scene":
                return state.scene
            return state.values[name]
        return lookup

    def _values(self, state: GameState) -> dict[str, Any]:
        return {**state.values, "turn": state.turn, "scene": state.scene}

    def _check(self, condition: str | None, state: GameState) -> bool:
        if not condition:
            return True
        node = self.pack.conditions[condition]
        return bool(ex.evaluate(node, self._lookup(state), lambda s: state.visits.get(s, 0)))

    def _apply(self, effects: list[str], state: GameState) -> None:
        for src in effects:
            ex.apply_effect(self.pack.effects[src], state.values, lambda s: state.visits.get(s, 0),
                            self._lookup(state))
        for name, decl in self.pack.manifest.state.items():  # keep declared bounds
            if isinstance(decl, VarDecl) and name in state.values and isinstance(state.values[name], (int, float)):
                v = state.values[name]
                if decl.min is not None and v < decl.min:
                    state.values[name] = type(v)(decl.min)
                if decl.max is not None and v > decl.max:
                    state.values[name] = type(v)(decl.max)

    def visible_choices(self, state: GameState | None = None) -> list[tuple[int, Choice]]:
        """The choices on offer now, as (index in scene, choice), in authored order."""
        state = state or self.state
        if state.ending is not None:
            return []
        scene = self.pack.scenes[state.scene]
        out = []
        for i, choice in enumerate(scene.choices):
            if choice.once and f"{state.scene}#{i}" in state.used_choices:
                continue
            if self._check(choice.when, state):
                out.append((i, choice))
        return out

    def _seed_for(self, state: GameState, salt: str) -> int:
        return zlib.crc32(f"{self.seed}:{state.turn}:{state.retries}:{salt}".encode()) & 0x7FFFFFFF

    # ------------------------------------------------------------ start, offers

    def start(self, resume: bool = True) -> None:
        """Begin: continue the autosave when there is one (and ``resume``), else enter the start scene."""
        if resume and self.store and self.store.exists(AUTOSAVE):
            if self._load_slot(AUTOSAVE, quiet=True):
                self.emit(Notice(t("continue", scene=self._scene_title(self.state.scene), turn=self.state.turn)))
                return
        self._run_turn(None, self._enter_start, undoable=False)

    def _enter_start(self, work: GameState) -> None:
        work.visits.clear()
        self._enter_scene(work, self.pack.start)

    def _scene_title(self, sid: str) -> str:
        scene = self.pack.scenes.get(sid)
        return (scene.title if scene and scene.title else sid)

    def offer(self) -> None:
        """Tell front ends what can be done now (choices, or the ending)."""
        if self.state.ending is not None:
            self.emit(GameEnded(self.state.ending, self.state.ending_kind or "neutral"))
            return
        views = tuple(ChoiceView(n, render(c.text, self._values(self.state)))
                      for n, (_, c) in enumerate(self.visible_choices(), start=1))
        self.emit(ChoicesOffered(views, self.scene.free_text))

    def _emit_state(self) -> None:
        s = self.state
        self.emit(StateChanged(s.scene, s.turn, dict(s.values), dict(s.visits)))

    # ------------------------------------------------------------ the turn transaction

    def handle(self, line: str) -> None:
        """Process one line of player input. Never raises for anything the player types."""
        with self._lock:
            self._cancel.clear()
            text = line.strip()
            if not text:
                return
            command = parse_command(text)
            if command is not None:
                spec = self.commands.get(command.name)
                if spec is None:
                    self.emit(Notice(t("cmd.unknown", name=command.name), "warning"))
                    return
                try:
                    spec.handler(self, command.args)
                except Exception as exc:  # a broken command must not end the game
                    self.emit(Notice(t("turn.failed", reason=_reason(exc)), "error"))
                return
            self._play(text)

    def _play(self, text: str) -> None:
        if self.ended:
            self.emit(Notice(t("ended", title=self.state.ending), "warning"))
            return
        number = parse_choice_number(text)
        if number is not None:
            choices = self.visible_choices()
            if not 1 <= number <= len(choices):
                if choices:
                    self.emit(Notice(t("choice.invalid", number=number, count=len(choices)), "warning"))
                else:
                    self.emit(Notice(t("choices.none"), "warning"))
                return
            self._run_turn(text, lambda work: self._take_choice(work, choices[number - 1]))
            return
        if not self.scene.free_text:
            self.emit(Notice(t("free.disabled"), "warning"))
            return
        self._run_turn(text, lambda work: self._free_action(work, text))

    def _run_turn(self, text: str | None, body: Callable[[GameState], None], undoable: bool = True) -> bool:
        before = self.state
        work = before.snapshot()
        try:
            body(work)
        except NarrationCancelled:
            self._rollback(before, t("turn.cancelled"), cancelled=True)
            return False
        except Exception as exc:  # effects or narrator broke: keep the game, lose nothing
            self._rollback(before, t("turn.failed", reason=_reason(exc)))
            return False
        if undoable:
            work.turn += 1
            self.undo_stack.append(TurnRecord(state=before, input=text))
            del self.undo_stack[:-MAX_UNDO]
            self.redo_stack.clear()
        self.state = work
        self.emit(TurnCommitted(work.turn))
        self._emit_state()
        self.offer()
        self.autosave()
        return True

    def _rollback(self, before: GameState, message: str, cancelled: bool = False) -> None:
        self.state = before
        self.emit(TurnFailed(message, cancelled))
        self._restore_view()

    def _restore_view(self) -> None:
        self.emit(StoryRestored(tuple((p.kind, p.text) for p in self.state.passages)))
        self._emit_state()
        self.offer()

    def _add(self, work: GameState, kind: str, text: str) -> None:
        work.passages.append(Passage(kind=kind, text=text, scene=work.scene))
        self.emit(PassageAdded(kind, text))  # type: ignore[arg-type]

    def _take_choice(self, work: GameState, picked: tuple[int, Choice]) -> None:
        index, choice = picked
        values = self._values(work)
        self._add(work, "action", render(choice.text, values))
        if choice.once:
            work.used_choices.append(f"{work.scene}#{index}")
        self._apply(choice.effects, work)
        if choice.say:
            self._add(work, "authored", render(choice.say, self._values(work)))
        if choice.goto:
            self._enter_scene(work, choice.goto)

    def _enter_scene(self, work: GameState, sid: str) -> None:
        scene = self.pack.scenes[sid]
        work.scene = sid
        work.visits[sid] = work.visits.get(sid, 0) + 1
        self._apply(scene.on_enter, work)
        self.emit(SceneEntered(sid, scene.title))
        if scene.text:
            self._add(work, "authored", render(scene.text, self._values(work)).strip())
        if scene.narrate:
            values = self._values(work)
            block = scene.narrate
            request = NarrationRequest(
                pack=self.pack, state=work, action=None, block=block,
                prompt=render(block.prompt, values) if block.prompt else None,
                fallback=render(block.fallback, values),
                max_new_tokens=block.max_new_tokens,
                sampling={**self.pack.manifest.narrator.sampling, **block.sampling, **work.sampling},
                steer=self._steer_for(work, scene), seed=self._seed_for(work, sid),
                steer_methods=work.steer_methods)
            self._narrate(work, request)
        if scene.ending:
            work.ending = scene.ending.title
            work.ending_kind = scene.ending.kind

    def _pack_steer(self, scene: Scene) -> dict[str, float]:
        """The pack's strengths for ``scene``: pack-wide, then the scene's, then its narrate block's."""
        steer = {**canonical_steer(self.pack.manifest.narrator.steer), **canonical_steer(scene.steer)}
        if scene.narrate:
            steer.update(canonical_steer(scene.narrate.steer))
        return steer

    def _pack_attributes(self) -> list[str]:
        """Every attribute the pack names anywhere (pack-wide, scenes, narrate blocks), in first-seen order."""
        known = dict.fromkeys(canonical_steer(self.pack.manifest.narrator.steer))
        for scene in self.pack.scenes.values():
            known.update(dict.fromkeys(canonical_steer(scene.steer)))
            if scene.narrate:
                known.update(dict.fromkeys(canonical_steer(scene.narrate.steer)))
        return list(known)

    def _steer_for(self, work: GameState, scene: Scene) -> dict[str, float]:
        steer = {**self._pack_steer(scene), **canonical_steer(work.steer)}  # the player's settings win
        return {k: v for k, v in steer.items() if v}

    # ------------------------------------------------------------ read-only views for front ends

    def active_steering(self) -> dict[str, float]:
        """Attribute strengths that apply now (pack, scene, narrate block, then the player's settings)."""
        return self._steer_for(self.state, self.scene)

    def steering_defaults(self) -> dict[str, float]:
        """What the pack asks for in the current scene, before the player's own settings."""
        return self._pack_steer(self.scene)

    def known_attributes(self) -> list[str]:
        """Every attribute the pack or the player has mentioned, in first-seen order, then the other built-in
        ones (so a player can find them)."""
        from ..steering.attributes import builtin_attributes

        known = dict.fromkeys(self._pack_attributes())
        known.update(dict.fromkeys(canonical_steer(self.state.steer)))
        known.update(dict.fromkeys(builtin_attributes().names()))
        return list(known)

    def sampling_overrides(self) -> dict[str, Any]:
        """The pack's and the player's sampler settings (the narrator adds its preset defaults)."""
        return {**self.pack.manifest.narrator.sampling, **self.state.sampling}

    def memory_text(self) -> str:
        s = self.state
        return (s.memory if s.memory is not None else self.pack.manifest.narrator.memory) or ""

    def author_note_text(self) -> str:
        return (self.state.author_note or self.scene.author_note or self.pack.manifest.narrator.author_note) or ""

    def _filter_input(self, work: GameState, text: str) -> str:
        """Free text through the narrator's input hooks (steering plugins' ``on_input``), when it has any."""
        hook = getattr(self.narrator, "filter_input", None)
        if hook is None:
            return text
        notices: list[str] = []
        out = hook(text, work.steer_methods, notices)
        for notice_text in notices:
            self.emit(Notice(str(notice_text), "warning"))
        return out.strip() if isinstance(out, str) and out.strip() else text

    def _free_action(self, work: GameState, text: str) -> None:
        text = self._filter_input(work, text)
        self._add(work, "action", text)
        scene = self.pack.scenes[work.scene]
        seed = self._seed_for(work, text)
        request = NarrationRequest(
            pack=self.pack, state=work, action=text, block=None, prompt=None,
            fallback=pick_fallback(self.pack, seed),
            sampling={**self.pack.manifest.narrator.sampling, **work.sampling},
            steer=self._steer_for(work, scene), seed=seed, steer_methods=work.steer_methods)
        self._narrate(work, request)

    def _narrate(self, work: GameState, request: NarrationRequest) -> None:
        narration = self._call_narrator(self.narrator, request)
        if narration is None:  # the model failed: the authored text narrates instead
            narration = self._call_narrator(FallbackNarrator("model failed"), request)
        assert narration is not None
        if narration.text.strip():
            work.passages.append(Passage(kind="narration", text=narration.text.strip(), scene=work.scene))

    def _call_narrator(self, narrator: Narrator, request: NarrationRequest) -> Narration | None:
        source = "fallback" if isinstance(narrator, FallbackNarrator) else "model"
        self.emit(NarrationStarted(source))  # type: ignore[arg-type]
        try:
            narration = narrator.narrate(request, lambda s: self.emit(TokenStreamed(s)), self._cancel)
        except NarrationCancelled:
            raise
        except Exception as exc:
            if isinstance(narrator, FallbackNarrator):
                raise
            self.emit(NarrationFinished("", source, {"failed": True}))  # type: ignore[arg-type]
            self.emit(Notice(t("narrator.failed", reason=_reason(exc)), "warning"))
            return None
        self.emit(NarrationFinished(narration.text, narration.source, narration.info))
        for notice_text in narration.info.get("notices", ()):  # e.g. a steering plugin failed this turn
            self.emit(Notice(str(notice_text), "warning"))
        for warning_text in narration.info.get("warnings", ()):  # e.g. memory cut to fit the context
            if warning_text not in self._shown_warnings:  # once per game, not every turn
                self._shown_warnings.add(warning_text)
                self.emit(Notice(str(warning_text), "warning"))
        return narration

    # ------------------------------------------------------------ undo, redo, retry

    def undo(self) -> bool:
        if not self.undo_stack:
            self.emit(Notice(t("undo.empty"), "warning"))
            return False
        record = self.undo_stack.pop()
        self.redo_stack.append(TurnRecord(state=self.state, input=record.input))
        self.state = record.state
        self.emit(Notice(t("undo.done")))
        self._restore_view()
        self.autosave()
        return True

    def redo(self) -> bool:
        if not self.redo_stack:
            self.emit(Notice(t("redo.empty"), "warning"))
            return False
        record = self.redo_stack.pop()
        self.undo_stack.append(TurnRecord(state=self.state, input=record.input))
        self.state = record.state
        self.emit(Notice(t("redo.done")))
        self._restore_view()
        self.autosave()
        return True

    def retry(self) -> bool:
        """Redo the last turn's input from the state before it, with a fresh seed."""
        if not self.undo_stack or self.undo_stack[-1].input is None:
            self.emit(Notice(t("retry.empty"), "warning"))
            return False
        record = self.undo_stack[-1]
        before_stack = list(self.undo_stack)
        current = self.state
        self.undo_stack.pop()
        self.state = record.state.snapshot()
        self.state.retries = current.retries + 1
        self._restore_view()
        text = record.input
        assert text is not None
        number = parse_choice_number(text)
        choices = self.visible_choices()
        if number is not None and 1 <= number <= len(choices):
            ok = self._run_turn(text, lambda work: self._take_choice(work, choices[number - 1]))
        else:
            ok = self._run_turn(text, lambda work: self._free_action(work, text))
        if not ok:  # put everything back as it was before the retry
            self.undo_stack = before_stack
            self.state = current
            self._restore_view()
            return False
        self.undo_stack[-1] = TurnRecord(state=record.state, input=text)
        return True

    # ------------------------------------------------------------ saves

    def _save_file(self):
        return new_save(self.pack.id, self.pack.version, self.state, self.undo_stack[-MAX_SAVED_UNDO:],
                        self.redo_stack[-MAX_SAVED_UNDO:])

    def autosave(self) -> None:
        if not self.store:
            return
        try:
            self.store.write(AUTOSAVE, self._save_file())
        except SaveError as exc:
            self.emit(Notice(t("save.failed", reason=str(exc)), "error"))

    def save(self, name: str) -> bool:
        if not self.store:
            self.emit(Notice(t("save.failed", reason="no save folder"), "error"))
            return False
        if not valid_name(name):
            self.emit(Notice(t("save.bad_name", name=name), "warning"))
            return False
        try:
            path = self.store.write(name, self._save_file())
        except SaveError as exc:
            self.emit(Notice(t("save.failed", reason=str(exc)), "error"))
            return False
        self.emit(Notice(t("save.done", name=name, path=path)))
        return True

    def load(self, name: str) -> bool:
        return self._load_slot(name, quiet=False)

    def _load_slot(self, name: str, quiet: bool) -> bool:
        assert self.store is not None
        if not valid_name(name) and name != f"{AUTOSAVE}.prev":
            self.emit(Notice(t("save.bad_name", name=name), "warning"))
            return False
        path = self.store.path(name)
        if not path.exists():
            self.emit(Notice(t("load.missing", name=name), "warning"))
            return False
        try:
            save = self.store.read(name)
        except SaveError as exc:
            self.emit(Notice(t("load.corrupt", path=path, reason=str(exc)), "error"))
            return False
        if save.pack_id != self.pack.id:
            self.emit(Notice(t("load.other_pack", path=path, pack=save.pack_id), "error"))
            return False
        if save.state.scene not in self.pack.scenes:
            self.emit(Notice(t("load.missing_scene", scene=save.state.scene, version=self.pack.version), "error"))
            return False
        state, dropped = self._migrate(save.state)
        if save.pack_version != self.pack.version:
            self.emit(Notice(t("load.version_warning", old=save.pack_version, new=self.pack.version), "warning"))
        if dropped:
            self.emit(Notice(t("load.dropped_vars", names=", ".join(sorted(dropped))), "warning"))
        self.state = state
        self.undo_stack = [TurnRecord(state=self._migrate(r.state)[0], input=r.input) for r in save.undo
                           if r.state.scene in self.pack.scenes]
        self.redo_stack = [TurnRecord(state=self._migrate(r.state)[0], input=r.input) for r in save.redo
                           if r.state.scene in self.pack.scenes]
        if not quiet:
            self.emit(Notice(t("load.done", name=name, scene=self._scene_title(state.scene), turn=state.turn)))
        self._restore_view()
        return True

    def _migrate(self, state: GameState) -> tuple[GameState, set[str]]:
        """Fit a saved state to the current pack: drop unknown variables, add new ones with defaults."""
        state = state.snapshot()
        dropped = {k for k in state.values if k not in self.pack.defaults}
        for k in dropped:
            del state.values[k]
        for k, v in self.pack.defaults.items():
            if k not in state.values or declared_type(state.values[k]) != self.pack.var_types[k]:
                if k in state.values:
                    dropped.add(k)
                state.values[k] = list(v) if isinstance(v, list) else v
        return state, dropped

    def reload(self) -> bool:
        """Re-read the pack from disk; keep the state and show the current scene again.

        A pack that no longer validates leaves the game on the old version and reports the located errors.
        """
        from ..packs.diagnostics import PackError
        from ..packs.loader import load_pack

        try:
            new_pack = load_pack(self.pack.root)
        except PackError as exc:
            errors = "\n".join(d.format() for d in exc.diagnostics if d.severity == "error")
            self.emit(Notice(t("reload.failed", errors=errors), "error"))
            return False
        if new_pack.id != self.pack.id or self.state.scene not in new_pack.scenes:
            self.emit(Notice(t("load.missing_scene", scene=self.state.scene, version=new_pack.version), "error"))
            return False
        old = self.pack
        self.pack = new_pack
        state, dropped = self._migrate(self.state)
        if dropped:
            self.emit(Notice(t("load.dropped_vars", names=", ".join(sorted(dropped))), "warning"))
        self.state = state
        self.undo_stack = [r for r in self.undo_stack if r.state.scene in new_pack.scenes]
        self.redo_stack = [r for r in self.redo_stack if r.state.scene in new_pack.scenes]
        for d in new_pack.warnings:
            self.emit(Notice(d.format(), "warning"))
        self.emit(Notice(t("reload.done", scenes=len(new_pack.scenes))))
        scene = self.scene
        self.emit(SceneEntered(self.state.scene, scene.title))
        if scene.text:
            self.emit(PassageAdded("authored", render(scene.text, self._values(self.state)).strip()))
        self._emit_state()
        self.offer()
        del old
        return True

    def restart(self) -> None:
        name = None
        if self.store and self.state.turn > 0:
            from datetime import datetime
            name = "before-restart-" + datetime.now().strftime("%Y%m%d-%H%M%S")
            try:
                self.store.write(name, self._save_file())
            except SaveError as exc:
                self.emit(Notice(t("save.failed", reason=str(exc)), "error"))
                return
        self.state = self.new_state()
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.emit(StoryRestored(()))
        if name:
            self.emit(Notice(t("restart.done", name=name)))
        self._run_turn(None, self._enter_start, undoable=False)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


# ---------------------------------------------------------------- built-in slash commands

def _cmd_help(game: Game, args: tuple[str, ...]) -> None:
    lines = [t("help.header")]
    for spec in game.commands.values():
        lines.append(f"  /{spec.name:<10} {t(spec.help_key)}")
    lines += [t("help.choice"), t("help.free")]
    game.emit(Notice("\n".join(lines)))


def _cmd_save(game: Game, args: tuple[str, ...]) -> None:
    game.save(args[0] if args else "quicksave")


def _cmd_load(game: Game, args: tuple[str, ...]) -> None:
    if not game.store:
        game.emit(Notice(t("load.missing", name=args[0] if args else AUTOSAVE), "warning"))
        return
    game.load(args[0] if args else AUTOSAVE)


def _cmd_saves(game: Game, args: tuple[str, ...]) -> None:
    slots = game.store.slots() if game.store else []
    if not slots:
        game.emit(Notice(t("saves.none")))
        return
    rows = [t("saves.header")] + [t("saves.row", name=s.name, scene=game._scene_title(s.scene), turn=s.turn,
                                    time=s.saved_at.replace("T", " ")[:16]) for s in slots]
    game.emit(Notice("\n".join(rows)))


def _cmd_quit(game: Game, args: tuple[str, ...]) -> None:
    game.autosave()
    game.running = False
    game.emit(Notice(t("quit")))
    game.emit(QuitRequested())


def _cmd_choices(game: Game, args: tuple[str, ...]) -> None:
    game.offer()


def _cmd_state(game: Game, args: tuple[str, ...]) -> None:
    s = game.state
    lines = [t("state.header"), f"  {game._scene_title(s.scene)} · {s.turn}턴"]
    for name, value in s.values.items():
        if name != "inventory":
            lines.append(f"  {name} = {show_value(value)}")
    lines.append("  " + t("state.inventory", items=show_value(s.values.get("inventory", []))))
    game.emit(Notice("\n".join(lines)))


def _cmd_set(game: Game, args: tuple[str, ...]) -> None:
    from ..generation.settings import SamplingSettings  # lazy: keeps the engine import light

    base = SamplingSettings().with_overrides(**{**game.pack.manifest.narrator.sampling, **game.state.sampling})
    if len(args) < 2:
        shown = ", ".join(f"{k}={v}" for k, v in base.model_dump().items())
        game.emit(Notice(t("set.current", values=shown)))
        return
    key, value = args[0], " ".join(args[1:])
    try:
        updated = base.set_from_text(key, value)
    except ValueError as exc:
        game.emit(Notice(t("set.bad", reason=_reason(exc)), "warning"))
        return
    key = SamplingSettings.canonical_key(key)
    game.state.sampling[key] = getattr(updated, key)
    game.emit(Notice(t("set.done", key=key, value=getattr(updated, key))))
    game.autosave()


def canonical_steer(steer: dict[str, float]) -> dict[str, float]:
    """``steer`` with every known attribute under its canonical name (``horror`` and ``공포`` are one attribute,
    so ``/steer horror 0`` turns off a pack's ``공포: 0.8``); unknown names are kept for the narrator to report."""
    from ..steering.attributes import builtin_attributes

    attrs = builtin_attributes()
    out: dict[str, float] = {}
    for key, value in steer.items():
        attr = attrs.resolve(key)
        out[attr.name if attr is not None else key] = value
    return out


def _cmd_steer(game: Game, args: tuple[str, ...]) -> None:
    """Player steering: recorded in state (so undo and saves keep it); steering plugins read it.

    ``/steer`` shows, ``/steer 공포 0.8`` sets (any spelling of the attribute), ``/steer off`` silences all,
    ``/steer method activation,logit-bias`` picks the plugins (``/steer method default`` goes back)."""
    from ..steering.attributes import builtin_attributes

    if not args:
        active = game._steer_for(game.state, game.scene)
        methods = game.state.steer_methods
        text = (t("steer.current", values=", ".join(f"{k}={v:g}" for k, v in active.items()))
                if active else t("steer.none"))
        if methods is not None:
            text += " " + t("steer.methods_current", methods=", ".join(methods) or "-")
        game.emit(Notice(text))
        return
    if args[0].lower() in ("off", "끄기", "0"):
        every = [*game._pack_attributes(), *canonical_steer(game.state.steer)]
        game.state.steer = dict.fromkeys(every, 0.0)
        game.emit(Notice(t("steer.off")))
        game.autosave()
        return
    if args[0].lower() in ("method", "methods", "방식"):
        _steer_methods(game, args[1:])
        return
    attrs = builtin_attributes()
    attr = attrs.resolve(args[0])
    if attr is None:
        game.emit(Notice(t("steer.unknown", name=args[0],
                           known=", ".join(f"{a.name}/{a.english}" for a in attrs)), "warning"))
        return
    try:
        value = float(args[1]) if len(args) > 1 else 0.5
        if not -1.0 <= value <= 1.0:
            raise ValueError
    except ValueError:
        game.emit(Notice(t("steer.bad"), "warning"))
        return
    game.state.steer = canonical_steer(game.state.steer)
    game.state.steer[attr.name] = value
    game.emit(Notice(t("steer.done", attr=attr.name, value=f"{value:g}")))
    game.autosave()


def _steer_methods(game: Game, args: tuple[str, ...]) -> None:
    """``/steer method [names|default]``: which steering plugins run (names as ``adventure plugins`` lists)."""
    from ..steering.registry import default_registry

    names = [n for a in args for n in a.replace(",", " ").split() if n]
    available = [p.name for p in default_registry().plugins]
    if not names:
        current = game.state.steer_methods
        game.emit(Notice(t("steer.methods_show", methods=", ".join(current) if current is not None
                           else t("steer.methods_default"), available=", ".join(available))))
        return
    if len(names) == 1 and names[0].lower() in ("default", "기본"):
        game.state.steer_methods = None
        game.emit(Notice(t("steer.methods_reset")))
        game.autosave()
        return
    unknown = [n for n in names if n not in available]
    if unknown:
        game.emit(Notice(t("steer.methods_unknown", names=", ".join(unknown), available=", ".join(available)),
                         "warning"))
        return
    game.state.steer_methods = list(dict.fromkeys(names))
    game.emit(Notice(t("steer.methods_done", methods=", ".join(game.state.steer_methods))))
    game.autosave()


def _text_override(field: str, pack_value_of: Callable[[Game], str | None], current_key: str, done_key: str):
    def handler(game: Game, args: tuple[str, ...]) -> None:
        if not args:
            value = getattr(game.state, field) or pack_value_of(game) or ""
            game.emit(Notice(t(current_key, text=value.strip() or "(없음)")))
            return
        text = " ".join(args)
        setattr(game.state, field, None if text.lower() == "reset" else text)
        game.emit(Notice(t("reset.done" if text.lower() == "reset" else done_key)))
        game.autosave()
    return handler


def _cmd_reload(game: Game, args: tuple[str, ...]) -> None:
    game.reload()


BUILTIN_COMMANDS = [
    CommandSpec("help", "cmd.help", _cmd_help),
    CommandSpec("save", "cmd.save", _cmd_save, "[이름]"),
    CommandSpec("load", "cmd.load", _cmd_load, "[이름]"),
    CommandSpec("saves", "cmd.saves", _cmd_saves),
    CommandSpec("undo", "cmd.undo", lambda g, a: g.undo()),
    CommandSpec("redo", "cmd.redo", lambda g, a: g.redo()),
    CommandSpec("retry", "cmd.retry", lambda g, a: g.retry()),
    CommandSpec("choices", "cmd.choices", _cmd_choices),
    CommandSpec("state", "cmd.state", _cmd_state),
    CommandSpec("set", "cmd.set", _cmd_set, "[키 값]"),
    CommandSpec("steer", "cmd.steer", _cmd_steer, "[속성 세기|off|method 이름]"),
    CommandSpec("memory", "cmd.memory", _text_override(
        "memory", lambda g: g.pack.manifest.narrator.memory, "memory.current", "memory.done"), "[내용|reset]"),
    CommandSpec("note", "cmd.note", _text_override(
        "author_note", lambda g: g.scene.author_note or g.pack.manifest.narrator.author_note,
        "note.current", "note.done"), "[내용|reset]"),
    CommandSpec("reload", "cmd.reload", _cmd_reload),
    CommandSpec("context", "cmd.context",  # handler lives in adventure/context/command.py (imported on use)
                lambda g, a: __import__("adventure.context.command", fromlist=["cmd_context"]).cmd_context(g, a)),
    CommandSpec("restart", "cmd.restart", lambda g, a: g.restart()),
    CommandSpec("quit", "cmd.quit", _cmd_quit),
]
