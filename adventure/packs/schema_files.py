"""The committed JSON Schema files, and how to regenerate them from the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path

from .schema import json_schemas

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def render_schemas() -> dict[str, str]:
    return {name: json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            for name, schema in json_schemas().items()}


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in render_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
