"""``adventure validate PATH...``: every problem as ``path:line:col: error CODE: message``."""

from __future__ import annotations

import argparse
import sys

from ..packs.diagnostics import PackError
from ..packs.loader import load_pack


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check story packs and report problems with their locations",
                       description="Check story packs. Exit 0 when every pack is valid, 1 otherwise.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="pack folder or pack.yaml")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    p.set_defaults(func=run)


def validate_paths(paths: list[str], out=None, quiet: bool = False) -> int:
    from ..authoring.fit import context_fit_warnings  # (the context manager; imported when validate runs)

    out = out or sys.stdout
    failed = False
    for path in paths:
        try:
            pack = load_pack(path)
        except PackError as exc:
            failed = True
            for d in exc.diagnostics:
                print(d.format(), file=out)
            continue
        except Exception as exc:  # a loader bug must still give a located line
            failed = True
            print(f"{path}:1:1: error ADV000: internal error while loading: {exc}", file=out)
            continue
        for d in pack.warnings + context_fit_warnings(pack):
            print(d.format(), file=out)
        if not quiet:
            print(f"{path}: ok ({pack.id}, {len(pack.scenes)} scenes)", file=out)
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    return validate_paths(args.paths, quiet=args.quiet)
