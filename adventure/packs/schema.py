"""The story-pack format as pydantic models: the single source of truth for validation and JSON Schema.

Unknown keys are rejected everywhere (``extra="forbid"``) so a typo like ``goto_`` is an error, not a
silently ignored line. Conditions, effects and templates are kept as text here and compiled by
``packs.compile`` where their columns can be reported.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID_PATTERN = r"^[A-Za-z0-9_\-\uac00-\ud7a3]+$"
VarType = Literal["int", "float", "bool", "str", "set"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class VarDecl(_Strict):
    """A declared state variable. The short form ``gold: 0`` infers the type from the default."""

    type: VarType
    default: Union[bool, int, float, str, list[str], None] = None
    description: str | None = None
    min: float | None = None
    max: float | None = None


class NarrateBlock(_Strict):
    """AI narration for a scene: a prompt template over state, and authored text for when no model runs."""

    prompt: str | None = Field(None, description="Template appended to the context; {var} inserts state.")
    fallback: str = Field(..., description="Authored narration used when no model is available or it fails.")
    max_new_tokens: int | None = Field(None, ge=1, le=1024)
    sampling: dict[str, Any] = Field(default_factory=dict)
    steer: dict[str, float] = Field(default_factory=dict)


class Choice(_Strict):
    text: str = Field(..., min_length=1)
    goto: str | None = Field(None, description="Scene id to move to; omitted means stay in this scene.")
    when: str | None = Field(None, description="Condition; the choice is offered only when it is true.")
    once: bool = False
    effects: list[str] = Field(default_factory=list)
    say: str | None = Field(None, description="Authored text shown when the choice is taken.")


class Ending(_Strict):
    title: str
    kind: Literal["good", "bad", "neutral", "secret"] = "neutral"


class Scene(_Strict):
    title: str | None = None
    text: str | None = Field(None, description="Authored text shown on entering; {var} inserts state.")
    on_enter: list[str] = Field(default_factory=list)
    narrate: NarrateBlock | None = None
    choices: list[Choice] = Field(default_factory=list)
    ending: Ending | None = None
    open: bool = Field(False, description="A free-text scene: no choices needed, the player types actions.")
    free_text: bool = Field(True, description="Whether free-text actions are accepted here.")
    steer: dict[str, float] = Field(default_factory=dict)
    author_note: str | None = None


class WorldInfo(_Strict):
    id: str | None = Field(None, pattern=ID_PATTERN)
    keys: list[str] = Field(default_factory=list)
    secondary_keys: list[str] = Field(default_factory=list)
    constant: bool = False
    priority: int = 0
    substring: bool = Field(False, description="Match keys inside longer words too (off: particles only).")
    content: str = Field(..., min_length=1)


class Narrator(_Strict):
    memory: str | None = None
    author_note: str | None = None
    model: str | None = Field(None, description="Recommended model preset or path.")
    sampling: dict[str, Any] = Field(default_factory=dict)
    steer: dict[str, float] = Field(default_factory=dict)
    scan_depth: int = Field(3, ge=0, le=100)
    free_text_fallback: list[str] = Field(
        default_factory=list, description="Authored replies to free actions when no model is available.")


StateValue = Union[VarDecl, bool, int, float, str, list[str]]


class IncludeFile(_Strict):
    """An included file: more scenes and world info, and possibly further includes."""

    includes: list[str] = Field(default_factory=list)
    scenes: dict[str, Scene] = Field(default_factory=dict)
    world_info: list[WorldInfo] = Field(default_factory=list)


class Manifest(IncludeFile):
    """``pack.yaml``: the pack's identity, start scene, declared state and narrator defaults."""

    id: str = Field(..., pattern=ID_PATTERN)
    title: str
    version: Union[str, int, float] = "1"
    language: str = "ko"
    author: str | None = None
    description: str | None = None
    start: str
    state: dict[str, StateValue] = Field(default_factory=dict)
    narrator: Narrator = Field(default_factory=Narrator)

    @field_validator("version")
    @classmethod
    def _version_text(cls, v: Any) -> str:
        return str(v)


def declared_type(value: Any) -> str | None:
    """The type a short-form state declaration implies, or None when it cannot be inferred."""
    if isinstance(value, VarDecl):
        return value.type
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "set"
    return None


def default_of(value: Any) -> Any:
    if isinstance(value, VarDecl):
        if value.default is not None:
            return sorted(set(value.default)) if value.type == "set" else value.default
        return {"int": 0, "float": 0.0, "bool": False, "str": "", "set": []}[value.type]
    if isinstance(value, list):
        return sorted(set(value))
    return value


def json_schemas() -> dict[str, dict]:
    """The JSON Schemas editors use (yaml-language-server): one for pack.yaml, one for included files."""
    pack = Manifest.model_json_schema()
    pack["title"] = "adventure story pack manifest (pack.yaml)"
    include = IncludeFile.model_json_schema()
    include["title"] = "adventure story pack include file"
    return {"pack.schema.json": pack, "include.schema.json": include}
