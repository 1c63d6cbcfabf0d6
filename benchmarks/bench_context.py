"""Context manager + KV-cache reuse vs a fresh prefill every turn, over a played session (KoGPT2 shape, CPU).

A real ``Game`` plays the sandbox pack (memory, author's notes, ~40 world-info entries, open scenes) with a
``ModelNarrator`` on a GPT-2 of KoGPT2's shape (12 layers, 768 wide, vocab 51200, n_ctx 1024) with random
weights: prompt processing speed does not depend on the weights. Each turn the player types a ~40-token
action that names people and places of the island (so world info fires), now and then walks to another
place through a choice (a new scene, author's note and state line), and the model writes 60 new tokens.

Every narration, side by side in this process, on the exact prompt ids the context manager assembled:
  reuse  the narrator's own generator (KV cache of the previous prompt + narration, common prefix reused)
  fresh  a second generator on the same model whose cache is emptied first (full prefill)
The reuse prefill is timed through ``Generator.next_token_logits`` (the same ``_prefill`` ``generate`` runs;
the turn's ``generate`` then only re-reads the last prompt token), and its logits are compared with the fresh
prefill's. Each prefill is timed ``--repeats`` times (the reuse one from the same cache state) and the fastest
run counts, as other processes on a shared machine can only slow a run down. Evictions happen during the
session and are included in every figure; the opening narration (both caches empty) is reported apart.

Tokenizer: the KoGPT2 tokenizer cannot be downloaded here, so a BPE of the bundled model's design (character
BPE with ``▁`` word marks and byte fallback, ``adventure.training.bundled.train_tokenizer``) is trained on
``corpus/train.jsonl`` with vocab_size 51200. The corpus saturates it at ~16k pieces (every word is one or
a few tokens); the model keeps KoGPT2's 51,200 embedding rows, and the unused ids, byte pieces, special
tokens and newlines are suppressed while sampling so the random model writes word pieces, like a trained
narrator would (its text then round-trips through the tokenizer).

Metrics (names are a contract, see DESIGN §8):
  prompt_time_ratio_fresh_over_reuse     mean fresh prefill time / mean reuse prefill time (target >= 5)
  tokens_processed_ratio_fresh_over_reuse  mean prompt tokens run through the model, fresh / reuse
  assembly_ms_p95                        context assembly time per turn, 95th percentile (target < 5 ms)
  max_logit_diff_vs_fresh                max |logits(reuse) - logits(fresh)| over all turns (<= 1e-4)

    python benchmarks/bench_context.py --quick --json /tmp/bench_context.json
    python benchmarks/bench_context.py --threads 1 --json /tmp/bench_context.json   # the full 40-turn session
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import platform
import statistics
import sys
import tempfile
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adventure.context import ContextConfig  # noqa: E402
from adventure.engine.game import Game  # noqa: E402
from adventure.engine.model_narrator import ModelNarrator  # noqa: E402
from adventure.generation import Generator  # noqa: E402
from adventure.models import LoadedModel  # noqa: E402
from adventure.models.presets import PRESETS  # noqa: E402
from adventure.packs.loader import load_pack  # noqa: E402

KOGPT2_SHAPE = {"vocab_size": 51200, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12}

# ~40-token player actions in the pack's voice that name the island's people and places (world info keys).
ACTIONS = [
    "나는 가방을 내려놓고 나루터 끝에서 밧줄을 감던 바우에게 다가가, "
    "이모의 찻집으로 가는 가장 빠른 길이 어디인지 조심스럽게 물어본다. 바우는 눈을 반짝이며 대답할 것 같다.",
    "돌담길을 천천히 걸어 올라가며 바다 쪽을 돌아보고, "
    "바람에 실려 오는 짠 냄새와 멀리서 들려오는 뱃고동 소리를 오래도록 듣는다. 발걸음이 자꾸 느려지고 마음이 조금씩 놓인다.",
    "장터 입구의 잡화점에 들러 해무 아주머니에게 인사를 하고, "
    "게시판에 붙은 종이가 무슨 소식인지 손가락으로 가리키며 묻는다. 아주머니는 바쁜 와중에도 나를 반긴다.",
    "옥분 할머니의 좌판 앞에 앉아 부침개 한 장과 식혜 한 잔을 시키고, "
    "이모가 젊었을 때 어떤 사람이었는지 천천히 이야기를 청한다. 기름 냄새가 골목 가득 퍼져 있다.",
    "찻집 문을 열고 들어가 먼지 쌓인 찻잔들을 하나씩 꺼내 닦으며, "
    "이모가 섬사람마다 정해 주었다는 찻잔의 주인을 짐작해 본다. 창밖으로 반짝이는 바다가 보인다.",
    "해 질 녘 찻집 문턱에 앉은 검은 고양이 먹물에게 손을 내밀어 보고, "
    "가까이 오기를 기다리며 남은 생선 조각을 살며시 내려놓는다. 고양이는 꼬리를 천천히 흔든다.",
    "언덕 위 흰 등대까지 걸어 올라가 등대지기 해랑에게 이모 이야기를 꺼내고, "
    "두 사람이 어떻게 가장 가까운 친구가 되었는지 묻는다. 바람이 세게 불어 머리카락이 흩날린다.",
    "물이 빠진 갯바위 사이를 맨발로 걸으며 물웅덩이 속 작은 게와 미역을 들여다보고, "
    "어부 두칠이 그물을 손질하는 모습을 구경한다. 발가락 사이로 차가운 물이 스민다.",
    "뒷산 대숲 길을 따라 걷다가 약초를 캐던 미소를 만나, "
    "이모에게서 배웠다는 차 덖는 법을 나에게도 가르쳐 줄 수 있는지 묻는다. 댓잎 스치는 소리가 조용히 들린다.",
    "우체부 덕배가 자전거를 세우고 건네준 편지 꾸러미를 받아 들고, "
    "이모 앞으로 온 편지들을 찻집 탁자 위에 가지런히 펼쳐 놓는다. 낯익은 글씨체에 가슴이 먹먹해진다.",
    "당골 할매가 돌보는 당집에 올라가 당산나무에 매인 소원 헝겊들을 올려다보고, "
    "나도 작은 헝겊 하나에 소원을 적어 매어 본다. 나뭇가지 사이로 햇빛이 쏟아진다.",
    "떠돌이 악사 온새가 해금을 켜는 소리를 따라 부두로 내려가, "
    "노래 한 곡을 청하고 값 대신 뭍에서 있었던 이야기 하나를 들려준다. 사람들이 하나둘 모여들기 시작한다.",
]


def train_kogpt2_like_tokenizer(cache_dir: pathlib.Path):
    """A bundled-style BPE trained on the corpus with vocab_size 51200 (cached); returns the HF tokenizer."""
    from tokenizers import Tokenizer

    from adventure.training.bundled import load_corpus, train_tokenizer, wrap_tokenizer

    corpus = ROOT / "corpus"
    stamp = f"{(corpus / 'train.jsonl').stat().st_size}-{int((corpus / 'train.jsonl').stat().st_mtime)}"
    path = cache_dir / f"bench_context_bpe51200_{stamp}.json"
    if path.is_file():
        tok = Tokenizer.from_file(str(path))
    else:
        train, _ = load_corpus(corpus)
        tok = train_tokenizer([r["text"] for r in train], vocab_size=51200, min_frequency=1)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tok.save(str(path))
    return wrap_tokenizer(tok, KOGPT2_SHAPE["n_positions"])


def build_model(tokenizer, seed: int) -> LoadedModel:
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(**KOGPT2_SHAPE, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config).eval()
    return LoadedModel(model=model, tokenizer=tokenizer, name="kogpt2-shape (random weights)",
                       preset=PRESETS["kogpt2"], n_ctx=KOGPT2_SHAPE["n_positions"], device=torch.device("cpu"),
                       dtype=torch.float32, eos_token_ids=[int(tokenizer.eos_token_id)])


class Suppress:
    """A logits processor that bans a fixed set of ids (unused vocabulary rows, bytes, specials, newlines)."""

    def __init__(self, ids: list[int], vocab: int):
        self.mask = torch.zeros(vocab, dtype=torch.bool)
        self.mask[torch.as_tensor(sorted(set(ids)), dtype=torch.long)] = True

    def __call__(self, input_ids, scores):
        return scores.masked_fill(self.mask, float("-inf"))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def common_prefix(a, b) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter session (12 turns, still with evictions)")
    parser.add_argument("--json", metavar="PATH", help="write {'metrics': ..., 'params': ...} here")
    parser.add_argument("--turns", type=int, default=None, help="player turns (40; 12 with --quick)")
    parser.add_argument("--new-tokens", type=int, default=60)
    parser.add_argument("--keep", type=float, default=None,
                        help="story share kept after an eviction (default: the ContextConfig default)")
    parser.add_argument("--move-every", type=int, default=9, help="take a choice to another place every N turns")
    parser.add_argument("--repeats", type=int, default=2,
                        help="time each prefill this many times and keep the fastest (2)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's choice; 1 is steadier on a machine shared with "
                             "busy processes)")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    turns = args.turns or (12 if args.quick else 40)
    if args.threads:
        torch.set_num_threads(args.threads)
    t_setup = time.perf_counter()

    tokenizer = train_kogpt2_like_tokenizer(pathlib.Path(tempfile.gettempdir()) / "adventure-bench-cache")
    loaded = build_model(tokenizer, args.seed)
    real_vocab = len(tokenizer)
    newline_ids = [i for tok, i in tokenizer.get_vocab().items() if "\n" in tok]
    banned = list(range(0, 260)) + list(range(real_vocab, KOGPT2_SHAPE["vocab_size"])) + newline_ids

    config = ContextConfig() if args.keep is None else ContextConfig(keep_fraction=args.keep)
    narrator = ModelNarrator(loaded, config)
    narrator.generator.logits_processors = [Suppress(banned, KOGPT2_SHAPE["vocab_size"])]
    fresh = Generator(loaded)
    pack = load_pack(ROOT / "stories" / "sandbox")

    rows: list[dict] = []
    last_assembly: dict = {}
    assemble = narrator.context.assemble

    def timed_assemble(*a, **kw):
        out = assemble(*a, **kw)
        last_assembly["ledger"] = out.ledger
        return out

    narrator.context.assemble = timed_assemble
    generate = narrator.generator.generate
    gen = narrator.generator

    def measured_generate(ids, settings, **kw):
        ids = list(ids)
        cached = gen.cached_token_ids
        common = min(common_prefix(cached, ids), len(ids) - 1) if cached else 0
        reuse_processed = len(ids) - common
        # Each prefill runs `repeats` times and the fastest counts (other processes can only slow one down);
        # the reuse prefill is repeated from the same state: the cache cut back to the common prefix.
        t_reuse = t_fresh = float("inf")
        for r in range(args.repeats):
            if r:
                gen._cache.crop(common - len(gen._cached_ids))
                del gen._cached_ids[common:]
            t0 = time.perf_counter()
            reuse_logits = gen.next_token_logits(ids)
            t_reuse = min(t_reuse, time.perf_counter() - t0)
        for _ in range(args.repeats):
            fresh.reset_cache()
            t0 = time.perf_counter()
            fresh_logits = fresh.next_token_logits(ids)
            t_fresh = min(t_fresh, time.perf_counter() - t0)
        ledger = last_assembly["ledger"]
        rows.append({"prompt_tokens": len(ids), "reuse_ms": t_reuse * 1000, "fresh_ms": t_fresh * 1000,
                     "reuse_processed": reuse_processed, "fresh_processed": len(ids),
                     "diff": float((reuse_logits - fresh_logits).abs().max()),
                     "assembly_ms": ledger.assembly_ms, "evicted": "evict" in ledger.changes,
                     "changes": list(ledger.changes)})
        return generate(ids, settings, **kw)

    gen.generate = measured_generate
    game = Game(pack, narrator=narrator, seed=args.seed)
    game.state.sampling.update({"max_new_tokens": args.new_tokens, "min_new_tokens": args.new_tokens})
    game.start(resume=False)
    cold = rows.pop(0) if rows else None  # the opening narration: both generators start empty
    setup_s = time.perf_counter() - t_setup

    t_session = time.perf_counter()
    action_tokens: list[int] = []
    moves = 0
    for turn in range(turns):
        before = len(rows)
        if game.ended:
            raise SystemExit(f"the story ended at turn {turn + 1}; the session needs an open game")
        # moves go to other places, never to an ending
        choices = [(n, c) for n, (_, c) in enumerate(game.visible_choices(), start=1)
                   if c.goto and not pack.scenes[c.goto].ending]
        if args.move_every and turn % args.move_every == args.move_every - 1 and choices:
            game.handle(str(choices[(turn // args.move_every) % len(choices)][0]))
            moves += 1
        else:
            action = ACTIONS[turn % len(ACTIONS)]
            action_tokens.append(len(narrator.generator.encode("> " + action + "\n")))
            game.handle(action)
        if len(rows) == before:
            print(f"turn {turn + 1}: no narration", file=sys.stderr)
        for r in rows[before:]:
            r["turn"] = turn + 1
            print(f"turn {r['turn']:>2}  prompt {r['prompt_tokens']:>4}  reuse {r['reuse_processed']:>4} tok "
                  f"{r['reuse_ms']:>7.0f} ms  fresh {r['fresh_processed']:>4} tok {r['fresh_ms']:>7.0f} ms"
                  f"  assembly {r['assembly_ms']:.1f} ms{'  ' + ','.join(r['changes']) if r['changes'] else ''}",
                  file=sys.stderr, flush=True)
    session_s = time.perf_counter() - t_session

    reuse_ms = [r["reuse_ms"] for r in rows]
    fresh_ms = [r["fresh_ms"] for r in rows]
    reuse_tok = [r["reuse_processed"] for r in rows]
    fresh_tok = [r["fresh_processed"] for r in rows]
    mean = statistics.fmean
    metrics = {
        "prompt_time_ratio_fresh_over_reuse": round(mean(fresh_ms) / mean(reuse_ms), 3),
        "tokens_processed_ratio_fresh_over_reuse": round(mean(fresh_tok) / mean(reuse_tok), 3),
        "assembly_ms_p95": round(percentile([r["assembly_ms"] for r in rows], 95), 3),
        "max_logit_diff_vs_fresh": max(r["diff"] for r in rows),
        "reuse_prompt_ms_mean": round(mean(reuse_ms), 1),
        "reuse_prompt_ms_p95": round(percentile(reuse_ms, 95), 1),
        "fresh_prompt_ms_mean": round(mean(fresh_ms), 1),
        "fresh_prompt_ms_p95": round(percentile(fresh_ms, 95), 1),
        "reuse_tokens_processed_mean": round(mean(reuse_tok), 1),
        "reuse_tokens_processed_p95": percentile(reuse_tok, 95),
        "fresh_tokens_processed_mean": round(mean(fresh_tok), 1),
        "fresh_tokens_processed_p95": percentile(fresh_tok, 95),
        "prompt_tokens_mean": round(mean(fresh_tok), 1),
        "assembly_ms_mean": round(mean([r["assembly_ms"] for r in rows]), 3),
        "evictions": sum(r["evicted"] for r in rows),
        "narrations": len(rows),
    }
    params = {
        "model": "GPT-2, KoGPT2 shape, random weights", **KOGPT2_SHAPE, "n_ctx": loaded.n_ctx,
        "new_tokens": args.new_tokens, "turns": turns, "repeats": args.repeats, "scene_moves": moves,
        "quick": args.quick,
        "pack": "stories/sandbox", "keep_fraction": config.keep_fraction,
        "action_tokens_mean": round(mean(action_tokens), 1) if action_tokens else None,
        "tokenizer": f"bundled-style char BPE trained on corpus/train.jsonl, vocab_size 51200 requested, "
                     f"{real_vocab} pieces (saturated); unused rows, bytes, specials, newlines suppressed",
        "cold_start": {k: round(v, 1) if isinstance(v, float) else v for k, v in (cold or {}).items()
                       if k in ("prompt_tokens", "reuse_ms", "fresh_ms")},
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
        "setup_s": round(setup_s, 1), "session_s": round(session_s, 1), "seed": args.seed,
    }

    print()
    print(f"context reuse vs fresh prefill · {turns} turns ({len(rows)} narrations, {metrics['evictions']} evictions)"
          f" · n_ctx {loaded.n_ctx} · {args.new_tokens} new tokens · actions ~{params['action_tokens_mean']} tokens")
    print(f"{'':<8} {'time mean':>10} {'time p95':>10} {'tokens mean':>12} {'tokens p95':>11}")
    print(f"{'reuse':<8} {metrics['reuse_prompt_ms_mean']:>8.0f}ms {metrics['reuse_prompt_ms_p95']:>8.0f}ms "
          f"{metrics['reuse_tokens_processed_mean']:>12.1f} {metrics['reuse_tokens_processed_p95']:>11}")
    print(f"{'fresh':<8} {metrics['fresh_prompt_ms_mean']:>8.0f}ms {metrics['fresh_prompt_ms_p95']:>8.0f}ms "
          f"{metrics['fresh_tokens_processed_mean']:>12.1f} {metrics['fresh_tokens_processed_p95']:>11}")
    print(f"{'ratio':<8} {metrics['prompt_time_ratio_fresh_over_reuse']:>9.2f}x {'':>10} "
          f"{metrics['tokens_processed_ratio_fresh_over_reuse']:>11.2f}x")
    print(f"assembly: mean {metrics['assembly_ms_mean']:.2f} ms, p95 {metrics['assembly_ms_p95']:.2f} ms · "
          f"max |logit diff| vs fresh {metrics['max_logit_diff_vs_fresh']:.2e}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"metrics": metrics, "params": params}, indent=2,
                                                      ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
