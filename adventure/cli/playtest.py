"""``adventure playtest PACK``: seeded random playthroughs without a model (like ChoiceScript's randomtest).

Exit 0 when every scene was reached, every choice was offered at least once, and no run hit a dead end
or a runtime error; 1 otherwise (or when the pack does not validate).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..packs.diagnostics import PackError
from ..packs.loader import load_pack
from ..packs.registry import resolve_pack


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    from ..authoring.playtest import DEFAULT_MAX_STEPS, DEFAULT_RUNS

    p = sub.add_parser("playtest", help="play a pack many times at random and report what was never reached",
                       description="Seeded random playthroughs with the authored fallback text (no model). "
                                   "Reports scene and choice hit counts, unreached scenes, never-offered "
                                   "choices, endings, dead ends and runtime errors with their locations. "
                                   "Exit 1 when something is unreachable or broken.")
    p.add_argument("pack", metavar="PACK", help="pack folder or bundled pack id")
    p.add_argument("--runs", type=_positive, default=DEFAULT_RUNS, help=f"playthroughs (default {DEFAULT_RUNS})")
    p.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same runs (default 0)")
    p.add_argument("--max-steps", type=_positive, default=DEFAULT_MAX_STEPS,
                   help=f"step cap per playthrough (default {DEFAULT_MAX_STEPS})")
    p.add_argument("--transcript", metavar="FILE", help="write every playthrough as readable text to FILE")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    p.add_argument("--uniform", action="store_true",
                   help="pick choices uniformly (default: prefer choices taken less often so far)")
    p.add_argument("--quiet", "-q", action="store_true", help="leave out the per-scene and per-choice tables")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..authoring.playtest import format_report, playtest

    try:
        pack = load_pack(resolve_pack(args.pack))
    except PackError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    kwargs = dict(runs=args.runs, seed=args.seed, max_steps=args.max_steps, avoid_used=not args.uniform)
    if args.transcript:
        with open(args.transcript, "w", encoding="utf-8") as fh:
            report = playtest(pack, transcript=fh, **kwargs)
    else:
        report = playtest(pack, **kwargs)
    sys.stdout.write(format_report(report, verbose=not args.quiet))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
    return 0 if report.ok else 1
