"""Loading a story pack folder: manifest, includes, validation, compilation, and lint.

``load_pack`` returns a ready ``Pack`` (plus warnings) or raises ``PackError`` carrying every located
diagnostic. It never lets a traceback through for bad input: YAML problems, schema violations and
semantic mistakes all become ``path:line:col: error CODE: message`` lines.
"""

from __future__ import annotations

import difflib
import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import expressions as ex
from .diagnostics import Diagnostic, Location, PackError, error, warning
from .schema import (Choice, IncludeFile, Manifest, NarrateBlock, Scene, VarDecl, WorldInfo,
                     declared_type, default_of)
from .templates import template_fields
from .yamlsource import SourceDoc, YamlProblem, load_yaml_file

MANIFEST_NAMES = ("pack.yaml", "pack.yml")
MAX_INCLUDES = 200
BUILTIN_VARS = {"turn": "int", "scene": "str"}


@dataclass
class SceneSource:
    """Where a scene was written, so runtime errors and lint can point at it."""

    doc: SourceDoc
    key: tuple


@dataclass
class Pack:
    """A loaded, validated, compiled story pack."""

    root: Path
    manifest: Manifest
    scenes: dict[str, Scene]
    world_info: list[WorldInfo]
    var_types: dict[str, str]
    defaults: dict[str, Any]
    conditions: dict[str, ex.Node] = field(default_factory=dict)
    effects: dict[str, ex.Assign] = field(default_factory=dict)
    sources: dict[str, SceneSource] = field(default_factory=dict)
    world_sources: list[tuple[SourceDoc, tuple]] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    manifest_doc: SourceDoc | None = None   # where pack.yaml's keys lie, for diagnostics found after loading

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def title(self) -> str:
        return self.manifest.title

    @property
    def version(self) -> str:
        return str(self.manifest.version)

    @property
    def start(self) -> str:
        return self.manifest.start

    def scene_location(self, scene_id: str) -> str:
        src = self.sources.get(scene_id)
        if not src:
            return str(self.root)
        loc = src.doc.loc(src.key)
        return f"{loc.path}:{loc.line}:{loc.col}"


# ------------------------------------------------------------------ pydantic errors -> locations

_ALL_KEYS = sorted({name for model in (Manifest, IncludeFile, Scene, Choice, NarrateBlock, WorldInfo, VarDecl)
                    for name in model.model_fields})


