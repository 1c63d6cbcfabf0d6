"""Modal screens: save/load picker, context viewer, steering, sampler settings, memory/note editor, help,
whole-story history. Each one only shows data and sends slash commands through the app (``app.submit``),
so every change goes through the engine exactly as if typed.
"""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, RichLog, Static, TextArea

from ..ui_text import t
from .widgets import PanelData

if TYPE_CHECKING:
    from .app import AdventureApp


class _Modal(ModalScreen[None]):
    """A dialog box over the game; Esc closes it. ``refresh_data`` is called after each engine turn."""

    BINDINGS = [Binding("escape", "close", t("tui.help.close"), show=False)]

    @property
    def game_app(self) -> "AdventureApp":
        return self.app  # type: ignore[return-value]

    def action_close(self) -> None:
        self.dismiss(None)

    def refresh_data(self, data: PanelData) -> None:
        pass


def local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso.replace("T", " ")[:16]


# ------------------------------------------------------------------------------------------- saves

class SavePicker(_Modal):
    """Slots with scene, turn count and time; Enter loads the highlighted one, a name + Enter saves."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="saves-dialog"):
            yield Label(t("tui.saves.title"), classes="dialog-title")
            yield DataTable(id="slots", cursor_type="row", zebra_stripes=True)
            yield Static(t("tui.saves.empty"), id="slots-empty")
            yield Input(placeholder=t("tui.saves.new"), id="save-name", compact=True)
            yield Label(t("tui.saves.help"), classes="dialog-help")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(t("tui.saves.name"), t("tui.saves.scene"), t("tui.saves.turn"), t("tui.saves.time"))
        self.load_slots()
        if table.row_count:
            table.focus()
        else:
            self.query_one("#save-name", Input).focus()

    def load_slots(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        slots = self.game_app.slots()
        for slot in slots:
            table.add_row(slot.name, self.game_app.scene_title(slot.scene), Text(str(slot.turn), justify="right"),
                          local_time(slot.saved_at), key=slot.name)
        self.query_one("#slots-empty").display = not slots
        table.display = bool(slots)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        name = event.row_key.value
        if name:
            self.game_app.submit(f"/load {name}")
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if name:
            self.game_app.submit(f"/save {name}")
            self.dismiss(None)


# ------------------------------------------------------------------------------------------- context

def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return "\n".join(str(v) for v in value) or "—"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)


def render_mapping(data: dict[str, Any], title: str | None = None) -> Group:
    """Any (nested) dict as tables: scalars as key/value rows, lists of dicts as their own tables."""
    parts: list[Any] = []
    table = Table(title=title, title_justify="left", expand=True, box=box.SIMPLE_HEAD, header_style="bold")
    table.add_column(t("tui.context.key"), no_wrap=True)
    table.add_column(t("tui.context.value"), overflow="fold", ratio=1)
    nested: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            nested.append((str(key), value))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            nested.append((str(key), list(value)))
        else:
            table.add_row(str(key), _scalar(value))
    if table.row_count:
        parts.append(table)
    for key, value in nested:
        if isinstance(value, dict):
            parts.append(render_mapping(value, title=key))
        else:
            columns = list(dict.fromkeys(k for row in value for k in row))
            rows = Table(title=key, title_justify="left", expand=True, box=box.SIMPLE_HEAD, header_style="bold")
            for col in columns:
                rows.add_column(str(col), overflow="fold")
            for row in value:
                rows.add_row(*(_scalar(row.get(col, "")) for col in columns))
            parts.append(rows)
    return Group(*parts)


class ContextViewer(_Modal):
    """What the narrator saw last turn (``narrator.last_info``, including any context ledger the
    context manager provides) and the parts of the prompt the player controls."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="context-dialog"):
            yield Label(t("tui.context.title"), classes="dialog-title")
            with VerticalScroll(id="context-scroll"):
                yield Static(id="context-body")
            yield Label(t("tui.context.help"), classes="dialog-help")

    def on_mount(self) -> None:
        self.refresh_data(self.game_app.view)

    def refresh_data(self, data: PanelData) -> None:
        info = self.game_app.last_info()
        parts: list[Any] = [Text(t("tui.context.model", name=data.narrator or "—", n_ctx=data.n_ctx or "—"),
                                 style="bold")]
        parts.append(Text(""))
        if info:
            parts.append(render_mapping(info, title=t("tui.context.info")))
        else:
            parts.append(Text(t("tui.context.none"), style="italic"))
        parts.append(Text(""))
        prompt = {t("tui.context.memory"): (data.memory or "").strip() or t("tui.panel.empty"),
                  t("tui.context.note"): (data.note or "").strip() or t("tui.panel.empty"),
                  t("tui.context.steer"): ", ".join(f"{k} {v:+.1f}" for k, v in data.steer.items())
                  or t("tui.panel.steer_off")}
        parts.append(render_mapping(prompt, title=t("tui.context.parts")))
        self.query_one("#context-body", Static).update(Group(*parts))


