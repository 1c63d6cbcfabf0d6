"""Steering methods compared the way the PPLM paper does, adapted to Korean (DESIGN §6, §8).

Quality, on the bundled model: fixed Korean prompts × 4 attributes (공포, 전투, 로맨스, 미스터리) × methods ×
fixed seeds, every sample the same length (EOS banned, no stop strings), default sampling (temperature 0.8,
top-k 50, top-p 0.95, repetition penalty 1.1), steering strength 1.0:
- held-out hit rate: eojeol that start with a word of the attribute's HELD-OUT bag (disjoint from the
  steering bag; particles attached still count) / all eojeol, pooled over prompts, seeds and attributes;
  "none" is scored against each attribute's bag in turn;
- self-perplexity: of the generated tokens under the unsteered model given the prompt (token-weighted);
- Dist-1/2/3: distinct eojeol n-grams / n-grams per sample, averaged.

Cost: seconds per token (the median decode step, steering included, measured by the same no-op logits
processor for every method) and forward/backward passes per token (block evaluations / n_layers; the head
not counted), at 64/256/448 tokens of context on the bundled model (its n_ctx is 512, so 448 stands in for
768) and at 64/256/768 on a KoGPT2-shaped GPT-2 with random weights (12 layers, 768 wide, vocab 51200; speed
does not depend on the weights). Methods alternate inside each context, so every ratio compares runs made
side by side in this process.

Methods: none | logit_bias | activation | pplm_bow (the fast default) | pplm_discrim | pplm_bow_faithful (the
paper's update: all layers, the whole past, 3 iterations every token, full vocabulary; with the cached
clean stream).

Metrics (names are a contract, see DESIGN §8):
  pplm_bow_cost_ratio              pplm_bow seconds/token ÷ plain at 256 context, bundled model (target <= 2)
  pplm_bow_hit_rate_vs_faithful    hit rate of pplm_bow ÷ pplm_bow_faithful (target >= 0.9)
  hit_rate_<method>                held-out hit rate (target: every steered method > none)
  perplexity_ratio_<method>        self-perplexity ÷ none's (target <= 1.25)
  cost_ratio_<method>              seconds/token ÷ plain at 256, bundled model
  kogpt2_cost_ratio_<method>       the same on the KoGPT2-shaped model at 256

    python benchmarks/bench_steering.py --quick --json /tmp/bench_steering.json
    nice -n 10 python benchmarks/bench_steering.py --json /tmp/bench_steering_full.json    # the full run
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import platform
import statistics
import sys
import time

import torch
from transformers import LogitsProcessor

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from adventure.generation import Generator, SamplingSettings  # noqa: E402
from adventure.models import LoadedModel, load_model  # noqa: E402
from adventure.steering import SteeringSession, builtin_attributes, count_hits  # noqa: E402
from adventure.steering.attributes import eojeol  # noqa: E402
from adventure.steering.session import model_context  # noqa: E402

PROMPTS = [
    "나는 어두운 숲 속을 걷고 있다.",
    "나는 낡은 여관의 문을 열고 안으로 들어섰다.",
    "새벽 안개가 걷히자 멀리 성벽이 보였다.",
    "나는 배낭을 내려놓고 모닥불 옆에 앉았다.",
    "기차가 작은 역에 멈추자 나는 짐을 챙겨 내렸다.",
    "비가 그친 골목은 조용했다. 나는 천천히 걸었다.",
    "나는 등불을 들고 좁은 계단을 내려갔다.",
    "아침 햇살이 창문으로 들어왔다. 나는 눈을 떴다.",
    "강가에 작은 배 한 척이 묶여 있었다.",
    "나는 지도를 펼치고 다음 마을까지의 길을 살폈다.",
    "시장 거리는 사람들로 붐볐다. 나는 사람들 사이를 지나갔다.",
    "오래된 탑 앞에 도착했을 때 해가 지고 있었다.",
]
ATTRIBUTES = ["공포", "전투", "로맨스", "미스터리"]
METHODS = {
    "none": (None, {}),
    "logit_bias": (["logit-bias"], {}),
    "activation": (["activation"], {}),
    "pplm_bow": (["pplm"], {"pplm": {"mode": "bow"}}),
    "pplm_discrim": (["pplm"], {"pplm": {"mode": "discrim"}}),
    "pplm_bow_faithful": (["pplm"], {"pplm": {"mode": "bow", "preset": "faithful"}}),
    # What `/steer` runs in play unless the player picks plugins (`/steer method`): the default-enabled set.
    "play_default": ("default", {}),
}
SAMPLING = {"temperature": 0.8, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.1}


class StepClock(LogitsProcessor):
    """No-op processor recording when each step reaches sampling (after the steering pipeline)."""

    def __init__(self):
        self.times: list[float] = []

    def __call__(self, input_ids, scores):
        self.times.append(time.perf_counter())
        return scores


def fixed_settings(n: int) -> SamplingSettings:
    return SamplingSettings(**SAMPLING, max_new_tokens=n, min_new_tokens=n, stop_strings=[], trim_to_sentence=False)


def make_session(loaded, method: str, attr: str, strength: float, notices: list[str]):
    methods, options = METHODS[method]
    if methods is None:
        return None
    if methods == "default":
        methods = None
    return SteeringSession.for_request({attr: strength}, loaded, methods=methods, options=options,
                                       on_notice=notices.append)


def distinct(words: list[str], n: int) -> float | None:
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


@torch.inference_mode()
def nll(loaded, prompt_ids: list[int], gen_ids: list[int]) -> tuple[float, int]:
    if not gen_ids:
        return 0.0, 0
    ids = torch.tensor([prompt_ids + gen_ids], device=loaded.device)
    logits = loaded.model(input_ids=ids).logits[0, len(prompt_ids) - 1:-1].float()
    lp = torch.log_softmax(logits, -1)
    target = torch.tensor(gen_ids, device=loaded.device)
    return float(-lp.gather(1, target[:, None]).sum()), len(gen_ids)


def ensure_discriminator(loaded, log) -> str:
    """The prepared head of the model, or (for a model without one, e.g. random weights) a random head so the
    discriminator's COST can still be measured. Returns where it came from."""
    from adventure.steering.resources import load_prepared

    mc = model_context(loaded)
    if load_prepared(mc) is not None:
        return "prepared"
    g = torch.Generator().manual_seed(0)
    labels = ["neutral", "horror", "battle", "romance", "mystery"]
    mc.data["__prepared__"] = {"labels": labels, "head_weight": torch.randn(len(labels), mc.d_model, generator=g) * 0.02,
                               "head_bias": torch.zeros(len(labels)), "vectors": {}, "meta": {}}
    log(f"note: no discriminator head prepared for {loaded.name}; a random head is used (cost only)")
    return "random"