def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep the parts of a pydantic error location that index real data (drop union-branch names)."""
    path: list = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and part not in cur and part == loc[-1]:
            path.append(part)  # a missing or extra key: keep it for the message
            break
    return tuple(path)


def _schema_diagnostics(exc: ValidationError, doc: SourceDoc) -> list[Diagnostic]:
    seen: set[tuple] = set()
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        path = _data_path(doc.data, tuple(err["loc"]))
        kind = err["type"]
        if path in seen:
            continue
        seen.add(path)
        dotted = ".".join(str(p) for p in path) or "(top level)"
        if kind == "extra_forbidden":
            key = path[-1] if path else "?"
            loc = doc.key_locations.get(path) or doc.loc(path)
            hint = difflib.get_close_matches(str(key), _ALL_KEYS, n=1)
            msg = f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        elif kind == "missing":
            loc = doc.loc(path[:-1])
            parent = ".".join(str(p) for p in path[:-1]) or "the top level"
            msg = f"missing required key {path[-1]!r} in {parent}"
        else:
            loc = doc.loc(path)
            msg = f"{dotted}: {err['msg']}"
            if kind in ("model_type", "dict_type") and isinstance(err.get("input"), (str, int, float, bool, list)):
                msg = f"{dotted}: expected a mapping of keys, got {type(err['input']).__name__}"
        out.append(error(loc, "ADV010", msg))
    return out


def _validate(model: type[BaseModel], doc: SourceDoc) -> tuple[Any, list[Diagnostic]]:
    if not isinstance(doc.data, dict):
        return None, [error(doc.loc(()), "ADV010",
                            f"expected a mapping of keys at the top of the file, got {type(doc.data).__name__}")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, _schema_diagnostics(exc, doc)


# ------------------------------------------------------------------ loading

class _Loader:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.diags: list[Diagnostic] = []
        self.docs: list[SourceDoc] = []
        self.files: list[Path] = []
        self.scenes: dict[str, Scene] = {}
        self.scene_src: dict[str, SceneSource] = {}
        self.world: list[tuple[WorldInfo, SourceDoc, tuple]] = []

    def display(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def read(self, path: Path, model: type[BaseModel]) -> tuple[Any, SourceDoc | None]:
        try:
            doc = load_yaml_file(path, self.display(path))
        except YamlProblem as exc:
            self.diags.append(exc.diagnostic)
            return None, None
        self.docs.append(doc)
        self.files.append(path)
        obj, diags = _validate(model, doc)
        self.diags.extend(diags)
        return obj, doc

    def collect(self, obj: IncludeFile, doc: SourceDoc) -> None:
        for sid, scene in obj.scenes.items():
            if sid in self.scenes:
                first = self.scene_src[sid].doc.loc(self.scene_src[sid].key)
                self.diags.append(error(doc.key_locations.get(("scenes", sid)) or doc.loc(("scenes", sid)), "ADV031",
                                        f"duplicate scene id {sid!r} (first defined at {first.path}:{first.line})"))
                continue
            self.scenes[sid] = scene
            self.scene_src[sid] = SceneSource(doc, ("scenes", sid))
        for i, entry in enumerate(obj.world_info):
            self.world.append((entry, doc, ("world_info", i)))

    def include(self, obj: IncludeFile, doc: SourceDoc, base: Path, stack: list[Path]) -> None:
        for i, pattern in enumerate(obj.includes):
            loc = doc.loc(("includes", i))
            if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
                self.diags.append(error(loc, "ADV020", f"include {pattern!r} must be a path inside the pack folder"))
                continue
            matches = sorted(glob.glob(str(base / pattern))) if any(c in pattern for c in "*?[") else [str(base / pattern)]
            if not matches:
                self.diags.append(error(loc, "ADV020", f"include pattern {pattern!r} matches no file"))
                continue
            for m in matches:
                target = Path(m)
                if not target.exists():
                    self.diags.append(error(loc, "ADV020", f"included file {pattern!r} not found"))
                    continue
                resolved = target.resolve()
                if resolved in stack:
                    chain = " -> ".join(self.display(p) for p in stack + [resolved])
                    self.diags.append(error(loc, "ADV021", f"include cycle: {chain}"))
                    continue
                if resolved in [f.resolve() for f in self.files]:
                    continue  # included twice from different places: read once
                if len(self.files) >= MAX_INCLUDES:
                    self.diags.append(error(loc, "ADV020", f"more than {MAX_INCLUDES} included files"))
                    return
                sub, subdoc = self.read(target, IncludeFile)
                if sub is not None and subdoc is not None:
                    self.collect(sub, subdoc)
                    self.include(sub, subdoc, target.parent, stack + [resolved])


def find_manifest(path: Path) -> Path:
    if path.is_file():
        return path
    for name in MANIFEST_NAMES:
        if (path / name).is_file():
            return path / name
    return path / MANIFEST_NAMES[0]


def load_pack(path: str | Path, *, lint: bool = True) -> Pack:
    """Load and validate a pack folder (or its pack.yaml). Raises PackError with every problem found."""
    path = Path(path)
    manifest_path = find_manifest(path)
    loader = _Loader(manifest_path.parent)
    if not path.exists():
        raise PackError([error(Location(str(path)), "ADV002", "no such pack folder or file")])
    if not manifest_path.exists():
        raise PackError([error(Location(loader.display(manifest_path)), "ADV002",
                               "no pack.yaml in this folder (is it a story pack?)")])
    manifest, doc = loader.read(manifest_path, Manifest)
    if manifest is None or doc is None:
        raise PackError(loader.diags)
    loader.collect(manifest, doc)
    loader.include(manifest, doc, manifest_path.parent, [manifest_path.resolve()])
    pack = Pack(root=loader.root, manifest=manifest, scenes=loader.scenes,
                world_info=[w for w, _, _ in loader.world], var_types={}, defaults={},
                sources=loader.scene_src, files=loader.files,
                world_sources=[(d, k) for _, d, k in loader.world], manifest_doc=doc)
    diags = list(loader.diags)
    diags += _compile(pack, doc, loader)
    if lint:
        diags += _lint(pack, doc)
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise PackError(sorted(diags, key=lambda d: (d.severity != "error", d.path, d.line, d.col)))
    pack.warnings = diags
    return pack


# ------------------------------------------------------------------ compile: state, conditions, effects, templates

def _scalar_offset(doc: SourceDoc, key: tuple) -> int:
    """Column shift from the YAML scalar's start to its text (1 for a quoted single-line scalar)."""
    return 1 if doc.quoted.get(key) else 0


