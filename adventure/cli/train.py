"""``adventure train-bundled``: (re)build the small Korean GPT-2 shipped in ``adventure/models/bundled/``.

The work is done by :func:`adventure.training.bundled.run_pipeline`; this module only parses arguments.
``scripts/train_bundled.py`` uses the same :func:`add_arguments` and :func:`run`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

COMMAND = "train-bundled"
DESCRIPTION = (
    "Train the small Korean GPT-2 shipped in adventure/models/bundled/ from corpus/train.jsonl, "
    "evaluate it on corpus/heldout.jsonl and write the Hugging Face folder atomically. "
    "The command that built the shipped model is in its TRAINING.md."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from adventure.training import bundled as _b  # light: torch & co. are imported lazily there

    d = _b.TrainConfig()
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="folder with train.jsonl and heldout.jsonl (default: ./corpus)")
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default: the package's {_b.BUNDLED_DIR})")
    p.add_argument("--minutes", type=float, default=None, help=f"wall-clock budget for the whole run (default {d.minutes:g})")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps (default: as many as fit in --minutes; give it for a reproducible run)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--quick", action="store_true", help="tiny model, few steps: a smoke test of the pipeline")
    g = p.add_argument_group("model and optimisation (defaults: the shipped model's settings, see its TRAINING.md)")
    g.add_argument("--vocab-size", type=int, default=None)
    g.add_argument("--layers", type=int, default=None)
    g.add_argument("--width", type=int, default=None, help="n_embd")
    g.add_argument("--heads", type=int, default=None)
    g.add_argument("--positions", type=int, default=None, help="n_positions (context length)")
    g.add_argument("--dropout", type=float, default=None)
    g.add_argument("--attn-dropout", type=float, default=None,
                   help=f"dropout on attention probabilities (default {d.attn_dropout:g}; 0 is ~2x faster on a CPU)")
    g.add_argument("--lr", type=float, default=None, help="peak learning rate")
    g.add_argument("--min-lr", type=float, default=None)
    g.add_argument("--warmup", type=int, default=None, help="warmup steps")
    g.add_argument("--micro-batch", type=int, default=None, help="blocks per forward pass")
    g.add_argument("--grad-accum", type=int, default=None, help="forward passes per optimizer step")
    g.add_argument("--eval-every", type=int, default=None)
    g.add_argument("--threads", type=int, default=None)
    g.add_argument("--precision", choices=["fp32", "bf16"], default=None,
                   help="bf16: train under CPU bfloat16 autocast (faster where the CPU has AMX/AVX512-BF16)")
    g.add_argument("--compile", action="store_true", default=None,
                   help="torch.compile the training step (~1.1x faster on a CPU; needs a C++ compiler, else it is skipped)")
    g.add_argument("--dtype", choices=["auto", "float32", "float16"], default=None)
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None,
                   help="where to train (default auto: a CUDA GPU when torch sees one, else the CPU); "
                        "samples and decode speed are always measured on the CPU")
    g.add_argument("--story-runs", type=int, default=None, metavar="N",
                   help=f"join up to N consecutive passages of one corpus file with blank lines, as the game "
                        f"joins the turns of a story (default {d.story_runs}; 1 = single passages)")


_OVERRIDES = {
    "vocab_size": "vocab_size",
    "layers": "n_layer",
    "width": "n_embd",
    "heads": "n_head",
    "positions": "n_positions",
    "dropout": "dropout",
    "attn_dropout": "attn_dropout",
    "compile": "compile",
    "lr": "lr",
    "min_lr": "min_lr",
    "warmup": "warmup_steps",
    "micro_batch": "micro_batch",
    "grad_accum": "grad_accum",
    "eval_every": "eval_every",
    "threads": "threads",
    "precision": "precision",
    "dtype": "dtype",
    "device": "device",
    "minutes": "minutes",
    "steps": "steps",
    "story_runs": "story_runs",
}


def config_from_args(args: argparse.Namespace, command: str | None = None):
    from adventure.training import bundled as _b

    overrides = {field: getattr(args, name) for name, field in _OVERRIDES.items() if getattr(args, name, None) is not None}
    overrides["corpus"] = args.corpus
    overrides["out"] = args.out if args.out is not None else _b.BUNDLED_DIR
    overrides["seed"] = args.seed
    overrides["command"] = command or ""
    return _b.TrainConfig.quick(**overrides) if args.quick else _b.TrainConfig(**overrides)


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        COMMAND,
        help="train the small bundled Korean GPT-2 from the corpus",
        description=DESCRIPTION,
    )
    add_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, command: str | None = None) -> int:
    from adventure.training import bundled as _b

    if command is None:
        command = "adventure " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else f"adventure {COMMAND}"
    config = config_from_args(args, command)
    try:
        result = _b.run_pipeline(config)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    print(
        f"done: held-out loss {result.heldout_loss:.4f}, perplexity {result.heldout_ppl:.2f}; "
        f"{result.folder_bytes / 1024 / 1024:.1f} MiB in {result.out}"
    )
    return 0
