"""Story attributes (공포/horror, 전투/battle, ...) defined as data.

Each attribute is a YAML file (``adventure/steering/attributes/*.yaml``, plus any in the user's
``<config>/adventure/attributes/`` folder) with:

- ``name`` (Korean, canonical), ``english``, ``aliases``: every spelling players and packs may use;
- ``bag``: the steering bag of words (stems matched at the start of an eojeol, so particles still count);
- ``heldout``: a DISJOINT evaluation bag (no held-out word starts with a steering word or vice versa), used
  only to measure steering (``benchmarks/bench_steering.py``);
- ``contrast``: optional positive/negative sentence pairs (activation steering builds its vector from them
  when no corpus-derived vector is prepared for the model);
- ``label``: the corpus label whose passages train the discriminator head and contrast vectors;
- ``params``: optional per-plugin parameter overrides (``{pplm: {step_size: 0.03}}``).
"""

from __future__ import annotations

import functools
import pathlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

import yaml

BUILTIN_DIR = pathlib.Path(__file__).resolve().parent / "attributes"


class AttributeError_(ValueError):
    """An attribute file is malformed (message names the file)."""


@dataclass(frozen=True)
class Attribute:
    name: str                       # canonical (Korean) name, e.g. 공포
    english: str = ""
    aliases: tuple[str, ...] = ()
    label: str | None = None        # corpus label (discriminator class / contrast vector)
    description: str = ""
    bag: tuple[str, ...] = ()
    heldout: tuple[str, ...] = ()
    contrast_positive: tuple[str, ...] = ()
    contrast_negative: tuple[str, ...] = ()
    params: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False, compare=False)
    source: str = ""

    def spellings(self) -> list[str]:
        return [self.name, *( [self.english] if self.english else []), *self.aliases]

    def plugin_params(self, plugin: str) -> dict[str, Any]:
        return dict(self.params.get(plugin, {}))


def normalize_name(name: str) -> str:
    return unicodedata.normalize("NFC", str(name)).strip().casefold()


def _words(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise AttributeError_(f"{where}: '{key}' must be a list of non-empty strings")
    out = []
    for w in value:
        w = unicodedata.normalize("NFC", w.strip())
        if w not in out:
            out.append(w)
    return tuple(out)


def overlapping(a: Iterable[str], b: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs (x, y) with x from ``a`` and y from ``b`` where one starts with the other (they would share hits)."""
    return [(x, y) for x in a for y in b if x.startswith(y) or y.startswith(x)]


def parse_attribute(data: Any, where: str) -> Attribute:
    if not isinstance(data, dict):
        raise AttributeError_(f"{where}: an attribute file must be a mapping")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AttributeError_(f"{where}: 'name' is required")
    contrast = data.get("contrast") or {}
    if not isinstance(contrast, dict):
        raise AttributeError_(f"{where}: 'contrast' must be a mapping with positive/negative lists")
    params = data.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise AttributeError_(f"{where}: 'params' must map plugin names to mappings")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list):
        raise AttributeError_(f"{where}: 'aliases' must be a list")
    attr = Attribute(
        name=unicodedata.normalize("NFC", name.strip()),
        english=str(data.get("english") or "").strip(),
        aliases=tuple(str(a).strip() for a in aliases if str(a).strip()),
        label=(str(data["label"]).strip() if data.get("label") else None),
        description=str(data.get("description") or ""),
        bag=_words(data.get("bag"), where, "bag"),
        heldout=_words(data.get("heldout"), where, "heldout"),
        contrast_positive=_words(contrast.get("positive"), where, "contrast.positive"),
        contrast_negative=_words(contrast.get("negative"), where, "contrast.negative"),
        params={str(k): dict(v) for k, v in params.items()},
        source=where,
    )
    clash = overlapping(attr.bag, attr.heldout)
    if clash:
        pairs = ", ".join(f"{x}/{y}" for x, y in clash[:5])
        raise AttributeError_(f"{where}: the held-out bag must be disjoint from the steering bag ({pairs})")
    return attr


def load_attribute_file(path: pathlib.Path) -> Attribute:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AttributeError_(f"{path}: {' '.join(str(exc).split())}") from None
    return parse_attribute(data, str(path))


def user_attribute_dir() -> pathlib.Path:
    import platformdirs

    return pathlib.Path(platformdirs.user_config_dir("adventure")) / "attributes"


class AttributeRegistry:
    """Attributes by every spelling (Korean name, English name, aliases; case-insensitive)."""

    def __init__(self, attributes: Iterable[Attribute] = ()):
        self._by_name: dict[str, Attribute] = {}
        self._lookup: dict[str, str] = {}
        self.errors: list[str] = []
        for attr in attributes:
            self.add(attr)

    def add(self, attr: Attribute) -> None:
        self._by_name[attr.name] = attr  # a later file with the same name replaces the earlier one
        for spelling in attr.spellings():
            self._lookup[normalize_name(spelling)] = attr.name

    @classmethod
    def from_dirs(cls, dirs: Iterable[pathlib.Path]) -> "AttributeRegistry":
        reg = cls()
        for d in dirs:
            if not d.is_dir():
                continue
            for path in sorted(d.glob("*.y*ml")):
                try:
                    reg.add(load_attribute_file(path))
                except AttributeError_ as exc:
                    reg.errors.append(str(exc))
        return reg

    def resolve(self, name: str) -> Attribute | None:
        canonical = self._lookup.get(normalize_name(name))
        return self._by_name.get(canonical) if canonical else None

    def __contains__(self, name: str) -> bool:
        return self.resolve(name) is not None

    def __iter__(self):
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def resolve_steer(self, steer: dict[str, float]) -> tuple[dict[str, float], list[str]]:
        """Canonical ``{name: strength}`` (zero strengths dropped; two spellings of one attribute: the last
        wins) and the list of unknown names."""
        out: dict[str, float] = {}
        unknown: list[str] = []
        for key, value in (steer or {}).items():
            attr = self.resolve(key)
            if attr is None:
                unknown.append(str(key))
                continue
            try:
                strength = float(value)
            except (TypeError, ValueError):
                unknown.append(str(key))
                continue
            if strength != strength:  # NaN
                continue
            out[attr.name] = strength
        return {k: v for k, v in out.items() if v != 0.0}, unknown


@functools.lru_cache(maxsize=1)
def builtin_attributes() -> AttributeRegistry:
    """The shipped attributes plus the user's folder (cached; call ``builtin_attributes.cache_clear()`` to
    re-read)."""
    return AttributeRegistry.from_dirs([BUILTIN_DIR, user_attribute_dir()])


# ------------------------------------------------------------------------------------------------ evaluation

_EDGE = re.compile(r"^[^\w가-힣]+|[^\w가-힣]+$")


def eojeol(text: str) -> list[str]:
    """Whitespace-separated words with leading/trailing punctuation and quotes removed (empty ones dropped)."""
    out = []
    for raw in unicodedata.normalize("NFC", text).split():
        word = _EDGE.sub("", raw)
        if word:
            out.append(word)
    return out


def count_hits(text: str, words: Iterable[str]) -> tuple[int, int]:
    """(eojeol that start with one of ``words``, all eojeol): particles and endings attached to a stem count
    (``비명`` hits ``비명을``, ``"비명이``)."""
    words = tuple(unicodedata.normalize("NFC", w) for w in words)
    units = eojeol(text)
    hits = sum(1 for u in units if u.startswith(words))
    return hits, len(units)
