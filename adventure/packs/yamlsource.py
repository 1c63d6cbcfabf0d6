"""Safe YAML reading that remembers where every value came from.

We compose the YAML node graph with PyYAML's safe machinery and build plain Python values ourselves, so
that (a) every value keeps its line and column for error messages, (b) only the standard scalar,
sequence and mapping tags are accepted (``!!python/object`` and friends are refused, never constructed),
(c) aliases cannot expand into a "billion laughs" blow-up, and (d) duplicate keys are an error instead of
silently overwriting each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic, Location, error

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000  # after alias expansion

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

PathKey = tuple[Any, ...]


@dataclass
class SourceDoc:
    """A parsed YAML document: its plain value plus a map from value path to source location."""

    path: str
    data: Any
    locations: dict[PathKey, Location] = field(default_factory=dict)
    key_locations: dict[PathKey, Location] = field(default_factory=dict)
    quoted: dict[PathKey, bool] = field(default_factory=dict)

    def loc(self, key: PathKey) -> Location:
        """The location of the value at ``key``, or of its nearest ancestor that has one."""
        key = tuple(key)
        while key:
            if key in self.locations:
                return self.locations[key]
            key = key[:-1]
        return self.locations.get((), Location(self.path))


class YamlProblem(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.format())


def _loc(path: str, node: Node) -> Location:
    mark = node.start_mark
    return Location(path, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, path: str):
        self.path = path
        self.count = 0
        self.doc = SourceDoc(path, None)
        self._scalar = SafeConstructor()

    def build(self, node: Node, key: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(error(_loc(self.path, node), "ADV004",
                                    f"the document expands to more than {MAX_NODES} values "
                                    "(too many or too deeply nested aliases)"))
        self.doc.locations[key] = _loc(self.path, node)
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS and node.tag != "tag:yaml.org,2002:timestamp":
                raise YamlProblem(error(_loc(self.path, node), "ADV003",
                                        f"the tag {node.tag!r} is not allowed in story packs"))
            self.doc.quoted[key] = node.style in ("'", '"', "|", ">")
            if node.tag == "tag:yaml.org,2002:timestamp":
                return node.value  # dates are plain text in packs
            return self._scalar.construct_object(node, deep=True)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                raise YamlProblem(error(_loc(self.path, node), "ADV003",
                                        f"the tag {node.tag!r} is not allowed in story packs"))
            return [self.build(child, key + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                raise YamlProblem(error(_loc(self.path, node), "ADV003",
                                        f"the tag {node.tag!r} is not allowed in story packs"))
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise YamlProblem(error(_loc(self.path, key_node), "ADV010",
                                            "mapping keys must be plain text"))
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem(error(_loc(self.path, key_node), "ADV003",
                                            "merge keys (<<) are not supported in story packs"))
                k = self.build(key_node, key + ("<key>",))
                if not isinstance(k, (str, int, float, bool)) or k is None:
                    raise YamlProblem(error(_loc(self.path, key_node), "ADV010",
                                            "mapping keys must be plain text"))
                if isinstance(k, (int, float, bool)):
                    k = str(k).lower() if isinstance(k, bool) else str(k)
                if k in result:
                    raise YamlProblem(error(_loc(self.path, key_node), "ADV005",
                                            f"duplicate key {k!r} (the first one is on line "
                                            f"{self.doc.key_locations[key + (k,)].line})"))
                self.doc.key_locations[key + (k,)] = _loc(self.path, key_node)
                result[k] = self.build(value_node, key + (k,))
            return result
        raise YamlProblem(error(_loc(self.path, node), "ADV001", "unsupported YAML node"))  # pragma: no cover


def read_text(path: Path, display: str) -> str:
    """Read a pack file as UTF-8, refusing huge, binary, or undecodable files with a located message."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlProblem(error(Location(display), "ADV002", "file not found")) from None
    except OSError as exc:
        raise YamlProblem(error(Location(display), "ADV002", f"cannot read file: {exc.strerror}")) from None
    if path.is_dir():
        raise YamlProblem(error(Location(display), "ADV002", "expected a YAML file but found a folder"))
    if size > MAX_FILE_BYTES:
        raise YamlProblem(error(Location(display), "ADV002",
                                f"file is too large ({size / 1e6:.1f} MB; the limit is "
                                f"{MAX_FILE_BYTES / 1e6:.0f} MB per file)"))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(error(Location(display), "ADV002", f"cannot read file: {exc.strerror}")) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(error(Location(display, line, col), "ADV002",
                                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise YamlProblem(error(Location(display, line, 1), "ADV002", "file contains NUL bytes (is it binary?)"))
    return text


def parse_yaml(text: str, display: str) -> SourceDoc:
    """Parse one YAML document from text; raises YamlProblem with a located diagnostic."""
    if not text.strip():
        raise YamlProblem(error(Location(display), "ADV002", "file is empty"))
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(error(loc, "ADV001", f"YAML syntax error: {problem}")) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(error(Location(display), "ADV001", f"YAML error: {exc}")) from None
    except RecursionError:
        raise YamlProblem(error(Location(display), "ADV001", "YAML is nested too deeply")) from None
    if node is None:
        raise YamlProblem(error(Location(display), "ADV002", "file holds no YAML document"))
    builder = _Builder(display)
    try:
        builder.doc.data = builder.build(node, ())
    except RecursionError:
        raise YamlProblem(error(Location(display), "ADV001", "YAML is nested too deeply")) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        loc = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        raise YamlProblem(error(loc, "ADV010", f"bad value: {exc.problem}")) from None
    return builder.doc


def load_yaml_file(path: Path, display: str | None = None) -> SourceDoc:
    display = display or str(path)
    return parse_yaml(read_text(path, display), display)
