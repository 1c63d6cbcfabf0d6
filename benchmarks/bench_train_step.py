"""Training-step speed of the bundled model's shape on the CPU: eager with dropout everywhere (how the model was
trained before) against `--attn-dropout 0` and against `--compile --attn-dropout 0` (how it is trained now).

Each setting builds the same GPT-2 (the CPU recipe's 6 x 320 shape, vocabulary 8,001, 512 positions), runs a few
warm-up steps (the compiled one compiles there), then times full optimizer steps (forward under bf16 autocast,
backward, clipping, AdamW) on the same random batch, in this one process.

  attn_dropout_speed_ratio     tokens/s with attention dropout 0 ÷ eager with dropout 0.1 everywhere
  compiled_speed_ratio         tokens/s compiled with attention dropout 0 ÷ eager with dropout 0.1 everywhere

    python benchmarks/bench_train_step.py --quick --json /tmp/bench_train_step.json
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import pathlib
import platform
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adventure.training import bundled  # noqa: E402


def steps_per_second(config: bundled.TrainConfig, compile_step: bool, steps: int, warmup: int) -> float:
    """Optimizer steps per second of the training pipeline's own step (``bundled.optimizer_step``)."""
    torch.manual_seed(0)
    model = bundled.build_model(config, 8001)
    model.train()
    opt = bundled.make_optimizer(model, config)
    loss_fn = bundled._CompiledLoss(lambda _: None) if compile_step else bundled._lm_loss
    batches = itertools.repeat(torch.randint(0, 8001, (config.micro_batch, config.n_positions + 1)))
    for i in range(warmup + steps):
        if i == warmup:
            t0 = time.perf_counter()
        bundled.optimizer_step(model, opt, batches, loss_fn, config)
    return steps / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer timed steps (same ratios)")
    parser.add_argument("--json", metavar="PATH", help="write {'metrics': ..., 'params': ...} here")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    steps = 5 if args.quick else 20
    base = bundled.TrainConfig(n_layer=6, n_embd=320, n_head=5, n_positions=512, micro_batch=4, dropout=0.1,
                               attn_dropout=None, precision="bf16")
    settings = [
        ("eager, dropout 0.1", base, False),
        ("eager, attention dropout 0", dataclasses.replace(base, attn_dropout=0.0), False),
        ("compiled, attention dropout 0", dataclasses.replace(base, attn_dropout=0.0), True),
    ]
    t_start = time.perf_counter()
    tokens = {}
    for name, config, compiled in settings:
        tokens[name] = steps_per_second(config, compiled, steps, warmup=3) * config.tokens_per_step
    eager = tokens["eager, dropout 0.1"]
    metrics = {
        "attn_dropout_speed_ratio": round(tokens["eager, attention dropout 0"] / eager, 3),
        "compiled_speed_ratio": round(tokens["compiled, attention dropout 0"] / eager, 3),
    }
    params = {"tokens_per_s": {k: round(v) for k, v in tokens.items()}, "timed_steps": steps,
              "shape": "6 x 320, vocab 8001, batch 4 x 512, bf16 autocast", "torch_threads": args.threads,
              "torch": torch.__version__, "python": platform.python_version(),
              "wall_s": round(time.perf_counter() - t_start, 1)}
    print(f"bench_train_step: CPU recipe shape (6 x 320), batch 4 x 512, bf16 autocast, {args.threads} threads, "
          f"{steps} timed steps each")
    print(f"{'setting':<32}{'tokens/s':>10}{'ratio':>8}")
    for name, value in tokens.items():
        print(f"{name:<32}{value:>10.0f}{value / eager:>8.2f}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"metrics": metrics, "params": params}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
