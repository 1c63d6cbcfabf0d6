"""Save files: versioned JSON, written atomically, never half-written, never loaded if corrupt.

A save holds the game state and the undo/redo history, so undo survives a reload. Writes go to a temp
file in the same folder, are fsynced, then renamed over the target, so a crash leaves either the old or
the new file. Each autosave keeps the one before it as ``autosave.prev``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import BaseModel, Field, ValidationError

from .engine.state import GameState, TurnRecord

SAVE_SCHEMA_VERSION = 1
AUTOSAVE = "autosave"
NAME_RE = re.compile(r"^[\w\-]{1,64}$")


class SaveError(Exception):
    """A save that cannot be read or written; str() is one readable sentence."""


class SaveFile(BaseModel):
    schema_version: int
    pack_id: str
    pack_version: str
    saved_at: str
    state: GameState
    undo: list[TurnRecord] = Field(default_factory=list)
    redo: list[TurnRecord] = Field(default_factory=list)


@dataclass(frozen=True)
class SlotInfo:
    name: str
    path: Path
    scene: str
    turn: int
    saved_at: str


def default_save_root() -> Path:
    return Path(user_data_dir("adventure", appauthor=False)) / "saves"


def valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name)) and name not in (".", "..")


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename durable too
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


class SaveStore:
    """The save slots of one pack: ``<root>/<pack_id>/<name>.json``."""

    def __init__(self, root: Path | str | None, pack_id: str):
        self.root = Path(root) if root else default_save_root()
        self.dir = self.root / pack_id
        self.pack_id = pack_id

    def path(self, name: str) -> Path:
        return self.dir / f"{name}.json"

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def write(self, name: str, save: SaveFile) -> Path:
        if not valid_name(name) and name != f"{AUTOSAVE}.prev":
            raise SaveError(f"invalid save name {name!r}")
        target = self.path(name)
        text = save.model_dump_json(indent=1)
        try:
            if name == AUTOSAVE and target.exists():
                os.replace(target, self.path(f"{AUTOSAVE}.prev"))
            atomic_write_text(target, text)
        except OSError as exc:
            raise SaveError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target

    def read(self, name: str) -> SaveFile:
        path = self.path(name)
        return read_save_file(path)

    def slots(self) -> list[SlotInfo]:
        out: list[SlotInfo] = []
        if not self.dir.is_dir():
            return out
        for path in sorted(self.dir.glob("*.json")):
            try:
                save = read_save_file(path)
            except SaveError:
                continue
            out.append(SlotInfo(path.stem, path, save.state.scene, save.state.turn, save.saved_at))
        return sorted(out, key=lambda s: s.saved_at, reverse=True)


def read_save_file(path: Path) -> SaveFile:
    """Read and check a save; raises SaveError with a one-sentence reason for anything wrong."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SaveError("file not found") from None
    except OSError as exc:
        raise SaveError(f"cannot read: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SaveError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SaveError(f"not valid JSON (truncated?) at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise SaveError("not a save file")
    version = data.get("schema_version")
    if version != SAVE_SCHEMA_VERSION:
        raise SaveError(f"unsupported save format version {version!r} (this game reads version {SAVE_SCHEMA_VERSION})")
    try:
        return SaveFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SaveError(f"bad field {where}: {first['msg']}") from None


def new_save(pack_id: str, pack_version: str, state: GameState, undo: list[TurnRecord],
             redo: list[TurnRecord]) -> SaveFile:
    return SaveFile(schema_version=SAVE_SCHEMA_VERSION, pack_id=pack_id, pack_version=pack_version,
                    saved_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    state=state, undo=undo, redo=redo)
