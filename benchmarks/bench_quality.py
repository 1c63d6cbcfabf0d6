"""Narration quality of the bundled model on the bundled pack's prompts: sentence candidates and known-word
decoding, each against the loop without it.

No Korean grammar checker runs offline here, so the figures are corpus statistics that track what a reader
notices (the samples are printed too, to read):

  known_word_share_off     share of the words written with known-word decoding off that occur in the
                           training text (the rest are misspellings/non-words; on, it is 1.0 by construction)
  word_pair_share_on       share of adjacent word pairs, known-word decoding on, that occur in the training
                           text (a rough grammar signal: a particle and the word after it agree)
  word_pair_ratio_on_vs_off  word_pair_share on ÷ off (higher is better)
  novel_sentence_share_on  share of the sentences written (on) that are not copied from the corpus (the
                           model should compose, not recite)
  speed_ratio_on_vs_off    tokens/s on ÷ off in the same run
  (these five compare known words on/off with one candidate per sentence)

  word_pair_share_candidates        word pairs in the corpus with the preset's sentence candidates (16)
  word_pair_ratio_candidates_vs_one  that ÷ word_pair_share_on (one candidate, known words on)
  novel_sentence_share_candidates   sentences not copied from the corpus, with candidates
  kept_speed_ratio_candidates_vs_one  narration tokens/s a reader gets (kept tokens ÷ wall time), candidates ÷ one
  well_formed_quotes_share_candidates / _one  share of narrations whose quotes open and close the way dialogue
                           does (stopping.quotes_well_formed), with candidates / with one
  tense_kept_share_candidates / _one  share of sentences that keep the tense of the story they follow
                           (generation.sentence_rules: a story told in the past stays in the past)
  stutter_free_share_candidates / _one  share of sentences that do not say a word twice ("늪과 늪과 늪")
  takes_up_share_candidates / _one  share of narrations whose first sentence names something of the line
                           before it (the action, or the scene prompt)

  --model FOLDER narrates with another model (a retrained one) at the bundled preset's settings.

    python benchmarks/bench_quality.py --quick --json /tmp/bench_quality.json
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import re
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adventure.generation import Generator, SamplingSettings  # noqa: E402
from adventure.generation.lexicon import words_of  # noqa: E402
from adventure.generation.sentence_rules import (keeps_tense, lead_line, sentences_of, story_tense,  # noqa: E402
                                                 stutters, takes_up)
from adventure.generation.stopping import quotes_well_formed  # noqa: E402
from adventure.models import load_model  # noqa: E402
from adventure.models.presets import PRESETS  # noqa: E402
from adventure.training.bundled import SAMPLE_PROMPTS  # noqa: E402

SENTENCE = re.compile(r'[^.!?…"]+[.!?…]')


def corpus_texts(corpus: pathlib.Path) -> list[str]:
    texts = []
    for name in ("train.jsonl", "heldout.jsonl"):
        path = corpus / name
        if path.is_file():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds per prompt instead of 5")
    parser.add_argument("--json", metavar="PATH", help="write {'metrics': ..., 'params': ...} here")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="the corpus folder (train/heldout.jsonl)")
    parser.add_argument("--new-tokens", type=int, default=60)
    parser.add_argument("--model", default="bundled",
                        help="preset or model folder to narrate with (default: bundled; e.g. a retrained folder, to "
                             "compare it with the shipped one at the bundled preset's settings)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--samples", type=int, default=7, help="samples to print per setting")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    seeds = range(2 if args.quick else 5)
    t_start = time.perf_counter()

    texts = corpus_texts(pathlib.Path(args.corpus))
    if not texts:
        print(f"bench_quality: no corpus in {args.corpus}; run scripts/build_corpus.py first")
        return 1
    words, pairs, sentences = set(), set(), set()
    for t in texts:
        w = words_of(t)
        words.update(w)
        pairs.update(zip(w, w[1:]))
        sentences.update(s.strip() for s in SENTENCE.findall(t))

    loaded = load_model(args.model, device="cpu")
    gen = Generator(loaded)
    base = SamplingSettings(**PRESETS["bundled"].default_sampling).with_overrides(max_new_tokens=args.new_tokens)
    bos = loaded.tokenizer.bos_token_id

    def run(settings: SamplingSettings) -> dict:
        stats = {"words": 0, "known": 0, "pairs": 0, "known_pairs": 0, "sentences": 0, "novel": 0,
                 "tokens": 0, "kept": 0, "seconds": 0.0, "samples": [], "narrations": 0, "quotes_ok": 0,
                 "tense_ok": 0, "stutter_free": 0, "takes_up": 0, "all_sentences": 0}
        for seed in seeds:
            for prompt in SAMPLE_PROMPTS:
                ids = [bos] + gen.encode(prompt)
                r = gen.generate(ids, settings, seed=seed)
                stats["tokens"] += r.new_tokens
                stats["kept"] += len(r.token_ids)
                stats["seconds"] += r.seconds
                w = words_of(r.text)
                stats["words"] += len(w)
                stats["known"] += sum(x in words for x in w)
                stats["pairs"] += max(len(w) - 1, 0)
                stats["known_pairs"] += sum(p in pairs for p in zip(w, w[1:]))
                sents = [s.strip() for s in SENTENCE.findall(r.text)]
                stats["sentences"] += len(sents)
                stats["novel"] += sum(s not in sentences for s in sents)
                stats["narrations"] += 1
                stats["quotes_ok"] += quotes_well_formed(r.text)
                tense, written = story_tense(prompt), sentences_of(r.text)
                stats["all_sentences"] += len(written)
                stats["tense_ok"] += sum(keeps_tense(x, tense) for x in written)
                stats["stutter_free"] += sum(not stutters(x) for x in written)
                stats["takes_up"] += bool(written) and takes_up(written[0], lead_line(prompt))
                if seed == 0:
                    stats["samples"].append((prompt, r.text))
        return stats

    one = base.with_overrides(sentence_candidates=1)
    results = {"candidates": run(base), "on": run(one), "off": run(one.with_overrides(known_words=False))}

    def share(st, a, b):
        return st[a] / st[b] if st[b] else 0.0

    on, off, cand = results["on"], results["off"], results["candidates"]
    pair_on, pair_off = share(on, "known_pairs", "pairs"), share(off, "known_pairs", "pairs")
    tps_on, tps_off = on["tokens"] / on["seconds"], off["tokens"] / off["seconds"]
    metrics = {
        "known_word_share_off": round(share(off, "known", "words"), 4),
        "known_word_share_on": round(share(on, "known", "words"), 4),
        "word_pair_share_on": round(pair_on, 4),
        "word_pair_share_off": round(pair_off, 4),
        "word_pair_ratio_on_vs_off": round(pair_on / pair_off, 4) if pair_off else None,
        "novel_sentence_share_on": round(share(on, "novel", "sentences"), 4),
        "novel_sentence_share_off": round(share(off, "novel", "sentences"), 4),
        "speed_ratio_on_vs_off": round(tps_on / tps_off, 4),
    }
    pair_cand = share(cand, "known_pairs", "pairs")
    kept_cand, kept_on = cand["kept"] / cand["seconds"], on["kept"] / on["seconds"]
    metrics.update({
        "word_pair_share_candidates": round(pair_cand, 4),
        "word_pair_ratio_candidates_vs_one": round(pair_cand / pair_on, 4) if pair_on else None,
        "novel_sentence_share_candidates": round(share(cand, "novel", "sentences"), 4),
        "well_formed_quotes_share_candidates": round(share(cand, "quotes_ok", "narrations"), 4),
        "well_formed_quotes_share_one": round(share(on, "quotes_ok", "narrations"), 4),
        "kept_speed_ratio_candidates_vs_one": round(kept_cand / kept_on, 4),
    })
    for name, num, den in (("tense_kept", "tense_ok", "all_sentences"), ("stutter_free", "stutter_free", "all_sentences"),
                           ("takes_up", "takes_up", "narrations")):
        metrics[f"{name}_share_candidates"] = round(share(cand, num, den), 4)
        metrics[f"{name}_share_one"] = round(share(on, num, den), 4)
    params = {
        "quick": args.quick, "seeds": len(seeds), "prompts": len(SAMPLE_PROMPTS), "new_tokens": args.new_tokens,
        "sampling": base.model_dump(exclude={"known_words", "sentence_candidates"}), "corpus_words": len(words),
        "sentence_candidates": base.sentence_candidates, "model": args.model,
        "kept_tokens_per_s_candidates": round(kept_cand, 1), "kept_tokens_per_s_one": round(kept_on, 1),
        "word_list": len(loaded.lexicon) if loaded.lexicon is not None else None,
        "tokens_per_s_on": round(tps_on, 1), "tokens_per_s_off": round(tps_off, 1),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
        "wall_s": round(time.perf_counter() - t_start, 1),
    }

    print(f"bench_quality: {args.model} model, {len(SAMPLE_PROMPTS)} prompts x {len(seeds)} seeds, "
          f"{args.new_tokens} new tokens, temperature {base.temperature}")
    def table(title: str, with_: str, without: str, rows: list[tuple[str, float, float]]) -> None:
        print(f"\n{title}")
        print(f"{'metric':<26}{with_:>16}{without:>10}{'ratio':>10}")
        for name, a, b in rows:
            print(f"{name:<26}{a:>16}{b:>10}{(a / b if b else float('nan')):>10.3f}")

    table(f"sentence candidates: {base.sentence_candidates} per sentence vs 1 (known words on)", "candidates", "one", [
        ("word pairs in the corpus", metrics["word_pair_share_candidates"], metrics["word_pair_share_on"]),
        ("sentences not copied", metrics["novel_sentence_share_candidates"], metrics["novel_sentence_share_on"]),
        ("well-formed quotes", metrics["well_formed_quotes_share_candidates"], metrics["well_formed_quotes_share_one"]),
        ("tense kept", metrics["tense_kept_share_candidates"], metrics["tense_kept_share_one"]),
        ("no stutter", metrics["stutter_free_share_candidates"], metrics["stutter_free_share_one"]),
        ("first sentence takes up", metrics["takes_up_share_candidates"], metrics["takes_up_share_one"]),
        ("narration tokens/s", params["kept_tokens_per_s_candidates"], params["kept_tokens_per_s_one"])])
    table("known-word decoding, one candidate per sentence", "known words on", "off", [
        ("words in the corpus", metrics["known_word_share_on"], metrics["known_word_share_off"]),
        ("word pairs in the corpus", metrics["word_pair_share_on"], metrics["word_pair_share_off"]),
        ("sentences not copied", metrics["novel_sentence_share_on"], metrics["novel_sentence_share_off"]),
        ("tokens/s", params["tokens_per_s_on"], params["tokens_per_s_off"])])
    for key, label in (("candidates", "the preset (sentence candidates, known words)"),
                       ("on", "one candidate, known words on"), ("off", "one candidate, known words off")):
        print(f"\nsamples, {label} (seed 0):")
        for prompt, text in results[key]["samples"][: args.samples]:
            print(f"  {prompt.strip()} → {' '.join(text.split())}")
    print(f"\nwall {params['wall_s']} s")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"metrics": metrics, "params": params}, indent=2,
                                                      ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