# ------------------------------------------------------------------------------------------- steering

class SteerScreen(_Modal):
    """Steering attributes with their strengths: +/- step by 0.1, Space turns one on/off (``/steer``)."""

    BINDINGS = [
        Binding("plus,equals_sign,right", "step(1)", "+", show=False),
        Binding("minus,left", "step(-1)", "-", show=False),
        Binding("space", "toggle", t("tui.steer.on"), show=False),
        Binding("0", "all_off", t("tui.steer.off"), show=False),
    ]
    STEP = 0.1

    def __init__(self) -> None:
        super().__init__()
        self.remembered: dict[str, float] = {}
        self.values: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="steer-dialog"):
            yield Label(t("tui.steer.title"), classes="dialog-title")
            yield DataTable(id="steer-table", cursor_type="row")
            yield Static(t("tui.steer.empty"), id="steer-empty")
            yield Input(placeholder=t("tui.steer.add"), id="steer-add", compact=True)
            yield Label(t("tui.steer.help"), classes="dialog-help")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(t("tui.steer.attr"), t("tui.steer.value"), "")
        self.refresh_data(self.game_app.view)
        table.focus()

    def refresh_data(self, data: PanelData) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.values = {attr: data.steer.get(attr, 0.0) for attr in data.steer_known}
        for attr, value in self.values.items():
            if value:
                self.remembered[attr] = value
            table.add_row(attr, Text(f"{value:+.1f}", justify="right"),
                          t("tui.steer.on") if value else t("tui.steer.off"), key=attr)
        self.query_one("#steer-empty").display = not self.values
        if self.values:
            table.move_cursor(row=min(row, len(self.values) - 1))

    def _current(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return list(self.values)[table.cursor_row]

    def _set(self, attr: str, value: float) -> None:
        value = round(max(-1.0, min(1.0, value)), 2)
        self.game_app.submit(f"/steer {shlex.quote(attr)} {value:g}")

    def action_step(self, direction: int) -> None:
        attr = self._current()
        if attr is not None:
            self._set(attr, self.values.get(attr, 0.0) + direction * self.STEP)

    def action_toggle(self) -> None:
        attr = self._current()
        if attr is None:
            return
        if self.values.get(attr):
            self.remembered[attr] = self.values[attr]
            self._set(attr, 0.0)
        else:
            default = self.game_app.view.steer_defaults.get(attr) or 0.5
            self._set(attr, self.remembered.get(attr, default))

    def action_all_off(self) -> None:
        self.game_app.submit("/steer off")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        event.input.value = ""
        if name:
            self._set(name, 0.5)
            self.query_one(DataTable).focus()


# ------------------------------------------------------------------------------------------- sampler

class SettingsScreen(_Modal):
    """The sampler settings, one line each; Enter on a value sends ``/set key value``."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="settings-dialog"):
            yield Label(t("tui.settings.title"), classes="dialog-title")
            with VerticalScroll(id="settings-scroll"):
                for key, value in self.game_app.view.sampling.items():
                    with Horizontal(classes="setting"):
                        yield Label(key, classes="setting-label")
                        yield Input(self._show(value), id=f"set-{key}", classes="setting-input", compact=True)
            yield Label("", id="setting-about", classes="dialog-help")
            yield Label(t("tui.settings.help"), classes="dialog-help")

    def on_descendant_focus(self, event) -> None:
        key = (getattr(event.widget, "id", None) or "").removeprefix("set-")
        about = self.game_app.view.sampling_help.get(key, "")
        self.query_one("#setting-about", Label).update(Text.assemble((key, "bold"), "  ", about) if about else "")

    def on_mount(self) -> None:
        self.shown_keys = list(self.game_app.view.sampling)
        if not self.game_app.view.sampling_help:  # the settings module is not loaded yet (it pulls in torch)
            self.game_app.run_between_turns(_load_settings_module)
        self._focus_first()

    def _focus_first(self) -> None:
        inputs = list(self.query(".setting-input"))
        if inputs:
            inputs[0].focus()

    @staticmethod
    def _show(value: Any) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = (event.input.id or "").removeprefix("set-")
        if key and event.value.strip():
            self.game_app.submit(f"/set {key} {shlex.quote(event.value.strip())}")

    async def refresh_data(self, data: PanelData) -> None:
        if list(data.sampling) != self.shown_keys:
            self.shown_keys = list(data.sampling)
            await self.recompose()
            self._focus_first()
            return
        for key, value in data.sampling.items():
            for widget in self.query(f"#set-{key}"):
                if isinstance(widget, Input) and not widget.has_focus:
                    widget.value = self._show(value)


def _load_settings_module() -> None:
    import adventure.generation.settings  # noqa: F401


# ------------------------------------------------------------------------------------------- memory / note

class TextEditScreen(_Modal):
    """Edit the narrator's memory or the author's note; Ctrl+S sends ``/memory``/``/note`` with the text."""

    BINDINGS = [
        Binding("ctrl+s", "save", t("tui.edit.help"), show=False),
        Binding("ctrl+r", "reset", t("reset.done"), show=False),
    ]

    def __init__(self, command: str, title: str, text: str):
        super().__init__()
        self.command = command
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="edit-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield TextArea(self.text, id="edit-area", soft_wrap=True, show_line_numbers=False)
            yield Label(t("tui.edit.help"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text.strip()
        self.game_app.submit(f"/{self.command} {shlex.quote(text)}")
        self.dismiss(None)

    def action_reset(self) -> None:
        self.game_app.submit(f"/{self.command} reset")
        self.dismiss(None)


# ------------------------------------------------------------------------------------------- help

class HelpScreen(_Modal):
    """Every binding (with its id, for keys.toml) and every slash command."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(t("tui.help.title"), classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(self._body(), id="help-body")
            yield Label(t("tui.help.close"), classes="dialog-help")

    def _body(self) -> Group:
        app = self.game_app
        keys = Table(expand=True, box=box.SIMPLE_HEAD, header_style="bold")
        keys.add_column(t("tui.help.keys"), no_wrap=True)
        keys.add_column(t("tui.help.action"), ratio=1)
        keys.add_column("id", no_wrap=True, style="dim")
        for binding_id, key_display, description in app.binding_rows():
            keys.add_row(key_display, description, binding_id)
        cmds = Table(expand=True, box=box.SIMPLE_HEAD, header_style="bold")
        cmds.add_column(t("tui.help.commands"), no_wrap=True)
        cmds.add_column(t("tui.help.action"), ratio=1)
        for c in app.view.commands:
            cmds.add_row(f"/{c.name} {c.usage}".rstrip(), c.help)
        return Group(keys, Text(""), cmds, Text(""), Text(t("help.choice").strip()), Text(t("help.free").strip()),
                     Text(""), Text(t("tui.help.keyfile", path=app.keymap_hint_path()), style="italic"))


# ------------------------------------------------------------------------------------------- history

class HistoryScreen(_Modal):
    """The whole story, including passages no longer mounted in the main log (a virtualised RichLog)."""

    def __init__(self, passages: list[tuple[str, str]]):
        super().__init__()
        self.passages = passages

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="history-dialog"):
            yield Label(t("tui.history.title", count=len(self.passages)), classes="dialog-title")
            yield RichLog(id="history-log", wrap=True, markup=False, auto_scroll=True)
            yield Label(t("tui.help.close"), classes="dialog-help")

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        for kind, text in self.passages:
            if kind == "action":
                log.write(Text(f"› {text}", style="bold"))
            else:
                log.write(Text(text))
            log.write(Text(""))
