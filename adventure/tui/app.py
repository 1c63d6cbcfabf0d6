"""The full-screen Textual front end: a thin adapter from the engine's events to widgets.

Threads. Every line of input (choice number, free text, slash command) runs ``Game.handle`` in a Textual
thread worker, one at a time in input order; lines typed meanwhile wait in a queue (the hint line counts
them). The engine's listener runs on that worker and hands each event to the UI loop with
``loop.call_soon_threadsafe`` (a ``call_from_thread`` that does not wait for the handler); one task on
the loop applies them in order, joining runs of streamed tokens. Backpressure keeps memory and lag
bounded: a worker more than ``MAX_BACKLOG`` events or ``MAX_UNSHOWN`` streamed characters ahead of the
screen waits (no real model is that fast; a scripted narrator is). Anything unexpected in a worker or in
drawing an event goes to one handler, ``report_error``: a notification, and the game goes on from the
engine's last good state.

Responsiveness. The story log redraws streamed text at most 20 times a second, and a ``TypingGate`` keeps
keys first: while the player types, drawing the story waits (one small step every 1.5 s at most), so an
echo never queues behind a relayout of a log that a fast narrator keeps changing. Esc cancels the turn in
progress (the engine rolls it back).

Start-up. The first screen is drawn before any model work: the game starts at once (it continues the
autosave or shows the opening scene) while the model loads on a background thread, with a progress line
in the side panel. Until it is ready the game's narrator is a ``PendingNarrator``: a turn that needs
narration waits for the model (Esc cancels it) and later input queues behind it — so no turn is narrated
by the authored fallback only because the model was still loading, and commands (/saves, /steer, /help...)
work at once. Nothing on the way to the first screen imports torch.

Keys: see ``adventure.tui.keys`` (binding ids, and the ``keys.toml`` file that remaps them).
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, ProgressBar, Static
from textual.worker import Worker, WorkerState

from ..engine.events import (ChoicesOffered, GameEnded, NarrationFinished, NarrationStarted, Notice,
                             PassageAdded, QuitRequested, SceneEntered, StoryRestored, TokenStreamed, TurnFailed)
from ..engine.game import Game
from ..engine.narrator import FallbackNarrator, NarrationCancelled
from ..packs.loader import Pack
from ..packs.schema import VarDecl
from ..packs.templates import show_value
from ..saves import SaveStore, SlotInfo
from ..ui_text import t
from .keys import KEY_SPECS, app_bindings, default_keymap_path, load_keymap
from .screens import (ContextViewer, HelpScreen, HistoryScreen, SavePicker, SettingsScreen, SteerScreen,
                      TextEditScreen)
from .widgets import (ChoiceList, CommandInfo, CommandInput, NoticeBar, PanelData, SidePanel, SlashSuggester,
                      StoryLog, TypingGate, hint_for)

FALLBACK_SPECS = {"fallback", "none", "authored"}
START = object()  # the first "line": Game.start()


class PendingNarrator:
    """Stands in for the model while it loads: a narration waits (cancellably) and then goes to the model."""

    name = "…"

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.inner: Any = None

    def set(self, narrator: Any) -> None:
        self.inner = narrator
        self.name = getattr(narrator, "name", "?")
        self.ready.set()

    def narrate(self, request, on_text, cancel):
        while not self.ready.wait(0.05):
            if cancel.is_set():
                raise NarrationCancelled()
        return self.inner.narrate(request, on_text, cancel)


# ---------------------------------------------------------------- items on the UI queue besides engine events

@dataclass(frozen=True)
class _View:
    data: PanelData


@dataclass(frozen=True)
class _LineDone:
    pass


@dataclass(frozen=True)
class _Failure:
    error: BaseException
    where: str


@dataclass(frozen=True)
class _ModelReady:
    narrator: Any
    problem: str | None


class AdventureApp(App[int]):
    CSS_PATH = "app.tcss"
    BINDINGS = app_bindings()
    ENABLE_COMMAND_PALETTE = True
    MAX_BACKLOG = 256      # events the worker may be ahead of the screen
    MAX_UNSHOWN = 2000     # streamed characters the worker may be ahead of the screen
    TYPING_BATCH = 24      # events drawn in one step while the player is typing

    def __init__(self, pack: Pack, store: SaveStore | None = None, *, narrator: Any = None,
                 model_spec: str | None = None, device: str = "auto", dtype: str = "auto", seed: int = 0,
                 resume: bool = True, watch: bool = False, keymap_path: Path | None | bool = True,
                 max_live_passages: int | None = None):
        super().__init__()
        self.model_spec = model_spec or pack.manifest.narrator.model or "bundled"
        self.device, self.dtype = device, dtype
        self.pending_narrator: PendingNarrator | None = None
        if narrator is None:
            if self.model_spec in FALLBACK_SPECS:
                narrator = FallbackNarrator("authored text only")
            else:
                narrator = self.pending_narrator = PendingNarrator()
        self.game = Game(pack, narrator, store, seed=seed)
        self.game.subscribe(self._post)
        self.resume = resume
        self.watch = watch
        self.keymap_path = default_keymap_path() if keymap_path is True else (keymap_path or None)
        self.max_live = max_live_passages
        self.view = PanelData()
        self.errors: list[str] = []          # tracebacks the one error handler saw (tests read this)
        self.notices: list[tuple[str, str]] = []  # (severity, message) of every notification shown
        self.busy = False
        self.narrating = False
        self.ended = False
        self.free_text = True
        self.gate = TypingGate()
        self._lines: deque[Any] = deque()
        self._room = threading.Condition()
        self._backlog = 0      # events handed to the UI loop and not yet drawn
        self._unshown = 0      # streamed characters not yet on screen
        self._cancelling = False
        self._queue: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._quitting = False
        self._last_info: dict[str, Any] = {}
        self._load_started: float | None = None
        self._load_timer = None
        self._mtimes: dict[Path, float] = {}
        self._panel_drawn = 0.0
        self._panel_timer = None
        self._hint = ""
        self.title = pack.title
        self.view = self.take_view()  # no worker runs yet, so reading the game here is safe

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                log = StoryLog(on_shown=self._text_shown, gate=self.gate, id="log")
                if self.max_live:
                    log.max_live = self.max_live
                yield log
                yield ChoiceList(id="choices")
                yield NoticeBar(id="notices")
                yield CommandInput(self.choose, on_typing=self.gate.key, id="input",
                                   placeholder=t("tui.input.placeholder"),
                                   suggester=SlashSuggester(lambda: self.view.commands, self.arguments))
                yield Static(t("tui.hint.idle"), id="hint")
            with Vertical(id="side"):
                yield SidePanel(id="panel")
                yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="model-progress")
        yield Footer()

    @property
    def log_view(self) -> StoryLog:
        return self.query_one("#log", StoryLog)

    @property
    def choice_list(self) -> ChoiceList:
        return self.query_one("#choices", ChoiceList)

    @property
    def input(self) -> CommandInput:
        return self.query_one("#input", CommandInput)

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self.run_worker(self._pump(), name="events", group="events", exit_on_error=False)
        keymap, problems = load_keymap(self.keymap_path)
        if keymap:
            self.set_keymap(keymap)
        for problem in problems:
            self.notify(t("tui.keymap.bad", problem=problem), severity="warning", markup=False)
        self.choice_list.display = False
        self.query_one("#notices").display = False
        self.query_one("#model-progress").display = False
        self.input.focus()
        self._refresh_panel()
        self._enqueue(START)
        if self.pending_narrator is not None:
            self.call_after_refresh(self._start_model_load)
        if self.watch:
            self._mtimes = self._pack_mtimes()
            self.set_interval(1.0, self._check_pack_files)
            self.notify(t("tui.watch.on", path=self.game.pack.root), markup=False)

    def on_unmount(self) -> None:
        self._closing = True
        with self._room:
            self._room.notify_all()
        self.game.cancel()  # a turn in flight rolls back; the last committed turn is already autosaved

    # ------------------------------------------------------------------ engine -> UI

    def _post(self, item: Any) -> None:
        """Hand an event to the UI loop (the engine's listener; any thread). It does not wait for the screen,
        but a worker more than ``MAX_BACKLOG`` events ahead of it waits for room (a narrator faster than the
        terminal is slowed to the terminal's pace, and memory stays bounded)."""
        loop, queue = self._loop, self._queue
        if loop is None or queue is None or self._closing:
            return
        on_ui_thread = threading.get_ident() == self._thread_id
        is_text = isinstance(item, TokenStreamed)
        with self._room:
            if not on_ui_thread:
                while ((self._backlog >= self.MAX_BACKLOG or (is_text and self._unshown > self.MAX_UNSHOWN))
                       and not self._closing and not self._cancelling):
                    self._room.wait(0.1)
            self._backlog += 1
            if is_text:
                self._unshown += len(item.text)
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop closed while the app exits
            pass

    async def _pump(self) -> None:
        assert self._queue is not None
        queue = self._queue
        gate = self.gate
        while True:
            batch = [await queue.get()]
            while (wait := gate.wait()) > 0:
                await asyncio.sleep(wait)
            limit = self.TYPING_BATCH if gate.typing else None  # a small step while the player types
            while not queue.empty() and (limit is None or len(batch) < limit):
                batch.append(queue.get_nowait())
            for item in _join_tokens(batch):
                try:
                    await self._apply(item)
                except Exception as exc:  # a bug in drawing one event must not stop the game
                    self.report_error(exc, "event")
            with self._room:
                self._backlog -= len(batch)
                self._room.notify_all()

    async def _apply(self, ev: Any) -> None:
        log = self.log_view
        if isinstance(ev, TokenStreamed):
            await log.write(ev.text)
        elif isinstance(ev, NarrationStarted):
            self.narrating = True
            await log.start_stream()
            self._update_hint()
        elif isinstance(ev, NarrationFinished):
            self.narrating = False
            await log.stop_stream(ev.text)
            if ev.info:
                self._last_info = dict(ev.info)
            self._update_hint()
        elif isinstance(ev, PassageAdded):
            await log.add(ev.kind, ev.text)
        elif isinstance(ev, SceneEntered):
            await log.add("scene", t("tui.log.scene", title=ev.title or ev.scene_id))
            self.sub_title = ev.title or ev.scene_id
        elif isinstance(ev, ChoicesOffered):
            self.ended = False
            self.free_text = ev.free_text
            self.choice_list.set_choices((c.number, c.text) for c in ev.choices)
            if not ev.choices and ev.free_text:
                self.input.placeholder = t("tui.choices.free")
            else:
                self.input.placeholder = t("tui.input.placeholder" if ev.free_text else "tui.input.placeholder_choices")
        elif isinstance(ev, GameEnded):
            self.ended = True
            self.choice_list.set_choices(())
            self.input.placeholder = t("tui.input.placeholder_ended")
            banner = t("ending", title=ev.title)
            last = log.passages()[-1:] or [None]
            if getattr(last[0], "text", None) != banner:
                await log.add("ending", banner)
        elif isinstance(ev, TurnFailed):
            self.narrating = False
            await log.stop_stream(None)
            self.notify(ev.message, severity="information" if ev.cancelled else "warning", markup=False)
        elif isinstance(ev, StoryRestored):
            await log.restore(ev.passages)
        elif isinstance(ev, Notice):
            await self._notice(ev)
        elif isinstance(ev, QuitRequested):
            self.exit(0)
        elif isinstance(ev, _View):
            self.view = ev.data
            self._refresh_panel()
            if isinstance(self.screen, (SavePicker, SteerScreen, SettingsScreen, ContextViewer)):
                result = self.screen.refresh_data(ev.data)
                if inspect.isawaitable(result):
                    await result
                if isinstance(self.screen, SavePicker):
                    self.screen.load_slots()
        elif isinstance(ev, _LineDone):
            self.busy = False
            if not self._lines:
                self.choice_list.disabled = False
            self._next_line()
        elif isinstance(ev, _Failure):
            self.report_error(ev.error, ev.where)
        elif isinstance(ev, _ModelReady):
            self._model_ready(ev.narrator, ev.problem)

    def _text_shown(self, count: int) -> None:
        """The story log drew ``count`` streamed characters: room for the narrator to go on."""
        with self._room:
            self._unshown = max(0, self._unshown - count)
            self._room.notify_all()

    async def _notice(self, ev: Notice) -> None:
        severity = {"info": "information", "warning": "warning", "error": "error"}[ev.level]
        if "\n" in ev.message:  # /help, /saves, /state: a block of text belongs in the log
            await self.log_view.add("system", ev.message)
            if ev.level != "info":
                self.notify(ev.message.splitlines()[0], severity=severity, markup=False)
        else:
            self.notify(ev.message, severity=severity, markup=False, timeout=8 if ev.level == "error" else 4)

    def notify(self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification (ours and Textual's own) goes to the notice lines above the input, not to a
        floating toast (see ``NoticeBar``). ``self.notices`` keeps them all, newest last."""
        text = f"{title}: {message}" if title else str(message)
        self.notices.append((severity, text))
        del self.notices[:-200]
        timeout = timeout if timeout is not None else (8.0 if severity == "error" else 5.0)
        try:
            self.query_one("#notices", NoticeBar).add(text, severity, timeout)
        except Exception:  # before the layout exists, or while closing
            pass

    def clear_notifications(self) -> None:
        super().clear_notifications()
        bar = self.query_one("#notices", NoticeBar)
        bar.remove_children()
        bar.display = False

    def report_error(self, error: BaseException, where: str = "worker") -> None:
        """The one handler for anything unexpected: show it, keep the game (the engine already rolled back)."""
        self.errors.append("".join(traceback.format_exception(error)))
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        self.notify(t("tui.error", reason=f"{type(error).__name__}: {reason}"), severity="error", markup=False,
                    timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error, event.worker.group)
            if event.worker.group == "events" and not self._closing:  # keep draining events
                self.run_worker(self._pump(), name="events", group="events", exit_on_error=False)
            if event.worker.group == "turn":
                self.busy = False
                self.choice_list.disabled = False
                self._next_line()

    # ------------------------------------------------------------------ UI -> engine

    def submit(self, line: str) -> None:
        """Send one line to the engine (as typed): it runs after any line still in progress."""
        self.gate.release()
        if not line.strip():
            return
        if line.strip()[:1] != "/":
            self.choice_list.disabled = True  # no double picks; the engine offers the next choices
        self._enqueue(line)

    def run_between_turns(self, fn) -> None:
        """Run ``fn`` on the worker, after the lines already queued; a fresh view of the game follows."""
        self._enqueue(fn)

    def _enqueue(self, line: Any) -> None:
        self._lines.append(line)
        self._next_line()

    def _next_line(self) -> None:
        if not self.busy and self._lines and not self._closing:
            line = self._lines.popleft()
            self.busy = True
            self._cancelling = False
            self.run_worker(lambda: self._run_line(line), thread=True, group="turn", exit_on_error=False,
                            name="turn")
        self._update_hint()

    def _run_line(self, line: Any) -> None:
        """Worker thread: one engine call, then a fresh read-only view of the game for the panels."""
        try:
            if line is START:
                self.game.start(resume=self.resume)
            elif callable(line):  # UI housekeeping that must not overlap a turn
                line()
            else:
                self.game.handle(line)
        except BaseException as exc:  # Game.handle never raises for player input: this is a bug
            self._post(_Failure(exc, "turn"))
        finally:
            try:
                self._post(_View(self.take_view()))
            except Exception as exc:
                self._post(_Failure(exc, "view"))
            self._post(_LineDone())

    def take_view(self) -> PanelData:
        """Read the game (on the worker thread, between turns) into plain data for the UI."""
        g, s, pack = self.game, self.game.state, self.game.pack
        values, inventory = [], []
        for name, value in s.values.items():
            if pack.var_types.get(name) == "set":
                inventory += [str(v) for v in value]
                continue
            decl = pack.manifest.state.get(name)
            label = decl.description if isinstance(decl, VarDecl) and decl.description else name
            values.append((label, show_value(value)))
        scene = pack.scenes[s.scene]
        narrator = g.narrator
        inner = getattr(narrator, "inner", None) or narrator
        loaded = getattr(inner, "loaded", None)
        # ``adventure.generation`` imports torch (1–2 s): never on the way to the first screen. Until something
        # else has loaded it (the model, /set, the settings dialog) the view holds only the overrides.
        settings_module = sys.modules.get("adventure.generation.settings")
        overrides = g.sampling_overrides()
        sampling_help: dict[str, str] = {}
        try:
            if settings_module is not None:
                settings_cls = settings_module.SamplingSettings
                sampling_values = settings_cls().with_overrides(**overrides).model_dump()
                sampling_help = dict(settings_cls.SETTABLE_KEYS)
            else:
                sampling_values = overrides
        except Exception:
            sampling_values = overrides
        return PanelData(
            pack_title=pack.title, scene_title=scene.title or s.scene, turn=s.turn, values=values,
            inventory=inventory, steer=g.active_steering(), ending=s.ending,
            narrator=getattr(inner, "name", "") if not isinstance(narrator, PendingNarrator) or narrator.ready.is_set()
            else self.model_spec,
            n_ctx=getattr(loaded, "n_ctx", None), info=dict(getattr(inner, "last_info", None) or {}),
            memory=g.memory_text(), note=g.author_note_text(),
            steer_known=g.known_attributes(), steer_defaults=g.steering_defaults(), sampling=sampling_values,
            sampling_help=sampling_help,
            commands=[CommandInfo(c.name, c.usage, t(c.help_key)) for c in g.commands.values()],
        )

    def last_info(self) -> dict[str, Any]:
        """What the narrator reported about its last narration: ``narrator.last_info`` if it keeps one
        (the model: prompt/reused/processed tokens and the context ledger), else the last event's info."""
        return dict(self.view.info) or dict(self._last_info)

    # ------------------------------------------------------------------ the model

    def _start_model_load(self) -> None:
        if self._closing or self.pending_narrator is None:
            return
        self._load_started = time.monotonic()
        self.query_one("#model-progress").display = True
        self.view.narrator = self.model_spec
        self._refresh_panel()
        self._load_timer = self.set_interval(0.5, self._refresh_panel)
        self.notify(t("narrator.loading", name=self.model_spec), markup=False, timeout=3)
        # A plain daemon thread, not a worker: loading cannot be interrupted, and quitting must not wait for it.
        threading.Thread(target=self._load_model, name="adventure-model-load", daemon=True).start()

    def _load_model(self) -> None:
        try:
            from ..engine.model_narrator import build_narrator

            narrator, problem = build_narrator(self.model_spec, device=self.device, dtype=self.dtype)
        except BaseException as exc:
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            narrator, problem = FallbackNarrator(reason), reason
        self._post(_ModelReady(narrator, problem))

    def _model_ready(self, narrator: Any, problem: str | None) -> None:
        assert self.pending_narrator is not None
        self.game.narrator = narrator  # the next turn uses it directly
        self.pending_narrator.set(narrator)  # a turn waiting for it goes on
        self._load_started = None
        if self._load_timer is not None:
            self._load_timer.stop()
        self.query_one("#model-progress").display = False
        self.view.narrator = getattr(narrator, "name", "")
        loaded = getattr(narrator, "loaded", None)
        self.view.n_ctx = getattr(loaded, "n_ctx", None)
        self._refresh_panel()
        if problem:
            self.notify(t("narrator.fallback", reason=problem), severity="warning", markup=False, timeout=8)
        else:
            self.notify(t("narrator.ready", name=self.view.narrator, n_ctx=self.view.n_ctx or "?"), markup=False)

    @property
    def model_loading(self) -> bool:
        return self.pending_narrator is not None and not self.pending_narrator.ready.is_set()

    # ------------------------------------------------------------------ small views

    PANEL_INTERVAL = 0.25

    def _refresh_panel(self) -> None:
        """Redraw the side panel now, or (when it was redrawn moments ago) once more a little later: a
        narrator that finishes many turns a second must not spend the UI's time on the panel."""
        wait = self._panel_drawn + self.PANEL_INTERVAL - time.monotonic()
        if wait > 0:
            if self._panel_timer is None:
                self._panel_timer = self.set_timer(wait, self._draw_panel, name="panel")
            return
        self._draw_panel()

    def _draw_panel(self) -> None:
        self._panel_timer = None
        self._panel_drawn = time.monotonic()
        loading = time.monotonic() - self._load_started if self._load_started is not None else None
        data = self.view
        if not data.info and self._last_info:
            data.info = dict(self._last_info)
        self.query_one(SidePanel).show(data, loading)

    def _update_hint(self) -> None:
        try:
            hint = self.query_one("#hint", Static)
            value = self.input.value
        except Exception:
            return
        text = hint_for(value, self.view.commands) if value.startswith("/") else None
        if text is None:
            if self.busy and self.narrating:
                text = t("tui.hint.waiting_model" if self.model_loading else "tui.hint.busy")
            else:
                text = t("tui.hint.idle")
            if self._lines:
                text += " · " + t("tui.hint.queued", count=len(self._lines))
        if text != self._hint:
            self._hint = text
            hint.update(text)

    def arguments(self, command: str) -> list[str]:
        """Completions for a command's first argument."""
        if command == "steer":
            return self.view.steer_known + ["off"]
        if command == "set":
            return list(self.view.sampling)
        if command in ("memory", "note"):
            return ["reset"]
        if command == "load":
            return [s.name for s in self.slots()]
        return []

    def slots(self) -> list[SlotInfo]:
        store = self.game.store
        try:
            return store.slots() if store else []
        except OSError:
            return []

    def scene_title(self, scene_id: str) -> str:
        scene = self.game.pack.scenes.get(scene_id)
        return scene.title if scene and scene.title else scene_id

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(id, keys in effect, description) for the help screen."""
        rows = []
        for spec in KEY_SPECS:
            keys = self._keymap.get(spec.id, spec.keys)
            shown = ", ".join(self.get_key_display(_binding_for_display(k)) for k in keys.split(","))
            rows.append((spec.id, shown, t(spec.label_key, n=spec.id.removeprefix("choose_"))))
        return rows

    def keymap_hint_path(self) -> str:
        from .keys import config_dir

        return str(self.keymap_path or (config_dir() / "keys.toml"))

    # ------------------------------------------------------------------ input events

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is not self.input:
            return
        line = event.value
        self.input.value = ""
        self.submit(line)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.input:
            self._update_hint()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is self.choice_list and event.option.id:
            self.choose(int(event.option.id.removeprefix("choice-")))
            self.input.focus()

    def choose(self, number: int) -> bool:
        """Pick choice ``number`` if it is on offer now; False (so the key types a digit) otherwise."""
        choices = self.choice_list
        if not choices.display or choices.disabled or number not in choices.numbers:
            return False
        self.submit(str(number))
        return True

    # ------------------------------------------------------------------ actions (bound keys, palette)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":  # digits in a dialog belong to the dialog, not to the story behind it
            return self.screen is self.screen_stack[0]
        return True

    def action_choose(self, number: int) -> None:
        self.choose(number)

    def action_cancel_turn(self) -> None:
        if self.busy:
            self._lines.clear()
            self._cancel_turn()
            self._update_hint()

    def _cancel_turn(self) -> None:
        with self._room:
            self._cancelling = True  # a worker waiting for the screen goes on, and then stops
            self._room.notify_all()
        self.game.cancel()

    def action_quit_game(self) -> None:
        """Quit at once; nothing is lost: a turn in flight rolls back, and /quit autosaves the last good state."""
        if self._quitting or self._closing:
            self.exit(0)
            return
        self._quitting = True
        self._lines.clear()
        if self.busy:
            self._cancel_turn()
        self._enqueue("/quit")
        self.set_timer(5.0, lambda: self.exit(0))  # a stuck turn must not keep the app open

    def action_undo(self) -> None:
        self.submit("/undo")

    def action_redo(self) -> None:
        self.submit("/redo")

    def action_retry(self) -> None:
        self.submit("/retry")

    def action_open_saves(self) -> None:
        self._push(SavePicker)

    def action_open_context(self) -> None:
        self._push(ContextViewer)

    def action_open_steer(self) -> None:
        self._push(SteerScreen)

    def action_open_settings(self) -> None:
        self._push(SettingsScreen)

    def action_open_help(self) -> None:
        self._push(HelpScreen)

    def action_open_history(self) -> None:
        passages = [(p.kind, p.text) for p in list(self.game.state.passages)]
        self.push_screen(HistoryScreen(passages))

    def action_edit_memory(self) -> None:
        self.push_screen(TextEditScreen("memory", t("tui.memory.title"), self.view.memory))

    def action_edit_note(self) -> None:
        self.push_screen(TextEditScreen("note", t("tui.note.title"), self.view.note))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_focus_input(self) -> None:
        self.input.focus()

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=t("tui.key.palette") + "…"))

    def _push(self, screen_type: type[Screen]) -> None:
        if not isinstance(self.screen, screen_type):
            self.push_screen(screen_type())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for spec in KEY_SPECS:
            if spec.id.startswith("choose_") or spec.id in ("cancel", "palette"):
                continue
            yield SystemCommand(t(spec.label_key), spec.keys, lambda a=spec.action: self.run_action(a))
        for c in self.view.commands:
            yield SystemCommand(f"/{c.name}", c.help, lambda n=c.name: self.submit(f"/{n}"))

    # ------------------------------------------------------------------ --watch

    def _pack_mtimes(self) -> dict[Path, float]:
        pack = self.game.pack
        out = {}
        for path in {*pack.files, pack.root / "pack.yaml"}:
            try:
                out[Path(path)] = Path(path).stat().st_mtime
            except OSError:
                out[Path(path)] = -1.0
        return out

    def _check_pack_files(self) -> None:
        now = self._pack_mtimes()
        if now != self._mtimes:
            self._mtimes = now
            self.submit("/reload")


def _binding_for_display(key: str) -> Binding:
    return Binding(key.strip(), "")


def _join_tokens(batch: list[Any]) -> list[Any]:
    """Merge runs of streamed tokens into one event, so a fast narrator costs one redraw per batch."""
    out: list[Any] = []
    for item in batch:
        if isinstance(item, TokenStreamed) and out and isinstance(out[-1], TokenStreamed):
            out[-1] = TokenStreamed(out[-1].text + item.text)
        else:
            out.append(item)
    return out


def run_tui(pack: Pack, store: SaveStore | None, args: Any) -> int:
    """Entry point for ``adventure play`` on a terminal (``args``: model, seed, new, device, dtype, watch)."""
    app = AdventureApp(pack, store, model_spec=getattr(args, "model", None), device=getattr(args, "device", "auto"),
                       dtype=getattr(args, "dtype", "auto"), seed=getattr(args, "seed", 0) or 0,
                       resume=not getattr(args, "new", False), watch=bool(getattr(args, "watch", False)))
    result = app.run()
    return int(result or 0) if isinstance(result, int) else (app.return_code or 0)


__all__ = ["AdventureApp", "PendingNarrator", "run_tui"]
