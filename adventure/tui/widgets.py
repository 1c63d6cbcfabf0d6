"""The main screen's widgets: story log, choices, input line with slash completion, side panel.

They only draw what the app hands them (engine events, read-only snapshots); no game rules live here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from rich.console import Group
from rich.markdown import Markdown as RichMarkdown
from rich.table import Table
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..ui_text import t



# ------------------------------------------------------------------------------------------- typing gate

class TypingGate:
    """Keys first. While the player is typing, drawing the story waits, so each key is echoed at once
    instead of queueing behind redraws of a log that a fast narrator keeps changing (the narrator waits
    too: the app's backlog is bounded). During a long stretch of typing the story still moves on every
    ``max_hold`` seconds, in one small step placed just after a key, in the gap before the next one.
    """

    typing_hold = 0.3   # a key within this many seconds means the player is typing
    max_hold = 1.5      # the story waits at most this long before one small step
    after_key = 0.03    # that step starts this long after a key (its echo is out by then)

    def __init__(self) -> None:
        self.last_key = 0.0
        self._held_since: float | None = None

    def key(self) -> None:
        self.last_key = time.monotonic()

    def release(self) -> None:
        """The player sent the line: show what follows at once."""
        self.last_key = 0.0
        self._held_since = None

    def wait(self) -> float:
        """0 when the story may draw now, else the seconds to wait before asking again."""
        now = time.monotonic()
        since_key = now - self.last_key
        if since_key >= self.typing_hold:
            self._held_since = None
            return 0.0
        if self._held_since is None:
            self._held_since = now
        if now - self._held_since >= self.max_hold:
            if since_key >= self.after_key:
                self._held_since = now  # one step now, then hold again
                return 0.0
            return self.after_key - since_key
        return min(self.typing_hold - since_key, self.max_hold - (now - self._held_since)) + 0.002

    @property
    def typing(self) -> bool:
        return time.monotonic() - self.last_key < self.typing_hold


# ------------------------------------------------------------------------------------------- story log

_MARKDOWN = re.compile(r"(\*\*|__|`|^#{1,6} |^\s*[-*] |\[[^\]]+\]\()", re.M)


_SENTENCE_END = re.compile(r"[.!?…][\"'”’」)]*\s+")


def _piece_end(text: str, at_least: int) -> int:
    """Where to cut a long streamed text: after the last sentence end past ``at_least``, else a space."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() >= at_least]
    if ends:
        return ends[-1]
    space = text.rfind(" ", at_least)
    return space + 1 if space > 0 else len(text)


def _squash(text: str) -> str:
    return "".join(text.split())


def _after_prefix(text: str, prefix: str) -> str:
    """``text`` minus a prefix that matches it up to whitespace."""
    want = len(_squash(prefix))
    seen = 0
    for i, ch in enumerate(text):
        if seen == want:
            return text[i:].strip()
        if not ch.isspace():
            seen += 1
    return ""


def _content(kind: str, text: str) -> Any:
    if kind == "action":
        return Text(f"› {text}")
    if kind in ("authored", "narration") and _MARKDOWN.search(text):
        return RichMarkdown(text)
    return Text(text)


class PassageLine(Static):
    """One passage, one widget: authored text, narration, the player's action, a system message, a scene
    title, an ending banner. Text with Markdown marks renders as Markdown."""

    def __init__(self, text: str, kind: str, streaming: bool = False):
        super().__init__(_content(kind, text), classes=f"passage {kind}" + (" streaming" if streaming else ""))
        self.kind = kind
        self.text = text


class StoryLog(VerticalScroll):
    """The story so far, anchored to the bottom.

    Only the newest ``max_live`` passages stay mounted (one widget each); older ones are dropped from the
    screen in chunks (a line at the top counts them, and F7 shows the whole story), so the cost of layout
    and of every streamed token does not grow with the story.

    Streaming appends to the narration passage's text and re-renders it at most ``flush_hz`` times a second,
    showing at most ``flush_chars`` new characters each time (far above any model's pace; it only bounds a
    narrator faster than the screen, which the app then slows down). A long narration is frozen into
    paragraph-sized pieces as it streams, so each redraw re-wraps a short text. (``Markdown.get_stream()``
    was tried first: it re-parses and mounts block widgets on every append, and a finished Markdown passage
    costs several widgets; a plain ``Static`` per passage keeps the cost per token flat.)
    """

    can_focus = True
    max_live = 40
    prune_chunk = 10
    flush_hz = 20
    flush_chars = 240
    piece_chars = 480

    def __init__(self, on_shown: Callable[[int], None] | None = None, gate: TypingGate | None = None, **kw: Any):
        super().__init__(**kw)
        self.pruned = 0
        self._marker = Static("", id="pruned-marker", classes="passage pruned")
        self._marker.display = False
        self.streaming: PassageLine | None = None
        self.pieces: list[PassageLine] = []  # frozen pieces of the narration being streamed
        self.streamed_text = ""              # everything received for it
        self._shown = ""                     # the part in the streaming widget
        self._pending = ""                   # received, not drawn yet
        self._flush_timer = None
        self._on_shown = on_shown or (lambda n: None)
        self.gate = gate or TypingGate()

    def compose(self):
        yield self._marker

    def on_mount(self) -> None:
        self.anchor()

    def passages(self) -> list[Widget]:
        return [w for w in self.children if w is not self._marker]

    @staticmethod
    def make(kind: str, text: str) -> Widget:
        return PassageLine(text, kind)

    async def add(self, kind: str, text: str) -> Widget:
        widget = self.make(kind, text)
        await self.mount(widget, before=self.pieces[0] if self.pieces else self.streaming)
        await self._prune()
        return widget

    async def restore(self, passages: Iterable[tuple[str, str]]) -> None:
        """Redraw from the engine's whole story (after undo, load, rollback)."""
        await self.stop_stream(None)
        items = list(passages)
        keep = items[-self.max_live:]
        await self.remove_children([w for w in self.children if w is not self._marker])
        self.pruned = len(items) - len(keep)
        self._update_marker()
        if keep:
            await self.mount_all([self.make(kind, text) for kind, text in keep])
        self.anchor()

    async def start_stream(self) -> None:
        await self.stop_stream(None)
        widget = PassageLine("", "narration", streaming=True)
        widget.display = False  # shown with its first text
        await self.mount(widget)
        self.streaming = widget
        self.streamed_text = self._shown = self._pending = ""

    async def write(self, text: str) -> None:
        """Append streamed text to the current narration passage."""
        if self.streaming is None:  # a token without NarrationStarted: open a passage for it
            await self.start_stream()
        self.streamed_text += text
        self._pending += text
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(1 / self.flush_hz, self._flush, name="stream-flush")

    async def _flush(self) -> None:
        self._flush_timer = None
        widget = self.streaming
        if widget is None or not self._pending:
            return
        wait = self.gate.wait()
        if wait > 0:  # the player is typing: keys first
            self._flush_timer = self.set_timer(wait, self._flush, name="stream-flush")
            return
        take, self._pending = self._pending[:self.flush_chars], self._pending[self.flush_chars:]
        self._shown += take
        self._on_shown(len(take))
        if len(self._shown) > self.piece_chars and not self.gate.typing:  # no mounting in a step between keys
            cut = _piece_end(self._shown, self.piece_chars // 2)
            piece = PassageLine(self._shown[:cut].strip(), "narration")
            piece.add_class("piece")
            self._shown = self._shown[cut:]
            self.pieces.append(piece)
            await self.mount(piece, before=widget)
            await self._prune()
        widget.display = bool(self._shown.strip())
        widget.update(Text(self._shown.lstrip()))
        if self._pending:
            self._flush_timer = self.set_timer(1 / self.flush_hz, self._flush, name="stream-flush")

    async def stop_stream(self, final: str | None) -> None:
        """Finish the streamed passage with the engine's exact text (maybe trimmed); "" or None drops it."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        widget, self.streaming = self.streaming, None
        pieces, self.pieces = self.pieces, []
        if self._pending:
            self._on_shown(len(self._pending))
        self._pending = ""
        if widget is None:
            return
        final = (final or "").strip()
        frozen = " ".join(p.text for p in pieces)
        if final and pieces and _squash(final).startswith(_squash(frozen)):
            rest = _after_prefix(final, frozen)
        else:  # no pieces, or the engine's text differs from what streamed: one passage with the exact text
            if pieces:
                await self.remove_children(pieces)
                pieces = []
            rest = final
        for piece in pieces:
            piece.remove_class("piece")
            piece.add_class("piece-done")
        if rest:
            widget.text = rest
            widget.update(_content("narration", rest))
            widget.display = True
            widget.remove_class("streaming")
            await self._prune()
        else:
            await widget.remove()

    async def _prune(self) -> None:
        live = self.passages()
        extra = len(live) - self.max_live
        if extra > 0:
            extra = min(len(live) - 1, extra + self.prune_chunk)  # in chunks: fewer layout passes
            old = [w for w in live[:extra] if w is not self.streaming]
            self.pruned += len(old)
            await self.remove_children(old)
            self._update_marker()

    def _update_marker(self) -> None:
        self._marker.display = self.pruned > 0
        if self.pruned:
            self._marker.update(Text(t("tui.log.pruned", count=self.pruned)))


# ------------------------------------------------------------------------------------------- notices

class NoticeBar(Vertical):
    """Notifications in the layout, between the choices and the input line.

    Textual's toasts float over other widgets, and its compositor drops a double-width character that
    straddles the edge of a widget underneath (Textualize/textual#6357), so Korean toasts lose syllables.
    These lines are part of the layout: nothing is drawn over them. Each fades after its timeout; at most
    ``keep`` are shown.
    """

    keep = 3

    def add(self, message: str, severity: str = "information", timeout: float = 5.0) -> None:
        line = Static(Text(message), classes=f"notice -{severity}")
        self.mount(line)
        for old in list(self.children)[:-self.keep]:
            old.remove()
        self.display = True
        self.set_timer(timeout, lambda: self._expire(line))

    def _expire(self, line: Static) -> None:
        if line.parent is self:
            line.remove()
        if len(self.children) <= 1 and (not self.children or self.children[0] is line):
            self.display = False


# ------------------------------------------------------------------------------------------- choices

class ChoiceList(OptionList):
    """The current choices as numbered, clickable items."""

    def __init__(self, **kw: Any):
        super().__init__(**kw)
        self.numbers: list[int] = []
        self.items: list[tuple[int, str]] = []

    def set_choices(self, choices: Iterable[tuple[int, str]]) -> None:
        items = list(choices)
        if items == self.items and self.option_count == len(items):
            return
        self.items = items
        self.numbers = [n for n, _ in items]
        self.clear_options()
        self.add_options([Option(Text.assemble((f"{n}. ", "bold"), text), id=f"choice-{n}") for n, text in items])
        self.display = bool(items)
        if items:
            self.highlighted = None


# ------------------------------------------------------------------------------------------- input

@dataclass(frozen=True)
class CommandInfo:
    name: str
    usage: str
    help: str


class SlashSuggester(Suggester):
    """Inline completion for slash commands and their common arguments."""

    def __init__(self, commands: Callable[[], list[CommandInfo]], arguments: Callable[[str], list[str]]):
        super().__init__(use_cache=False, case_sensitive=True)
        self.commands = commands
        self.arguments = arguments

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.commands(), self.arguments)


def complete(value: str, commands: list[CommandInfo], arguments: Callable[[str], list[str]]) -> str | None:
    """The first completion of ``value`` (``/sa`` -> ``/save``, ``/steer 공`` -> ``/steer 공포``), or None."""
    if not value.startswith("/"):
        return None
    head, sep, rest = value[1:].partition(" ")
    if not sep:
        for c in commands:
            if c.name.startswith(head) and c.name != head:
                return "/" + c.name
        return None
    if " " in rest:
        return None
    for arg in arguments(head):
        if arg.startswith(rest) and arg != rest:
            return f"/{head} {arg}"
    return None


class CommandInput(Input):
    """The input line: free text (Korean IME input arrives as composed characters), numbers, slash commands.

    A digit 1–9 typed into an empty line picks that choice at once (when there are choices); Tab accepts
    the completion shown in grey.
    """

    BINDINGS = [Binding("tab", "complete", "완성", show=False)]

    def __init__(self, choose: Callable[[int], bool], on_typing: Callable[[], None] | None = None, **kw: Any):
        super().__init__(**kw)
        self._choose = choose
        self.on_typing = on_typing

    async def _on_key(self, event: events.Key) -> None:
        if self.on_typing is not None and (event.is_printable or event.key in ("backspace", "delete")):
            self.on_typing()
        char = event.character
        if (char and len(char) == 1 and char in "123456789" and not self.value and self._choose(int(char))):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def action_complete(self) -> None:
        if self._suggestion and len(self._suggestion) > len(self.value):
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()


def hint_for(value: str, commands: list[CommandInfo]) -> Text | None:
    """The completion hint under the input while a slash command is typed."""
    if not value.startswith("/"):
        return None
    head, sep, _ = value[1:].partition(" ")
    if sep:
        match = [c for c in commands if c.name == head.lower()]
    else:
        match = [c for c in commands if c.name.startswith(head.lower())]
    if not match:
        return Text(t("tui.hint.no_match"), style="italic")
    if len(match) == 1 or sep:
        c = match[0]
        return Text.assemble((f"/{c.name}", "bold"), (f" {c.usage}" if c.usage else ""), "  ", c.help)
    shown = Text()
    for c in match[:8]:
        shown.append(f"/{c.name}", "bold")
        shown.append("  ")
    if len(match) > 8:
        shown.append(t("tui.hint.more", count=len(match) - 8))
    return shown


# ------------------------------------------------------------------------------------------- side panel

@dataclass
class PanelData:
    """A read-only picture of the game for the side panel, taken on the worker thread after each turn."""

    pack_title: str = ""
    scene_title: str = ""
    turn: int = 0
    values: list[tuple[str, str]] = field(default_factory=list)
    inventory: list[str] = field(default_factory=list)
    steer: dict[str, float] = field(default_factory=dict)
    ending: str | None = None
    narrator: str = ""
    n_ctx: int | None = None
    info: dict[str, Any] = field(default_factory=dict)
    # read by the dialogs
    memory: str = ""
    note: str = ""
    steer_known: list[str] = field(default_factory=list)
    steer_defaults: dict[str, float] = field(default_factory=dict)
    sampling: dict[str, Any] = field(default_factory=dict)
    sampling_help: dict[str, str] = field(default_factory=dict)
    commands: list[CommandInfo] = field(default_factory=list)


def bar(fraction: float, width: int) -> str:
    fraction = max(0.0, min(1.0, fraction))
    full = round(fraction * width)
    return "█" * full + "░" * (width - full)


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True, overflow="ellipsis")
    return grid


def render_panel(data: PanelData, loading: float | None = None) -> Group:
    """The side panel as Rich renderables (Rich measures cells, so Hangul keeps columns aligned)."""
    parts: list[Any] = []
    head = _grid()
    head.add_row(Text(data.scene_title or "—", style="bold"), Text(t("tui.panel.turn", turn=data.turn)))
    parts.append(head)
    if data.ending:
        parts.append(Text(t("tui.panel.ending", title=data.ending), style="bold"))
    if data.values:
        parts.append(Text(t("tui.panel.state"), style="bold underline"))
        g = _grid()
        for label, value in data.values:
            g.add_row(label, value)
        parts.append(g)
    parts.append(Text(t("tui.panel.inventory"), style="bold underline"))
    parts.append(Text(", ".join(data.inventory) if data.inventory else t("tui.panel.empty"), overflow="fold"))
    parts.append(Text(t("tui.panel.steer"), style="bold underline"))
    if data.steer:
        g = Table.grid(padding=(0, 1), expand=True)
        g.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        g.add_column(no_wrap=True)
        g.add_column(justify="right", no_wrap=True, width=4)
        for attr, value in data.steer.items():
            g.add_row(attr, bar(abs(value), 6), f"{value:+.1f}")
        parts.append(g)
    else:
        parts.append(Text(t("tui.panel.steer_off")))
    parts.append(Text(t("tui.panel.model"), style="bold underline"))
    parts.append(Text(data.narrator or "—", overflow="ellipsis", no_wrap=True))
    if loading is not None:
        parts.append(Text(t("tui.panel.loading", seconds=f"{loading:.0f}"), style="italic"))
    info = data.info or {}
    used = info.get("prompt_tokens")
    if data.n_ctx and isinstance(used, int):
        g = _grid()
        g.add_row(t("tui.panel.context"), f"{used} / {data.n_ctx}")
        parts.append(g)
        parts.append(Text(bar(used / data.n_ctx, 20), no_wrap=True, overflow="crop"))
        if isinstance(info.get("reused_tokens"), int):
            parts.append(Text(t("tui.panel.reuse", reused=info.get("reused_tokens", 0),
                                processed=info.get("processed_tokens", 0)), overflow="ellipsis", no_wrap=True))
    elif data.n_ctx:
        g = _grid()
        g.add_row(t("tui.panel.context"), f"— / {data.n_ctx}")
        parts.append(g)
    return Group(*parts)


class SidePanel(VerticalScroll):
    can_focus = False

    def __init__(self, **kw: Any):
        super().__init__(**kw)
        self.data = PanelData()
        self.loading_seconds: float | None = None
        self.body = Static("", id="panel-body")

    def compose(self):
        yield self.body

    def show(self, data: PanelData | None = None, loading: float | None = None) -> None:
        if data is not None:
            self.data = data
        self.loading_seconds = loading
        self.body.update(render_panel(self.data, loading))
