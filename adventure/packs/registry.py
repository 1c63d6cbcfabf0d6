"""Finding packs by id: the bundled ones, the user's pack folder, and packs installed by other packages.

Other packages add packs through the entry-point group ``adventure.packs``; each entry point names a
callable returning a folder (or a list of folders) that hold ``pack.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import yaml
from platformdirs import user_data_dir

PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PackEntry:
    id: str
    title: str
    path: Path
    origin: str  # bundled | user | installed


def bundled_packs_dir() -> Path:
    """Packs shipped with the game: ``adventure/stories`` in a wheel, ``stories/`` in a source checkout."""
    for candidate in (PACKAGE_DIR / "stories", PACKAGE_DIR.parent / "stories"):
        if candidate.is_dir():
            return candidate
    return PACKAGE_DIR.parent / "stories"


def user_packs_dir() -> Path:
    return Path(user_data_dir("adventure", appauthor=False)) / "packs"


def _peek(path: Path) -> tuple[str, str] | None:
    """Read just the id and title of a pack without validating it (listing must not fail on a bad pack)."""
    manifest = path / "pack.yaml" if (path / "pack.yaml").is_file() else path / "pack.yml"
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")[:20000].split("\nscenes:")[0])
    except Exception:
        return (path.name, "(읽을 수 없는 팩)") if manifest.exists() else None
    if not isinstance(data, dict):
        return path.name, "(읽을 수 없는 팩)"
    return str(data.get("id", path.name)), str(data.get("title", path.name))


def _scan(folder: Path, origin: str) -> list[PackEntry]:
    out = []
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if (child / "pack.yaml").is_file() or (child / "pack.yml").is_file():
                peek = _peek(child)
                if peek:
                    out.append(PackEntry(peek[0], peek[1], child, origin))
    return out


def _installed() -> list[PackEntry]:
    out: list[PackEntry] = []
    for ep in entry_points(group="adventure.packs"):
        try:
            target = ep.load()
            paths = target() if callable(target) else target
            paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        except Exception:
            continue
        for p in paths:
            p = Path(p)
            if (p / "pack.yaml").is_file():
                peek = _peek(p)
                if peek:
                    out.append(PackEntry(peek[0], peek[1], p, f"installed ({ep.name})"))
            else:
                out.extend(_scan(p, f"installed ({ep.name})"))
    return out


def all_packs() -> list[PackEntry]:
    return _scan(bundled_packs_dir(), "bundled") + _scan(user_packs_dir(), "user") + _installed()


def resolve_pack(spec: str | None) -> Path:
    """A folder, a pack.yaml path, or a pack id; the default is the first bundled pack ('lantern')."""
    if spec is None:
        spec = "lantern"
    path = Path(spec)
    if path.exists():
        return path
    for entry in all_packs():
        if entry.id == spec or entry.path.name == spec:
            return entry.path
    return path  # let the loader report "no such pack folder"
