"""Our decode loop vs ``model.generate`` on a KoGPT2-shaped GPT-2 (random weights) on the CPU.

Both run in this process with the same 512-token prompt and the same sampling (temperature, top-k, top-p,
repetition penalty over the whole context; EOS banned so both make every token). Speed does not depend on
the weights, so random ones stand in for KoGPT2's 125M.

- Time to first token: full prefills from an empty cache, alternating loops; the best run of each (a prefill
  is one long step that other processes can only lengthen).
- Decode: both continue the same cached prompt (our loop reuses its cache; generate() gets a copy of a
  DynamicCache of the prompt) in segments that alternate between the loops; per-token step times come from
  the same no-op logits processor in both, and the median step gives tokens/s (robust to bursts from other
  processes on a shared machine).

Metrics (names are a contract, see DESIGN §8):
  decode_ratio_vs_generate  our decode tokens/s ÷ generate's (higher is better, target >= 1.0)
  ttft_ratio_vs_generate    our time to first token ÷ generate's (lower is better, target <= 1.0)
  peak_rss_mb               process peak RSS after our loop ran (import + model + generation), measured
                            before model.generate first runs in the process (target <= 1024)
  bundled_tokens_per_s      decode tokens/s of the bundled model with our loop (null when it is absent),
                            known-word decoding on (its default)
  known_words_speed_ratio   bundled tokens/s with known-word decoding on ÷ off, alternating segments (the
                            cost of checking candidates against the word list; 1.0 = free)

    python benchmarks/bench_generate.py --quick --json /tmp/bench_generate.json
    python benchmarks/bench_generate.py --quick --threads 1   # steadier on a machine shared with busy processes
"""

from __future__ import annotations

import argparse
import copy
import json
import pathlib
import platform
import statistics
import sys
import time

import torch
from transformers import LogitsProcessor, LogitsProcessorList

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from adventure.generation import Generator, SamplingSettings  # noqa: E402
from adventure.models import LoadedModel, bundled_model_dir, load_model  # noqa: E402

KOGPT2_SHAPE = {"vocab_size": 51200, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12}
SAMPLING = {"temperature": 0.8, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.1}


