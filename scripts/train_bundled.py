#!/usr/bin/env python
"""Train the bundled Korean GPT-2 without going through the ``adventure`` CLI.

    python scripts/train_bundled.py --corpus corpus --out adventure/models/bundled --steps 1400 --minutes 44 --threads 1

Same arguments and the same code as ``adventure train-bundled`` (see ``adventure/training/bundled.py``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adventure.cli.train import DESCRIPTION, add_arguments, run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="train_bundled.py", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    command = "python scripts/train_bundled.py " + " ".join(shlex.quote(a) for a in argv)
    return run(args, command=command.strip())


if __name__ == "__main__":
    raise SystemExit(main())
