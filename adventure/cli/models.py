"""``adventure models``: the model presets, their context size and size, and whether they are here."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list model presets and whether they are available offline",
                       description="List the model presets (use a name with --model), their context size, "
                                   "parameter count and whether they can be loaded here without the internet.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _config_n_ctx(preset) -> int | None:
    """n_ctx from the config on disk (bundled folder or hub cache), without touching the network."""
    from ..models.loader import _cached_file
    from ..models.presets import bundled_model_dir

    if preset.repo_id is None:
        path = bundled_model_dir() / "config.json"
        path = str(path) if path.is_file() else None
    else:
        path = _cached_file(preset.repo_id, "config.json", preset.revision)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        return None
    for key in ("n_positions", "max_position_embeddings", "n_ctx"):
        if isinstance(config.get(key), int):
            return config[key]
    return None


def rows() -> list[dict]:
    from ..models.loader import model_availability
    from ..models.presets import PRESETS

    out = []
    for name, preset in PRESETS.items():
        n_ctx = preset.n_ctx if preset.n_ctx is not None else _config_n_ctx(preset)
        out.append({
            "name": name,
            "source": f"{preset.repo_id}" + (f"@{preset.revision}" if preset.revision else "")
            if preset.repo_id else "inside the package",
            "architecture": preset.architecture,
            "params": preset.params,
            "n_ctx": n_ctx,
            "n_ctx_from": "preset" if preset.n_ctx is not None else ("config" if n_ctx else "config (not here)"),
            "needs_gpu_gb": preset.needs_gpu_gb,
            "availability": model_availability(name),
            "description": preset.description,
        })
    return out


def run(args: argparse.Namespace) -> int:
    table = rows()
    if args.json:
        print(json.dumps(table, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 140, highlight=False)
    t = Table(title="Narrator models (use the name with --model; a folder path or hub id works too)")
    for col in ("name", "source", "arch", "params", "n_ctx", "needs", "here?"):
        t.add_column(col, overflow="fold")
    for r in table:
        n_ctx = str(r["n_ctx"]) if r["n_ctx"] else "from config"
        if r["n_ctx"] and r["n_ctx_from"] == "config":
            n_ctx += " (config)"
        needs = f"GPU {r['needs_gpu_gb']:g} GB" if r["needs_gpu_gb"] else "CPU ok"
        t.add_row(r["name"], r["source"], r["architecture"], r["params"], n_ctx, needs, r["availability"])
    console.print(t)
    return 0
