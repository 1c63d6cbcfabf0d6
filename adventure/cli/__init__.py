"""The ``adventure`` command: one console script, one module per subcommand.

Each module in ``COMMAND_MODULES`` exposes ``register(subparsers)``, which adds its subcommand and sets
``func`` to a ``run(args) -> int``. Errors reach the user as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

COMMAND_MODULES = ["play", "validate", "packs", "schema", "new", "playtest", "train", "generate", "models", "plugins"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adventure",
        description="A terminal text adventure narrated by a Korean language model.")
    parser.add_argument("--version", action="version", version=f"adventure {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last line of defence: one sentence, no traceback
        print(f"adventure: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