# --------------------------------------------------------------------------------------------------- quality

def quality(loaded, prompts, seeds, new_tokens, strength, methods, log) -> dict:
    reg = builtin_attributes()
    gen = Generator(loaded)
    settings = fixed_settings(new_tokens)
    rows: dict[str, dict] = {m: {"hits": 0, "words": 0, "nll": 0.0, "tokens": 0, "d1": [], "d2": [], "d3": [],
                                 "bag_hits": 0, "seconds": 0.0, "gen_tokens": 0, "notices": set(), "samples": []}
                             for m in methods}
    t_start = time.perf_counter()
    for pi, prompt in enumerate(prompts):
        prompt_ids = gen.encode(prompt)
        for seed in seeds:
            for method in methods:
                attrs = ATTRIBUTES if method != "none" else [None]
                for attr in attrs:
                    notices: list[str] = []
                    sess = make_session(loaded, method, attr, strength, notices) if attr else None
                    t0 = time.perf_counter()
                    res = gen.generate(prompt_ids, settings, seed=seed, steering=sess)
                    row = rows[method]
                    row["seconds"] += time.perf_counter() - t0
                    row["gen_tokens"] += res.new_tokens
                    row["notices"].update(notices)
                    text = res.text
                    words = eojeol(text)
                    for n, key in ((1, "d1"), (2, "d2"), (3, "d3")):
                        d = distinct(words, n)
                        if d is not None:
                            row[key].append(d)
                    a, c = nll(loaded, prompt_ids, res.token_ids)
                    row["nll"] += a
                    row["tokens"] += c
                    for scored in (ATTRIBUTES if attr is None else [attr]):
                        at = reg.resolve(scored)
                        h, w = count_hits(text, at.heldout)
                        row["hits"] += h
                        row["words"] += w
                        row["bag_hits"] += count_hits(text, at.bag)[0]
                    if pi == 0 and seed == seeds[0]:
                        row["samples"].append({"attribute": attr, "text": text})
        log(f"  quality: prompt {pi + 1}/{len(prompts)} done ({time.perf_counter() - t_start:.0f} s)")
    out = {}
    for m, row in rows.items():
        out[m] = {
            "hit_rate": row["hits"] / max(row["words"], 1),
            "bag_hit_rate": row["bag_hits"] / max(row["words"], 1),
            "perplexity": math.exp(row["nll"] / max(row["tokens"], 1)),
            "dist1": statistics.fmean(row["d1"]) if row["d1"] else None,
            "dist2": statistics.fmean(row["d2"]) if row["d2"] else None,
            "dist3": statistics.fmean(row["d3"]) if row["d3"] else None,
            "gen_seconds_per_token": row["seconds"] / max(row["gen_tokens"], 1),
            "notices": sorted(row["notices"]),
            "samples": row["samples"],
        }
    return out


