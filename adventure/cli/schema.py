"""``adventure schema``: print (or regenerate) the JSON Schema editors use to check pack files."""

from __future__ import annotations

import argparse

from ..packs.schema_files import SCHEMA_DIR, render_schemas, write_schemas


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema for pack files",
                       description="Print the JSON Schema of pack.yaml (or of included files with --include).")
    p.add_argument("--include", action="store_true", help="the schema of included scene/world files")
    p.add_argument("--write", action="store_true", help=f"regenerate the committed files in {SCHEMA_DIR}")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.write:
        for path in write_schemas():
            print(path)
        return 0
    print(render_schemas()["include.schema.json" if args.include else "pack.schema.json"], end="")
    return 0