def _compile(pack: Pack, manifest_doc: SourceDoc, loader: _Loader) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    m = pack.manifest
    var_types: dict[str, str] = dict(BUILTIN_VARS)
    defaults: dict[str, Any] = {}
    var_types["inventory"] = "set"
    defaults["inventory"] = []
    for name, decl in m.state.items():
        loc = manifest_doc.key_locations.get(("state", name)) or manifest_doc.loc(("state", name))
        if not name.isidentifier() or name in ex.KEYWORDS:
            diags.append(error(loc, "ADV010", f"state variable name {name!r} must be a plain word, not a keyword"))
            continue
        if name in BUILTIN_VARS:
            diags.append(error(loc, "ADV031", f"{name!r} is a built-in variable; pick another name"))
            continue
        t = declared_type(decl)
        if t is None:
            diags.append(error(loc, "ADV010", f"cannot tell the type of state variable {name!r}: give it a default or a type"))
            continue
        default = default_of(decl)
        if isinstance(decl, VarDecl) and decl.default is not None and declared_type(decl.default) not in (
                t, "int" if t == "float" else None):
            diags.append(error(manifest_doc.loc(("state", name, "default")), "ADV042",
                               f"default of {name!r} does not match its type {t}"))
            continue
        var_types[name] = t
        defaults[name] = default
    pack.var_types = var_types
    pack.defaults = defaults
    scene_ids = set(pack.scenes)
    readonly = set(BUILTIN_VARS)

    def cond(src: str, doc: SourceDoc, key: tuple) -> None:
        if src in pack.conditions:
            return
        base = doc.loc(key).shifted(_scalar_offset(doc, key))
        try:
            node = ex.parse_condition(src)
            ex.check_condition(node, var_types, scene_ids)
            pack.conditions[src] = node
        except ex.ExprError as e:
            diags.append(error(base.shifted(e.offset), e.code, f"{e.message} in condition {src!r}"))

    def effect(src: str, doc: SourceDoc, key: tuple) -> None:
        if src in pack.effects:
            return
        base = doc.loc(key).shifted(_scalar_offset(doc, key))
        try:
            eff = ex.parse_effect(src)
            if eff.target in readonly:
                raise ex.ExprError(f"{eff.target!r} is read-only", eff.pos, "ADV042")
            ex.check_effect(eff, var_types, scene_ids)
            pack.effects[src] = eff
        except ex.ExprError as e:
            diags.append(error(base.shifted(e.offset), e.code, f"{e.message} in effect {src!r}"))

    def template(src: str | None, doc: SourceDoc, key: tuple) -> None:
        if not src:
            return
        try:
            for name, _off in template_fields(src):
                if name not in var_types:
                    diags.append(error(doc.loc(key), "ADV041",
                                       f"template uses undeclared variable {{{name}}}"))
        except ValueError as e:
            diags.append(error(doc.loc(key), "ADV043", f"bad template: {e.args[0]} (write {{{{ for a literal brace)"))

    for sid, scene in pack.scenes.items():
        src = pack.sources[sid]
        doc, k = src.doc, src.key
        template(scene.text, doc, k + ("text",))
        for i, e in enumerate(scene.on_enter):
            effect(e, doc, k + ("on_enter", i))
        if scene.narrate:
            template(scene.narrate.prompt, doc, k + ("narrate", "prompt"))
            template(scene.narrate.fallback, doc, k + ("narrate", "fallback"))
        for ci, choice in enumerate(scene.choices):
            ck = k + ("choices", ci)
            template(choice.text, doc, ck + ("text",))
            template(choice.say, doc, ck + ("say",))
            if choice.when:
                cond(choice.when, doc, ck + ("when",))
            for ei, e in enumerate(choice.effects):
                effect(e, doc, ck + ("effects", ei))
    return diags


