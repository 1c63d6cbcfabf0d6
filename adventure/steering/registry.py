"""Finding plugins: the project's ``plugins/`` folder, the ``adventure.plugins`` entry-point group, and the
user's plugins folder (``<data dir>/adventure/plugins`` from platformdirs).

A plugin module (a ``.py`` file or a package folder; names starting with ``_`` are skipped) exposes
``plugin`` (an object, a class or a factory) or ``plugins`` (a list of them). An entry point names the same
kind of object (``my_pkg.fear:plugin``). The first plugin with a given name wins; later ones are listed as
shadowed. A module that fails to import is listed with its error instead of breaking the game.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import importlib.util
import inspect
import os
import pathlib
import sys
import threading
from typing import Any, Iterable

from .api import hook_labels

ENTRY_POINT_GROUP = "adventure.plugins"
# The project's plugins/ folder in a checkout; in an installed wheel the same files can ship as the
# ``adventure.builtin_plugins`` package (map it in pyproject's package-dir, as stories/ is).
_CHECKOUT_DIR = pathlib.Path(__file__).resolve().parents[2] / "plugins"
_INSTALLED_DIR = pathlib.Path(__file__).resolve().parents[1] / "builtin_plugins"
PROJECT_DIR = _CHECKOUT_DIR if _CHECKOUT_DIR.is_dir() or not _INSTALLED_DIR.is_dir() else _INSTALLED_DIR
ENV_DIRS = "ADVENTURE_PLUGIN_DIRS"      # extra folders (os.pathsep-separated)
ENV_DISABLE = "ADVENTURE_NO_PLUGINS"     # "1": load no plugins at all


def user_plugin_dir() -> pathlib.Path:
    import platformdirs

    return pathlib.Path(platformdirs.user_data_dir("adventure")) / "plugins"


@dataclasses.dataclass
class PluginInfo:
    name: str
    origin: str                      # "project" | "entry-point" | "user" | "folder" | "given"
    source: str                      # file path or "module:attr (distribution)"
    plugin: Any = None
    version: str = ""
    status: str = "ok"               # "ok" | "error" | "shadowed"
    error: str = ""
    description: str = ""

    @property
    def hooks(self) -> list[str]:
        return hook_labels(self.plugin) if self.plugin is not None else []

    @property
    def default_enabled(self) -> bool:
        return bool(getattr(self.plugin, "default_enabled", True)) if self.plugin is not None else False


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:240] + ("…" if len(text) > 240 else "")


def _instantiate(obj: Any) -> list[Any]:
    """A plugin object, a class (instantiated without arguments) or a factory; lists are flattened."""
    if isinstance(obj, (list, tuple)):
        out = []
        for item in obj:
            out.extend(_instantiate(item))
        return out
    if inspect.isclass(obj):
        return [obj()]
    if callable(obj) and not hasattr(obj, "name") and (inspect.isfunction(obj) or inspect.ismethod(obj)):
        return _instantiate(obj())
    return [obj]


def _plugins_of_module(module) -> list[Any]:
    if hasattr(module, "plugins"):
        return _instantiate(module.plugins)
    if hasattr(module, "plugin"):
        return _instantiate(module.plugin)
    raise ValueError("the module defines neither `plugin` nor `plugins`")


def _check(obj: Any) -> None:
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{type(obj).__name__} has no `name`")


def load_module_from_path(path: pathlib.Path, origin: str):
    path = path.resolve()
    target = path / "__init__.py" if path.is_dir() else path
    tag = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    mod_name = f"adventure_plugins_{origin.replace('-', '_')}_{tag}_{path.stem}"
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(
        mod_name, target, submodule_search_locations=[str(path)] if path.is_dir() else None)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {target}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(mod_name, None)
        raise
    return module


def _folder_candidates(folder: pathlib.Path) -> list[pathlib.Path]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(("_", ".")):
            continue
        if p.is_file() and p.suffix == ".py":
            out.append(p)
        elif p.is_dir() and (p / "__init__.py").is_file():
            out.append(p)
    return out


def _from_folder(folder: pathlib.Path, origin: str) -> list[PluginInfo]:
    infos = []
    for path in _folder_candidates(folder):
        try:
            objs = _plugins_of_module(load_module_from_path(path, origin))
            for obj in objs:
                _check(obj)
                infos.append(PluginInfo(name=obj.name, origin=origin, source=str(path), plugin=obj,
                                        version=str(getattr(obj, "version", "") or ""),
                                        description=str(getattr(obj, "description", "") or "")))
        except Exception as exc:
            infos.append(PluginInfo(name=path.stem, origin=origin, source=str(path), status="error",
                                    error=_one_line(exc)))
    return infos


def _from_entry_points(group: str = ENTRY_POINT_GROUP) -> list[PluginInfo]:
    infos = []
    try:
        eps = importlib.metadata.entry_points(group=group)
    except Exception:  # a broken installation: no entry-point plugins
        return infos
    for ep in eps:
        dist = getattr(getattr(ep, "dist", None), "name", None)
        source = f"{ep.value}" + (f" ({dist})" if dist else "")
        try:
            objs = _instantiate(ep.load())
            for obj in objs:
                _check(obj)
                version = str(getattr(obj, "version", "") or "")
                if not version and dist:
                    try:
                        version = importlib.metadata.version(dist)
                    except importlib.metadata.PackageNotFoundError:
                        pass
                infos.append(PluginInfo(name=obj.name, origin="entry-point", source=source, plugin=obj,
                                        version=version, description=str(getattr(obj, "description", "") or "")))
        except Exception as exc:
            infos.append(PluginInfo(name=ep.name, origin="entry-point", source=source, status="error",
                                    error=_one_line(exc)))
    return infos


def discover(*, project_dir: pathlib.Path | None = PROJECT_DIR, entry_points: bool = True,
             user_dir: pathlib.Path | None | bool = True, extra_dirs: Iterable[pathlib.Path] = (),
             given: Iterable[Any] = ()) -> list[PluginInfo]:
    """Every plugin found, in priority order (the first of a name is used, the rest are ``shadowed``)."""
    if os.environ.get(ENV_DISABLE, "").strip() in ("1", "true", "yes"):
        return []
    infos: list[PluginInfo] = []
    for obj in given:
        _check(obj)
        infos.append(PluginInfo(name=obj.name, origin="given", source=type(obj).__module__, plugin=obj,
                                version=str(getattr(obj, "version", "") or "")))
    if project_dir is not None:
        infos += _from_folder(pathlib.Path(project_dir), "project")
    if entry_points:
        infos += _from_entry_points()
    for d in extra_dirs:
        infos += _from_folder(pathlib.Path(d), "folder")
    for d in os.environ.get(ENV_DIRS, "").split(os.pathsep):
        if d.strip():
            infos += _from_folder(pathlib.Path(d.strip()), "folder")
    if user_dir is True:
        user_dir = user_plugin_dir()
    if user_dir:
        infos += _from_folder(pathlib.Path(user_dir), "user")
    seen: set[str] = set()
    for info in infos:
        if info.status != "ok":
            continue
        if info.name in seen:
            info.status = "shadowed"
            info.error = "another plugin with this name was found first"
        seen.add(info.name)
    return infos


class PluginRegistry:
    """The plugins of one game process. Thread-safe for reads; ``reload()`` rediscovers."""

    def __init__(self, infos: list[PluginInfo]):
        self.infos = infos
        self._lock = threading.Lock()

    @classmethod
    def discover(cls, **kw) -> "PluginRegistry":
        return cls(discover(**kw))

    @classmethod
    def of(cls, plugins: Iterable[Any]) -> "PluginRegistry":
        """A registry holding exactly ``plugins`` (tests, embedding)."""
        return cls(discover(project_dir=None, entry_points=False, user_dir=None, given=list(plugins)))

    @property
    def plugins(self) -> list[Any]:
        return [i.plugin for i in self.infos if i.status == "ok"]

    def get(self, name: str) -> Any | None:
        for info in self.infos:
            if info.status == "ok" and info.name == name:
                return info.plugin
        return None

    def info(self, name: str) -> PluginInfo | None:
        for info in self.infos:
            if info.name == name:
                return info
        return None

    def enabled(self, methods: Iterable[str] | None = None) -> list[Any]:
        """Plugins that run: the named ones when ``methods`` is given (unknown names are ignored here),
        otherwise those enabled by default."""
        if methods is None:
            return [p for p in self.plugins if getattr(p, "default_enabled", True)]
        wanted = list(dict.fromkeys(methods))
        return [p for name in wanted for p in self.plugins if p.name == name]


@functools.lru_cache(maxsize=1)
def default_registry() -> PluginRegistry:
    """The process-wide registry (discovered once; ``default_registry.cache_clear()`` to rediscover)."""
    return PluginRegistry.discover()
