"""``{var}`` templates over game state: plain names only, no attribute or index access, never eval."""

from __future__ import annotations

import string
from typing import Any, Mapping


def template_fields(template: str) -> list[tuple[str, int]]:
    """Field names in a template with their character offsets; raises ValueError on bad syntax."""
    fields: list[tuple[str, int]] = []
    offset = 0
    for literal, name, spec, conv in string.Formatter().parse(template):
        offset += len(literal)
        if name is not None:
            if conv or not name.isidentifier():
                raise ValueError(f"template field {{{name}}} must be a plain variable name", offset)
            fields.append((name, offset))
            offset += len(name) + len(spec or "") + 2
    return fields


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, (list, set, tuple)):
        return ", ".join(str(v) for v in value) or "없음"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill a validated template. Unknown names render as-is (validation already reported them)."""
    out: list[str] = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(show_value(values[name]) if name in values else "{" + name + "}")
    return "".join(out)