# ------------------------------------------------------------------ lint: graph checks

def _lint(pack: Pack, manifest_doc: SourceDoc) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    scenes = pack.scenes
    if pack.start not in scenes:
        hint = difflib.get_close_matches(pack.start, list(scenes), n=1)
        diags.append(error(manifest_doc.loc(("start",)), "ADV034",
                           f"start scene {pack.start!r} does not exist" + (f" (did you mean {hint[0]!r}?)" if hint else "")))
    for sid, scene in scenes.items():
        src = pack.sources[sid]
        for ci, choice in enumerate(scene.choices):
            if choice.goto and choice.goto not in scenes:
                hint = difflib.get_close_matches(choice.goto, list(scenes), n=1)
                diags.append(error(src.doc.loc(src.key + ("choices", ci, "goto")), "ADV030",
                                   f"choice goes to unknown scene {choice.goto!r}"
                                   + (f" (did you mean {hint[0]!r}?)" if hint else "")))
        if not scene.choices and not scene.ending and not scene.open:
            diags.append(error(src.doc.key_locations.get(src.key) or src.doc.loc(src.key), "ADV033",
                               f"scene {sid!r} is a dead end: it has no choices and is not an ending "
                               "(add choices, an ending:, or open: true for a free-text scene)"))
    if pack.start in scenes:
        seen = {pack.start}
        todo = [pack.start]
        while todo:
            for choice in scenes[todo.pop()].choices:
                if choice.goto in scenes and choice.goto not in seen:
                    seen.add(choice.goto)
                    todo.append(choice.goto)
        for sid in scenes:
            if sid not in seen:
                src = pack.sources[sid]
                diags.append(warning(src.doc.key_locations.get(src.key) or src.doc.loc(src.key), "ADV032",
                                     f"scene {sid!r} cannot be reached from the start scene"))
    for entry, (wdoc, wkey) in zip(pack.world_info, pack.world_sources):
        if not entry.keys and not entry.constant:
            diags.append(warning(wdoc.loc(wkey), "ADV010",
                                 "world-info entry has no keys and is not constant, so it never fires"))
    diags += _check_sampling(pack, manifest_doc)
    seen_ids: set[str] = set()
    for entry, (wdoc, wkey) in zip(pack.world_info, pack.world_sources):
        if entry.id and entry.id in seen_ids:
            diags.append(error(wdoc.loc(wkey + ("id",)), "ADV031", f"duplicate world-info id {entry.id!r}"))
        elif entry.id:
            seen_ids.add(entry.id)
    return diags


def _check_sampling(pack: Pack, manifest_doc: SourceDoc) -> list[Diagnostic]:
    """``sampling:`` maps are checked against the settings the generator really has, so a typo such as
    ``temprature`` is an error at load time instead of a silently ignored line."""
    from ..generation.settings import SamplingSettings  # pydantic only: cheap

    places: list[tuple[dict, SourceDoc, tuple]] = [(pack.manifest.narrator.sampling, manifest_doc, ("narrator", "sampling"))]
    for sid, scene in pack.scenes.items():
        if scene.narrate and scene.narrate.sampling:
            src = pack.sources[sid]
            places.append((scene.narrate.sampling, src.doc, src.key + ("narrate", "sampling")))
    diags: list[Diagnostic] = []
    for mapping, doc, key in places:
        known: dict[str, object] = {}
        for name, value in mapping.items():
            loc = doc.key_locations.get(key + (name,)) or doc.loc(key + (name,))
            try:
                known[SamplingSettings.canonical_key(name)] = value
            except ValueError:
                hint = difflib.get_close_matches(name, list(SamplingSettings.SETTABLE_KEYS), n=1)
                diags.append(error(loc, "ADV045", f"unknown sampling setting {name!r}"
                                   + (f" (did you mean {hint[0]!r}?)" if hint else "")))
        try:
            SamplingSettings().with_overrides(**known)
        except Exception as exc:
            diags.append(error(doc.loc(key), "ADV045", SamplingSettings.describe_error(exc)))
    return diags
