"""``adventure play``: the TUI on a terminal, plain line mode with ``--plain`` or when piped."""

from __future__ import annotations

import argparse
import sys

from ..packs.diagnostics import PackError
from ..packs.loader import load_pack
from ..packs.registry import resolve_pack
from ..saves import SaveStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="play a story pack", description=(
        "Play a story pack. PACK is a folder or a bundled pack id (default: lantern). On a terminal this "
        "opens the full-screen TUI; with --plain, or when output is not a terminal, it plays line by line."))
    p.add_argument("pack", nargs="?", metavar="PACK", help="pack folder or bundled pack id")
    p.add_argument("--model", metavar="NAME|PATH",
                   help="model preset, hub id or local folder (default: the pack's choice, else 'bundled'); "
                        "'fallback' plays with the authored text only")
    p.add_argument("--plain", action="store_true", help="line-by-line play on stdin/stdout, no TUI")
    p.add_argument("--seed", type=int, default=0, help="seed for reproducible narration (default 0)")
    p.add_argument("--save-dir", metavar="DIR", help="where saves go (default: the user data folder)")
    p.add_argument("--new", action="store_true", help="start a new game instead of continuing the autosave")
    p.add_argument("--watch", action="store_true",
                   help="TUI: reload the pack whenever one of its files is saved (for authors)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the model runs")
    p.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"],
                   help="model weight precision")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        pack = load_pack(resolve_pack(args.pack))
    except PackError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    from ..engine.game import Game

    store = SaveStore(args.save_dir, pack.id)
    use_tui = not args.plain and sys.stdout.isatty() and sys.stdin.isatty()
    if use_tui:
        try:
            from ..tui.app import run_tui
        except ImportError:
            use_tui = False
        else:
            return run_tui(pack, store, args)
    from ..engine.model_narrator import build_narrator
    from ..engine.events import Notice
    from ..frontends.plain import PlainFrontend
    from ..ui_text import t

    narrator, problem = build_narrator(args.model or pack.manifest.narrator.model, device=args.device,
                                       dtype=args.dtype)
    game = Game(pack, narrator, store, seed=args.seed)
    front = PlainFrontend(game)
    if problem:
        game.emit(Notice(t("narrator.fallback", reason=problem), "warning"))
    return front.run(resume=not args.new)
