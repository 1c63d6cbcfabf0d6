"""``adventure new PACK_DIR``: scaffold a small, commented, valid pack that plays at once."""

from __future__ import annotations

import argparse
import sys

from ..ui_text import t


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a new story pack from a commented template",
                       description="Create a new story pack in PACK_DIR (created if missing; an existing "
                                   "folder must be empty). The files point editors at the JSON Schema.")
    p.add_argument("path", metavar="PACK_DIR", help="folder for the new pack")
    p.add_argument("--id", dest="pack_id", help="pack id (default: made from the folder name)")
    p.add_argument("--title", help="pack title (default: 새 이야기)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..authoring.scaffold import ScaffoldError, scaffold

    try:
        made = scaffold(args.path, pack_id=args.pack_id, title=args.title)
    except ScaffoldError as exc:
        print(f"adventure new: {exc}", file=sys.stderr)
        return 1
    print(t("new.created", path=made.path, id=made.pack_id))
    for path in made.files:
        print(f"  {path}")
    print(t("new.next", path=made.path))
    return 0
