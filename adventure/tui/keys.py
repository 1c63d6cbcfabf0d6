"""Key bindings of the TUI, each with a stable id, and the user's remapping file.

Every binding has an id (``quit``, ``saves``, ``undo`` ...). To remap keys, create ``keys.toml`` (or
``keys.json``) in the user config folder — on Linux ``~/.config/adventure/keys.toml`` (``$XDG_CONFIG_HOME``
is honoured), on macOS ``~/Library/Application Support/adventure/keys.toml``, on Windows
``%LOCALAPPDATA%\\adventure\\keys.toml`` — mapping binding ids to Textual key names, several keys separated
by commas::

    # keys.toml
    undo = "ctrl+u"
    saves = "f2,ctrl+s"
    choose_1 = "1,a"

or, as JSON, ``{"undo": "ctrl+u", "saves": "f2,ctrl+s"}``. Unknown ids and unreadable files are reported in
a notification and otherwise ignored; the help screen (F1) shows the keys in effect and the file's path.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir
from textual.binding import Binding


@dataclass(frozen=True)
class KeySpec:
    id: str
    keys: str
    action: str
    label_key: str  # ui_text key of the Korean description
    show: bool = False
    priority: bool = False


KEY_SPECS: tuple[KeySpec, ...] = (
    KeySpec("quit", "ctrl+q", "quit_game", "tui.key.quit", show=True, priority=True),
    KeySpec("cancel", "escape", "cancel_turn", "tui.key.cancel"),
    KeySpec("saves", "ctrl+s", "open_saves", "tui.key.saves", show=True),
    KeySpec("undo", "ctrl+z", "undo", "tui.key.undo", show=True),
    KeySpec("redo", "ctrl+y", "redo", "tui.key.redo"),
    KeySpec("retry", "ctrl+r", "retry", "tui.key.retry", show=True),
    KeySpec("help", "f1", "open_help", "tui.key.help", show=True),
    KeySpec("steer", "f2", "open_steer", "tui.key.steer"),
    KeySpec("settings", "f3", "open_settings", "tui.key.settings"),
    KeySpec("context", "f4", "open_context", "tui.key.context"),
    KeySpec("memory", "f5", "edit_memory", "tui.key.memory"),
    KeySpec("note", "f6", "edit_note", "tui.key.note"),
    KeySpec("history", "f7", "open_history", "tui.key.history"),
    KeySpec("theme", "f8", "toggle_theme", "tui.key.theme"),
    KeySpec("palette", "ctrl+p", "command_palette", "tui.key.palette"),
    KeySpec("focus_input", "ctrl+l", "focus_input", "tui.key.focus_input"),
    *(KeySpec(f"choose_{n}", str(n), f"choose({n})", "tui.key.choose") for n in range(1, 10)),
)

KEY_IDS = frozenset(spec.id for spec in KEY_SPECS)


def app_bindings() -> list[Binding]:
    """The app's bindings, descriptions in Korean, each with its id (so a keymap can remap it)."""
    from ..ui_text import t

    return [Binding(spec.keys, spec.action, t(spec.label_key, n=spec.id.removeprefix("choose_")),
                    show=spec.show, priority=spec.priority, id=spec.id)
            for spec in KEY_SPECS]


def config_dir() -> Path:
    return Path(user_config_dir("adventure", appauthor=False))


def default_keymap_path() -> Path | None:
    """``keys.toml`` if present, else ``keys.json`` if present, else None."""
    base = config_dir()
    for name in ("keys.toml", "keys.json"):
        if (base / name).is_file():
            return base / name
    return None


def load_keymap(path: Path | None) -> tuple[dict[str, str], list[str]]:
    """Read a keymap file; returns (binding id -> keys, problems). Never raises."""
    if path is None:
        return {}, []
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        return {}, [f"{path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"]
    if not isinstance(data, dict):
        return {}, [f"{path}: not a table of binding ids"]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for key, value in data.items():
        if key not in KEY_IDS:
            problems.append(f"{path}: unknown binding id {key!r}")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            keymap[key] = ",".join(value)
        elif isinstance(value, str) and value.strip():
            keymap[key] = value.strip()
        else:
            problems.append(f"{path}: {key} must be a key name string")
    return keymap, problems