def rss_mb() -> tuple[float, float]:
    """(peak, current) resident set size of this process in MiB, from /proc (Linux) or getrusage."""
    try:
        fields = dict(line.split(":", 1) for line in open("/proc/self/status", encoding="ascii"))
        return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024
    except (OSError, KeyError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def cpu_pressure() -> float | None:
    """Share of the last 10 s in which some task here waited for a CPU (Linux PSI); high = shared machine."""
    try:
        with open("/proc/pressure/cpu", encoding="ascii") as fh:
            return float(fh.readline().split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return None


def build_kogpt2_shaped(seed: int = 0):
    """GPT-2 at KoGPT2's shape with random weights, built on the meta device and filled in place (no second
    copy of the tied 157 MB embedding at any point), plus a Metaspace tokenizer with the same vocabulary size."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    specials = ["<s>", "</s>", "<usr>", "<pad>", "<sys>", "<unk>", "<mask>"]
    syllables = [chr(c) for c in range(0xAC00, 0xD7A4)]
    vocab: dict[str, int] = {}
    for tok in specials + ["▁" + s for s in syllables] + syllables:
        vocab.setdefault(tok, len(vocab))
    i = 0
    while len(vocab) < KOGPT2_SHAPE["vocab_size"]:
        a, b = divmod(i, len(syllables))
        vocab.setdefault(syllables[a] + syllables[b], len(vocab))
        i += 1
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="</s>", eos_token="</s>",
                                        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>")

    config = GPT2Config(**KOGPT2_SHAPE, bos_token_id=1, eos_token_id=1, pad_token_id=3)
    with torch.device("meta"):
        model = GPT2LMHeadModel(config)
    gen = torch.Generator().manual_seed(seed)
    for module_name, module in model.named_modules():
        if module_name == "lm_head":
            continue  # tied to the token embedding below
        for name, param in list(module._parameters.items()):
            if param is None:
                continue
            data = torch.empty(param.shape, dtype=torch.float32)
            if param.dim() > 1:
                data.normal_(0.0, config.initializer_range, generator=gen)
            elif name == "weight":
                data.fill_(1.0)
            else:
                data.zero_()
            module._parameters[name] = torch.nn.Parameter(data, requires_grad=False)
    model.tie_weights()
    model.eval()
    return model, tokenizer


class StepClock(LogitsProcessor):
    """A no-op logits processor that records when each decoding step reaches sampling.

    Both loops get the same probe, so the intervals between calls are each loop's per-token cost (forward,
    cache update, processors, sampling, loop overhead) measured the same way.
    """

    def __init__(self):
        self.times: list[float] = []

    def __call__(self, input_ids, scores):
        self.times.append(time.perf_counter())
        return scores


def _steps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def _settings(new_tokens: int) -> SamplingSettings:
    # repetition_range 0 = the whole context, as generate() applies it; EOS banned so both make new_tokens.
    return SamplingSettings(**SAMPLING, repetition_range=0, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                            trim_to_sentence=False)


def ours_ttft(gen: Generator, prompt: list[int], seed: int) -> float:
    """Time to the first sampled token from an empty cache (a full prefill, as generate() does)."""
    gen.reset_cache()
    clock = StepClock()
    t0 = time.perf_counter()
    gen.generate(prompt, _settings(1), seed=seed, on_text=lambda s: None, extra_logits_processors=[clock])
    return clock.times[0] - t0


def generate_ttft(model, tokenizer, prompt: list[int], seed: int):
    """generate()'s time to first token; also returns its cache (the whole prompt) for the decode segments."""
    input_ids = torch.tensor([prompt], dtype=torch.long)
    clock = StepClock()
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=True, **SAMPLING,
                             max_new_tokens=1, logits_processor=LogitsProcessorList([clock]),
                             eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                             return_dict_in_generate=True)
    return clock.times[0] - t0, out.past_key_values


def ours_decode(gen: Generator, prompt: list[int], new_tokens: int, seed: int) -> list[float]:
    """Per-token step times of our loop continuing ``prompt`` (its prefix is cached from the previous call)."""
    clock = StepClock()
    res = gen.generate(prompt, _settings(new_tokens), seed=seed, on_text=lambda s: None,
                       extra_logits_processors=[clock])
    assert res.new_tokens == new_tokens and res.processed_tokens == 1, res
    return _steps(clock.times)


def generate_decode(model, tokenizer, prompt: list[int], prefix_cache, new_tokens: int, seed: int) -> list[float]:
    """Per-token step times of generate() continuing ``prompt`` from a copy of a cache of ``prompt[:-1]``."""
    input_ids = torch.tensor([prompt], dtype=torch.long)
    clock = StepClock()
    torch.manual_seed(seed)
    with torch.inference_mode():
        cache = copy.deepcopy(prefix_cache)
        out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=True, **SAMPLING,
                             max_new_tokens=new_tokens, min_new_tokens=new_tokens, past_key_values=cache,
                             logits_processor=LogitsProcessorList([clock]),
                             eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    assert out.shape[1] - input_ids.shape[1] == new_tokens
    return _steps(clock.times)


