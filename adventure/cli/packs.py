"""``adventure packs``: list bundled, user and installed story packs."""

from __future__ import annotations

import argparse

from ..packs.registry import all_packs, user_packs_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("packs", help="list bundled and installed story packs",
                       description="List bundled, user-folder and installed story packs.")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    entries = all_packs()
    if not entries:
        print("no packs found")
        return 0
    width = max(len(e.id) for e in entries)
    for e in entries:
        print(f"{e.id:<{width}}  {e.title}  [{e.origin}]  {e.path}")
    print(f"(user packs folder: {user_packs_dir()})")
    return 0