# --------------------------------------------------------------------------------------------------- cost

def context_prompt(loaded, n: int) -> list[int]:
    tok = loaded.tokenizer
    text = " ".join(PROMPTS) + " "
    ids: list[int] = []
    while len(ids) < n:
        ids += list(tok.encode(text, add_special_tokens=False))
    return ids[:n]


def cost(loaded, contexts, methods, new_tokens, reps, log, attr="공포") -> dict:
    """Per context: median step seconds of each method, ratios to plain, and passes per token."""
    gen = Generator(loaded)
    mc = model_context(loaded)
    out: dict = {}
    for ctx in contexts:
        prompt = context_prompt(loaded, ctx)
        budget = min(new_tokens, loaded.n_ctx - ctx)
        settings = fixed_settings(budget)
        steps: dict[str, list[float]] = {m: [] for m in methods}
        passes: dict[str, dict] = {}
        gen.generate(prompt, fixed_settings(2), seed=0)  # warm the cache and the code paths
        for m in methods:
            if m != "none":
                gen.generate(prompt, fixed_settings(2), seed=0, steering=make_session(loaded, m, attr, 1.0, []))
        for rep in range(reps):
            for m in methods:
                clock = StepClock()
                sess = make_session(loaded, m, attr, 1.0, [])
                gen.generate(prompt, settings, seed=rep, steering=sess, extra_logits_processors=[clock])
                steps[m] += [b - a for a, b in zip(clock.times, clock.times[1:])]
                fwd, bwd = 1.0, 0.0
                if sess is not None and "pplm" in sess.stats:
                    st = sess.stats["pplm"]
                    n = max(st["steps"], 1)
                    fwd += st["fwd_layers"] / (n * mc.n_layers)
                    bwd += st["bwd_layers"] / (n * mc.n_layers)
                elif m == "activation":
                    fwd += 1.0  # the generated positions are re-run once, batched, to keep the cache clean
                passes[m] = {"fwd": fwd, "bwd": bwd}
        base = statistics.median(steps["none"])
        out[ctx] = {m: {"seconds_per_token": statistics.median(steps[m]),
                        "ratio": statistics.median(steps[m]) / base, **passes[m]} for m in methods}
        log(f"  cost @{ctx}: " + ", ".join(f"{m} {out[ctx][m]['seconds_per_token'] * 1000:.1f} ms "
                                            f"({out[ctx][m]['ratio']:.2f}x)" for m in methods))
    return out