def bench_bundled(new_tokens: int, seed: int) -> tuple[float | None, float | None, str]:
    """(tokens/s with known-word decoding on, on ÷ off tokens/s, note); segments alternate on and off."""
    folder = bundled_model_dir()
    if not (folder / "config.json").is_file():
        return None, None, f"skipped: no bundled model in {folder}"
    loaded = load_model("bundled", device="cpu")
    gen = Generator(loaded)
    prompt = "나는 어두운 숲 속을 걷고 있다. 멀리서 물소리가 들린다.\n"
    settings = SamplingSettings(**SAMPLING, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                stop_strings=[], trim_to_sentence=False)
    gen.generate(prompt, settings.with_overrides(max_new_tokens=4, min_new_tokens=4), seed=seed)  # warm-up
    rates: dict[bool, list[float]] = {True: [], False: []}
    for r in range(4):
        for known in ((True, False) if r % 2 == 0 else (False, True)):
            gen.reset_cache()
            clock = StepClock()
            gen.generate(prompt, settings.with_overrides(known_words=known), seed=seed + r,
                         extra_logits_processors=[clock])
            if len(clock.times) > 1:
                rates[known].append(1.0 / statistics.median(_steps(clock.times)))
    n_params = sum(p.numel() for p in loaded.model.parameters()) / 1e6
    on = statistics.median(rates[True]) if rates[True] else None
    off = statistics.median(rates[False]) if rates[False] else None
    words = f", word list {len(loaded.lexicon):,} words" if loaded.lexicon is not None else ", no word list"
    ratio = on / off if on and off and loaded.lexicon is not None else None
    return on, ratio, f"n_ctx {loaded.n_ctx}, {n_params:.1f}M params{words}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter segments, fewer rounds (same ratios)")
    parser.add_argument("--json", metavar="PATH", help="write {'metrics': ..., 'params': ...} here")
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=None, help="tokens per decode segment (64; 16 quick)")
    parser.add_argument("--rounds", type=int, default=None, help="decode segments per loop (3 of 64 tokens; 3 of 16 quick)")
    parser.add_argument("--ttft-rounds", type=int, default=None, help="full prefills per loop (6; 3 quick)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice); on a machine shared with other "
                             "busy processes, 1 avoids OpenMP threads waiting on each other and steadies timings")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    pressure_before = cpu_pressure()
    new_tokens = args.new_tokens or (16 if args.quick else 64)
    rounds = args.rounds or 3
    ttft_rounds = args.ttft_rounds or (3 if args.quick else 6)

    t_start = time.perf_counter()
    model, tokenizer = build_kogpt2_shaped(args.seed)
    loaded = LoadedModel(model=model, tokenizer=tokenizer, name="kogpt2-shaped-random", preset=None,
                         n_ctx=KOGPT2_SHAPE["n_positions"], device=torch.device("cpu"), dtype=torch.float32,
                         eos_token_ids=[tokenizer.eos_token_id])
    gen = Generator(loaded)
    g = torch.Generator().manual_seed(args.seed)
    prompt = torch.randint(7, KOGPT2_SHAPE["vocab_size"], (args.prompt_tokens,), generator=g).tolist()

    # Our loop alone first: warm-up, a full prefill, a decode segment; then the process peak RSS, before
    # model.generate has ever run here.
    gen.generate(prompt[:32], _settings(4), seed=0)
    ttft_ours = [ours_ttft(gen, prompt, args.seed)]
    steps_ours = ours_decode(gen, prompt, new_tokens, args.seed)
    peak_ours, _ = rss_mb()

    with torch.inference_mode():  # generate()'s warm-up
        model.generate(torch.tensor([prompt[:32]]), max_new_tokens=4, do_sample=False,
                       pad_token_id=tokenizer.pad_token_id)
    t, cache = generate_ttft(model, tokenizer, prompt, args.seed)
    ttft_theirs = [t]
    cache.crop(-1)  # keep prompt[:-1]: generate() then runs the last prompt token, as our loop does
    steps_theirs = generate_decode(model, tokenizer, prompt, cache, new_tokens, args.seed)

    # Alternate who goes first, in short segments, so a neighbour's burst on a shared machine hits both.
    for r in range(1, rounds):
        jobs = [lambda: steps_ours.extend(ours_decode(gen, prompt, new_tokens, args.seed + r)),
                lambda: steps_theirs.extend(generate_decode(model, tokenizer, prompt, cache, new_tokens,
                                                            args.seed + r))]
        for job in (jobs if r % 2 == 0 else jobs[::-1]):
            job()
    for r in range(1, ttft_rounds):
        jobs = [lambda: ttft_ours.append(ours_ttft(gen, prompt, args.seed + r)),
                lambda: ttft_theirs.append(generate_ttft(model, tokenizer, prompt, args.seed + r)[0])]
        for job in (jobs if r % 2 == 0 else jobs[::-1]):
            job()
    peak_process, _ = rss_mb()
    del gen, model, cache

    med = statistics.median
    # The median step is robust to bursts from other processes; a prefill is one long step that bursts only
    # lengthen, so its fastest run is the estimate.
    ours_tps, theirs_tps = 1.0 / med(steps_ours), 1.0 / med(steps_theirs)
    best_ttft_ours, best_ttft_theirs = min(ttft_ours), min(ttft_theirs)
    bundled_tps, known_ratio, bundled_note = bench_bundled(64 if not args.quick else 32, args.seed)

    metrics = {
        "decode_ratio_vs_generate": round(ours_tps / theirs_tps, 4),
        "ttft_ratio_vs_generate": round(best_ttft_ours / best_ttft_theirs, 4),
        "peak_rss_mb": round(peak_ours, 1),
        "bundled_tokens_per_s": round(bundled_tps, 2) if bundled_tps is not None else None,
        "known_words_speed_ratio": round(known_ratio, 4) if known_ratio is not None else None,
    }
    params = {
        "quick": args.quick, "prompt_tokens": args.prompt_tokens, "new_tokens_per_segment": new_tokens,
        "decode_segments_per_loop": rounds, "ttft_rounds_per_loop": ttft_rounds,
        "model_shape": KOGPT2_SHAPE, "sampling": SAMPLING, "device": "cpu", "dtype": "float32",
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
        "ours_decode_tokens_per_s": round(ours_tps, 3), "generate_decode_tokens_per_s": round(theirs_tps, 3),
        "ours_decode_tokens_per_s_mean": round(len(steps_ours) / sum(steps_ours), 3),
        "generate_decode_tokens_per_s_mean": round(len(steps_theirs) / sum(steps_theirs), 3),
        "ours_ttft_s": [round(x, 3) for x in ttft_ours], "generate_ttft_s": [round(x, 3) for x in ttft_theirs],
        "peak_rss_mb_process": round(peak_process, 1), "bundled": bundled_note,
        "cpu_pressure_avg10_before": pressure_before, "cpu_pressure_avg10_after": cpu_pressure(),
        "wall_s": round(time.perf_counter() - t_start, 1),
    }

    rows = [
        ("decode tokens/s (median step)", f"{ours_tps:.2f}", f"{theirs_tps:.2f}",
         f"{metrics['decode_ratio_vs_generate']:.3f}", ">= 1.0"),
        ("time to first token (s, best)", f"{best_ttft_ours:.3f}", f"{best_ttft_theirs:.3f}",
         f"{metrics['ttft_ratio_vs_generate']:.3f}", "<= 1.0"),
        ("peak RSS (MiB)", f"{peak_ours:.0f}", f"{peak_process:.0f}*", "", "<= 1024"),
        ("bundled decode tokens/s", f"{bundled_tps:.2f}" if bundled_tps is not None else "-", "", "",
         f">= 40 ({bundled_note})"),
        ("bundled: known words on ÷ off", "", "", f"{known_ratio:.3f}" if known_ratio is not None else "-",
         "~1.0 (the word check's cost)"),
    ]
    header = ("metric", "ours", "generate", "ratio", "target")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(5)]
    line = "  ".join("{:<%d}" % w for w in widths)
    print(f"bench_generate: KoGPT2-shaped GPT-2 (random weights, fp32, CPU), prompt {args.prompt_tokens}, "
          f"{rounds}x{new_tokens} decode tokens and {ttft_rounds} prefills per loop, "
          f"{torch.get_num_threads()} threads")
    print(line.format(*header).rstrip())
    print(line.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        print(line.format(*row).rstrip())
    print("* process peak after generate() also ran in it")
    pressure = params["cpu_pressure_avg10_after"]
    if pressure and pressure > 20 and torch.get_num_threads() > 1:
        print(f"note: CPU pressure {pressure:.0f}% (other processes want these cores); "
              "timings are noisy, consider --threads 1")
    print(f"wall {params['wall_s']} s")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"metrics": metrics, "params": params}, indent=2,
                                                      ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