def kogpt2_shaped() -> LoadedModel:
    from bench_generate import KOGPT2_SHAPE, build_kogpt2_shaped

    model, tokenizer = build_kogpt2_shaped(seed=0)
    return LoadedModel(model=model, tokenizer=tokenizer, name="kogpt2-shaped-random", preset=None,
                       n_ctx=KOGPT2_SHAPE["n_positions"], device=torch.device("cpu"), dtype=torch.float32,
                       eos_token_ids=[tokenizer.eos_token_id])


# --------------------------------------------------------------------------------------------------- main

def fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer prompts/seeds/tokens; same ratios")
    ap.add_argument("--json", metavar="PATH", help="write {metrics, params} here")
    ap.add_argument("--model", default="bundled", help="the model for quality and the first cost table")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads (default 1: steadier timings on a shared machine)")
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--no-kogpt2", action="store_true", help="skip the KoGPT2-shaped cost table")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of the methods")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    methods = [m for m in args.methods.split(",") if m]
    if "none" not in methods:
        methods.insert(0, "none")
    q = args.quick
    prompts = PROMPTS[:10] if q else PROMPTS
    seeds = [1, 2] if q else [1, 2, 3]
    new_tokens = 32 if q else 60
    cost_tokens, cost_reps = (12, 1) if q else (24, 2)
    t0 = time.perf_counter()

    loaded = load_model(args.model)
    head_source = ensure_discriminator(loaded, log)
    mc = model_context(loaded)
    log(f"{loaded.name}: {mc.n_layers} layers, d={mc.d_model}, vocab {mc.vocab_rows}, n_ctx {loaded.n_ctx}; "
        f"discriminator head: {head_source}")
    log("quality ...")
    qual = quality(loaded, prompts, seeds, new_tokens, args.strength, methods, log)
    contexts = [c for c in (64, 256, 768) if c + cost_tokens <= loaded.n_ctx]
    if loaded.n_ctx < 768 + cost_tokens:
        contexts.append(loaded.n_ctx - 64)
    log("cost (bundled) ...")
    cost_b = cost(loaded, contexts, methods, cost_tokens, cost_reps, log)
    cost_k = None
    k_contexts = [64, 256, 768]
    if not args.no_kogpt2:
        log("cost (KoGPT2-shaped, random weights) ...")
        kl = kogpt2_shaped()
        ensure_discriminator(kl, lambda m: None)
        cost_k = cost(kl, k_contexts, methods, max(6, cost_tokens // 2), 1, log)
        del kl

    ref = 256
    metrics: dict[str, float | None] = {}
    none = qual["none"]
    for m in methods:
        metrics[f"hit_rate_{m}"] = qual[m]["hit_rate"]
        metrics[f"perplexity_ratio_{m}"] = qual[m]["perplexity"] / none["perplexity"]
        metrics[f"cost_ratio_{m}"] = cost_b[ref][m]["ratio"]
        metrics[f"dist2_{m}"] = qual[m]["dist2"]
        metrics[f"fwd_passes_{m}"] = cost_b[ref][m]["fwd"]
        metrics[f"bwd_passes_{m}"] = cost_b[ref][m]["bwd"]
        if cost_k is not None:
            metrics[f"kogpt2_cost_ratio_{m}"] = cost_k[ref][m]["ratio"]
    if "pplm_bow" in methods:
        metrics["pplm_bow_cost_ratio"] = cost_b[ref]["pplm_bow"]["ratio"]
        if "pplm_bow_faithful" in methods and qual["pplm_bow_faithful"]["hit_rate"] > 0:
            metrics["pplm_bow_hit_rate_vs_faithful"] = qual["pplm_bow"]["hit_rate"] / qual["pplm_bow_faithful"]["hit_rate"]
    metrics["plain_seconds_per_token_256"] = cost_b[ref]["none"]["seconds_per_token"]

    # ---- tables
    print(f"\nSteering on {loaded.name} ({mc.n_layers} layers, d {mc.d_model}, vocab {mc.vocab_rows}), "
          f"{len(prompts)} prompts × {len(ATTRIBUTES)} attributes × {len(seeds)} seeds × {new_tokens} tokens, "
          f"strength {args.strength:g}, {torch.get_num_threads()} thread(s)")
    ctx_cols = "".join(f" {'s/tok@' + str(c):>10}" for c in contexts)
    print(f"{'method':<18} {'hit rate':>8} {'bag hits':>8} {'ppl':>7} {'ppl×':>6} {'dist1':>6} {'dist2':>6} "
          f"{'dist3':>6}{ctx_cols} {'cost×@256':>9} {'fwd':>5} {'bwd':>5}")
    for m in methods:
        r = qual[m]
        cols = "".join(f" {cost_b[c][m]['seconds_per_token'] * 1000:>8.2f}ms" for c in contexts)
        print(f"{m:<18} {r['hit_rate']:>8.4f} {r['bag_hit_rate']:>8.4f} {r['perplexity']:>7.2f} "
              f"{r['perplexity'] / none['perplexity']:>6.3f} {fmt(r['dist1'], '.3f'):>6} {fmt(r['dist2'], '.3f'):>6} "
              f"{fmt(r['dist3'], '.3f'):>6}{cols} {cost_b[ref][m]['ratio']:>9.2f} {cost_b[ref][m]['fwd']:>5.2f} "
              f"{cost_b[ref][m]['bwd']:>5.2f}")
    if cost_k is not None:
        print("\nCost on a KoGPT2-shaped GPT-2 with random weights (12 layers, d 768, vocab 51200)")
        print(f"{'method':<18}" + "".join(f" {'s/tok@' + str(c):>11} {'×':>6}" for c in k_contexts)
              + f" {'fwd':>5} {'bwd':>5}")
        for m in methods:
            print(f"{m:<18}" + "".join(f" {cost_k[c][m]['seconds_per_token'] * 1000:>9.1f}ms {cost_k[c][m]['ratio']:>6.2f}"
                                       for c in k_contexts)
                  + f" {cost_k[256][m]['fwd']:>5.2f} {cost_k[256][m]['bwd']:>5.2f}")
    print()
    for key in ("pplm_bow_cost_ratio", "pplm_bow_hit_rate_vs_faithful"):
        if key in metrics:
            print(f"{key} = {metrics[key]:.3f}")
    notes = {m: qual[m]["notices"] for m in methods if qual[m]["notices"]}
    if notes:
        print(f"notices: {notes}")
    print(f"total {time.perf_counter() - t0:.0f} s")

    if args.json:
        params = {
            "model": loaded.name, "fingerprint": mc.fingerprint, "n_layers": mc.n_layers, "d_model": mc.d_model,
            "vocab": mc.vocab_rows, "n_ctx": loaded.n_ctx, "quick": q, "prompts": len(prompts), "seeds": seeds,
            "new_tokens": new_tokens, "strength": args.strength, "sampling": SAMPLING, "threads": torch.get_num_threads(),
            "contexts_bundled": contexts, "contexts_kogpt2": k_contexts if cost_k else None,
            "cost_tokens": cost_tokens, "cost_reps": cost_reps, "methods": {m: METHODS[m] for m in methods},
            "discriminator_head": head_source, "python": platform.python_version(), "torch": torch.__version__,
            "quality": {m: {k: v for k, v in qual[m].items()} for m in methods},
            "cost_bundled": {str(c): v for c, v in cost_b.items()},
            "cost_kogpt2": {str(c): v for c, v in cost_k.items()} if cost_k else None,
        }
        pathlib.Path(args.json).write_text(json.dumps({"metrics": metrics, "params": params}, ensure_ascii=False,
                                                      indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
