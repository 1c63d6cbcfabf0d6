"""The generation loop: seeded sampling, streaming, stop strings, EOS, sentence trimming, cancellation and
exact KV-cache reuse, on tiny GPT-2 (KoGPT2-like) and GPT-J (KoGPT-like) checkpoints."""

from __future__ import annotations

import random
import threading

import pytest
import torch
from hypothesis import given, settings as hyp_settings, strategies as st
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.generation.logits_process import LogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper, \
    TopPLogitsWarper

from adventure.generation import (GenerationCancelled, Generator, IncrementalDetokenizer, SamplingSettings,
                                  find_stop, stop_holdback, trim_to_sentence_end)
from adventure.generation.loop import GrowableLayer, _NarrationNoRepeatNGram, _RangedRepetitionPenalty
from adventure.models import load_model
from tiny_models import build_tiny_gpt2, build_tiny_gptj

PROMPT = "나는 어두운 숲 속을 걷고 있다."


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return load_model(str(build_tiny_gpt2(tmp_path_factory.mktemp("g") / "gpt2", n_ctx=128)))


@pytest.fixture(scope="module")
def gptj(tmp_path_factory):
    return load_model(str(build_tiny_gptj(tmp_path_factory.mktemp("g") / "gptj", n_ctx=128)))


@pytest.fixture(params=["gpt2", "gptj"])
def loaded(request):
    return request.getfixturevalue(request.param)


class ForceTokens(LogitsProcessor):
    """Test helper: makes the model emit ``ids`` (then its own choices) by masking every other token."""

    def __init__(self, ids: list[int], prompt_len: int):
        self.ids, self.prompt_len = list(ids), prompt_len

    def __call__(self, input_ids, scores):
        step = input_ids.shape[-1] - self.prompt_len
        if step < len(self.ids):
            forced = torch.full_like(scores, float("-inf"))
            forced[:, self.ids[step]] = 0.0
            return forced
        return scores


def plain(**kw) -> SamplingSettings:
    """Sampling with no penalties, so forced tokens are never blocked."""
    base = dict(repetition_penalty=1.0, no_repeat_ngram_size=0, max_new_tokens=20)
    base.update(kw)
    return SamplingSettings(**base)


def force(gen: Generator, text: str, prompt: str = PROMPT) -> tuple[list[int], list[ForceTokens]]:
    ids = gen.encode(text)
    return ids, [ForceTokens(ids, len(gen.encode(prompt)))]


# ---------------------------------------------------------------------------------------------- sampling

def test_seeded_reproducibility(loaded):
    s = SamplingSettings(max_new_tokens=24, trim_to_sentence=False, stop_strings=[])
    a = Generator(loaded).generate(PROMPT, s, seed=7)
    b = Generator(loaded).generate(PROMPT, s, seed=7)
    g = Generator(loaded)
    g.generate("완전히 다른 프롬프트", s, seed=1)  # a different cache state must not matter
    c = g.generate(PROMPT, s, seed=7)
    assert a.token_ids == b.token_ids == c.token_ids and a.text == b.text == c.text
    # token_ids may drop trailing bytes that never formed a character
    assert a.seed == 7 and a.new_tokens == 24 and len(a.token_ids) <= 24
    others = {tuple(Generator(loaded).generate(PROMPT, s, seed=k).token_ids) for k in range(3)}
    assert len(others) > 1


def test_global_rng_untouched(gpt2):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Generator(gpt2).generate(PROMPT, SamplingSettings(max_new_tokens=5), seed=3)
    assert torch.equal(torch.rand(3), expected)


def test_greedy_is_deterministic_without_seed(gpt2):
    s = SamplingSettings(temperature=0.0, max_new_tokens=10)
    assert Generator(gpt2).generate(PROMPT, s).token_ids == Generator(gpt2).generate(PROMPT, s).token_ids


def test_topk_compaction_matches_full_vocab_warpers():
    """Warping only the top-k logits gives the distribution transformers gets by masking the rest."""
    torch.manual_seed(0)
    scores = torch.randn(1, 500) * 3
    ids = torch.zeros(1, 1, dtype=torch.long)
    full = TopPLogitsWarper(0.9)(ids, TopKLogitsWarper(40)(ids, TemperatureLogitsWarper(0.7)(ids, scores.clone())))
    p_full = torch.softmax(full, -1)
    vals, idx = torch.topk(scores, 40)
    compact = TopPLogitsWarper(0.9)(ids, TemperatureLogitsWarper(0.7)(ids, vals))
    p_compact = torch.zeros_like(p_full).scatter_(1, idx, torch.softmax(compact, -1))
    assert torch.allclose(p_full, p_compact, atol=1e-6)


def test_repetition_penalty_only_within_range():
    scores = torch.ones(1, 10)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    out = _RangedRepetitionPenalty(2.0, window=2)(ids, scores.clone())
    assert out[0, 4] == 0.5 and out[0, 5] == 0.5 and out[0, 1] == 1.0 and out[0, 3] == 1.0
    assert torch.equal(_RangedRepetitionPenalty(2.0, window=0)(ids, scores.clone())[0, 1:6], torch.full((5,), 0.5))


def test_no_repeat_ngram_only_within_the_narration():
    """The story before the narration may hold any n-gram: the ban covers only what the narration wrote."""
    scores = torch.zeros(1, 10)
    story, narration = [1, 2, 3, 9], [1, 2]        # the story has 1 2 3; the narration now ends with 1 2
    ids = torch.tensor([story + narration])
    assert _NarrationNoRepeatNGram(3, start=len(story))(ids, scores.clone())[0, 3] == 0.0
    assert _NarrationNoRepeatNGram(3, start=0)(ids, scores.clone())[0, 3] == float("-inf")
    again = torch.tensor([story + [1, 2, 3, 1, 2]])  # the narration itself said 1 2 3: no second time
    assert _NarrationNoRepeatNGram(3, start=len(story))(again, scores.clone())[0, 3] == float("-inf")


def test_the_sampler_bans_ngrams_from_where_the_narration_starts(gpt2):
    """The loop's processors start the ban at the prompt's end, or at ``narration_start`` when earlier sentences
    of the same narration are in the context (sentence candidates)."""
    gen = Generator(gpt2)
    s = SamplingSettings(no_repeat_ngram_size=3, repetition_penalty=1.0)
    story, narration = [1, 2, 3, 9], [1, 2]
    ids = torch.tensor([story + narration])
    vocab = gen.model.config.vocab_size

    def banned(prompt_len, narration_start=None):
        procs, _, _ = gen._sampler(s, prompt_len, 0, None, narration_start)
        return procs(ids, torch.zeros(1, vocab))[0, 3] == float("-inf")

    assert not banned(len(story))                        # a narration of "1 2" so far: 3 is free
    assert not banned(len(story) + 2, narration_start=len(story))
    assert banned(len(story) + 2, narration_start=0)     # counting the story, "1 2 3" would repeat


def test_constructor_processors_apply(gpt2):
    banned = Generator(gpt2).generate(PROMPT, SamplingSettings(temperature=0.0, max_new_tokens=1)).token_ids[0]

    class Ban(LogitsProcessor):
        def __call__(self, input_ids, scores):
            scores[:, banned] = float("-inf")
            return scores

    res = Generator(gpt2, logits_processors=[Ban()]).generate(PROMPT, SamplingSettings(temperature=0.0,
                                                                                        max_new_tokens=6))
    assert banned not in res.token_ids


# ---------------------------------------------------------------------------------------------- text

def test_streaming_concatenates_to_text_and_has_no_partial_characters(loaded):
    s = SamplingSettings(max_new_tokens=40, trim_to_sentence=False, stop_strings=[])
    for seed in range(4):
        chunks: list[str] = []
        res = Generator(loaded).generate(PROMPT, s, seed=seed, on_text=chunks.append)
        assert "".join(chunks) == res.text
        assert all(chunk and "\ufffd" not in chunk for chunk in chunks)
        assert res.finish_reason == "length" and res.retracted == ""


def test_detokenizer_multi_token_syllables(loaded):
    """'뷁' is outside both tiny vocabularies: several byte tokens, shown only once complete."""
    tok = loaded.tokenizer
    context = tok.encode("나는", add_special_tokens=False)
    target = " 뷁 숲을 걷는다."
    ids = tok.encode("나는" + target, add_special_tokens=False)[len(context):]
    assert len(ids) > len(target.split())  # really split into pieces
    detok = IncrementalDetokenizer(tok, context)
    deltas = [detok.add(i) for i in ids]
    assert "".join(deltas) == target == detok.text  # the leading space survives
    assert all("\ufffd" not in d for d in deltas)
    assert any(d == "" for d in deltas)  # held back while a syllable was incomplete


def test_detokenizer_drops_unfinished_character_at_end(gptj):
    tok = gptj.tokenizer
    partial = tok.encode("뷁", add_special_tokens=False)[:-1]
    detok = IncrementalDetokenizer(tok, tok.encode("나는", add_special_tokens=False))
    assert "".join(detok.add(i) for i in partial) + detok.flush() == ""


def test_stop_string(loaded):
    g = Generator(loaded)
    ids, procs = force(g, " 문이 열렸다.\n> 탑으로 간다")
    chunks: list[str] = []
    res = g.generate(PROMPT, plain(max_new_tokens=len(ids) + 5), seed=0, on_text=chunks.append,
                     extra_logits_processors=procs)
    assert res.finish_reason == "stop_string"
    assert res.text == " 문이 열렸다."
    assert "".join(chunks) == res.text  # the newline was held back, never streamed
    assert g.decode(res.token_ids).strip() == res.text.strip()  # the tokens of the stop string are not kept


def test_eos(loaded):
    g = Generator(loaded)
    eos = loaded.eos_token_ids[0]
    ids, _ = force(g, " 바람이 분다.")
    res = g.generate(PROMPT, plain(max_new_tokens=30), seed=0,
                     extra_logits_processors=[ForceTokens(ids + [eos], len(g.encode(PROMPT)))])
    assert res.finish_reason == "eos"
    assert res.token_ids == ids and eos not in res.token_ids
    assert res.text == " 바람이 분다." and res.new_tokens == len(ids) + 1


def test_min_new_tokens_bans_eos(gpt2):
    eos = gpt2.eos_token_ids[0]

    class LoveEos(LogitsProcessor):
        def __call__(self, input_ids, scores):
            scores[:, eos] += 1000.0
            return scores

    res = Generator(gpt2).generate(PROMPT, plain(max_new_tokens=20, min_new_tokens=6), seed=0,
                                   extra_logits_processors=[LoveEos()])
    assert res.finish_reason == "eos" and res.new_tokens == 7


def test_budget_trims_to_sentence_end(loaded):
    g = Generator(loaded)
    ids, procs = force(g, ' 노인이 말했다. "이 길 끝에 탑이 있소." 나는 그쪽으로')
    chunks: list[str] = []
    res = g.generate(PROMPT, plain(max_new_tokens=len(ids)), seed=0, on_text=chunks.append,
                     extra_logits_processors=procs)
    assert res.finish_reason == "sentence"
    assert res.text == ' 노인이 말했다. "이 길 끝에 탑이 있소."'
    assert "".join(chunks) == res.text + res.retracted and res.retracted == " 나는 그쪽으로"
    assert g.decode(res.token_ids).strip() == res.text.strip()
    untrimmed = g.generate(PROMPT, plain(max_new_tokens=len(ids), trim_to_sentence=False), seed=0,
                           extra_logits_processors=procs)
    assert untrimmed.finish_reason == "length" and untrimmed.text.endswith("나는 그쪽으로")


def test_budget_without_sentence_end_keeps_text(gpt2):
    g = Generator(gpt2)
    ids, procs = force(g, " 나는 숨을 고르고")
    res = g.generate(PROMPT, plain(max_new_tokens=len(ids)), seed=0, extra_logits_processors=procs)
    assert res.finish_reason == "length" and res.text == " 나는 숨을 고르고"


# ---------------------------------------------------------------------------------------------- cancel

def test_cancel_raises_and_cache_stays_consistent(loaded):
    s = SamplingSettings(max_new_tokens=30, stop_strings=[], trim_to_sentence=False)
    g = Generator(loaded)
    cancel = threading.Event()
    seen: list[str] = []

    def on_text(chunk: str) -> None:
        seen.append(chunk)
        if len(seen) == 3:
            cancel.set()

    with pytest.raises(GenerationCancelled):
        g.generate(PROMPT, s, seed=5, on_text=on_text, cancel=cancel)
    assert len(seen) == 3
    assert len(g.cached_token_ids) == g._cache.get_seq_length()
    after = g.generate(PROMPT, s, seed=5)
    assert after.reused_tokens > 0
    assert after.token_ids == Generator(loaded).generate(PROMPT, s, seed=5).token_ids


def test_cancel_before_start(gpt2):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(GenerationCancelled):
        Generator(gpt2).generate(PROMPT, SamplingSettings(), cancel=cancel)


def test_exception_in_forward_resets_cache(gpt2, monkeypatch):
    g = Generator(gpt2)
    g.generate(PROMPT, SamplingSettings(max_new_tokens=3), seed=0)
    calls = {"n": 0}
    real = g.model.forward

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(g.model, "forward", flaky)
    with pytest.raises(KeyboardInterrupt):
        g.generate(PROMPT + " 더", SamplingSettings(max_new_tokens=5), seed=0)
    assert g.cached_token_ids == () and g._cache is None
    monkeypatch.setattr(g.model, "forward", real)
    assert g.generate(PROMPT, SamplingSettings(max_new_tokens=4), seed=0).reused_tokens == 0


# ---------------------------------------------------------------------------------------------- cache reuse

def test_cache_reuse_is_exact(loaded):
    """Logits after reusing the cache equal a fresh prefill: extensions, mid-prompt divergence, shorter
    prompts, identical prompts, a brand-new prompt."""
    rnd = random.Random(0)
    vocab = len(loaded.tokenizer)
    g, fresh = Generator(loaded), Generator(loaded)
    base = [rnd.randrange(vocab) for _ in range(90)]
    prompts = [base[:40], base[:70], base[:70], base[:25] + [rnd.randrange(vocab) for _ in range(30)],
               base[:10], base[:90], [rnd.randrange(vocab) for _ in range(50)], base[:60] + base[5:40]]
    prompts += [base[: rnd.randrange(2, 90)] + [rnd.randrange(vocab) for _ in range(rnd.randrange(0, 30))]
                for _ in range(6)]
    processed: list[int] = []
    real_forward = g._forward

    def counting_forward(start, end):
        processed.append(end - start)
        return real_forward(start, end)

    g._forward = counting_forward
    worst = 0.0
    for ids in prompts:
        cached_before = list(g.cached_token_ids)
        processed.clear()
        got = g.next_token_logits(ids)
        fresh.reset_cache()
        want = fresh.next_token_logits(ids)
        worst = max(worst, (got - want).abs().max().item())
        common = 0
        while common < min(len(ids), len(cached_before)) and ids[common] == cached_before[common]:
            common += 1
        assert sum(processed) == len(ids) - min(common, len(ids) - 1)  # only the uncached tail is run
        assert list(g.cached_token_ids) == ids and g._cache.get_seq_length() == len(ids)
    assert worst <= 1e-4


def test_generate_reports_reuse(gpt2):
    g = Generator(gpt2)
    s = SamplingSettings(max_new_tokens=12, stop_strings=[], trim_to_sentence=False)
    first = g.generate(PROMPT, s, seed=0)
    assert (first.reused_tokens, first.processed_tokens) == (0, first.prompt_tokens)
    follow = PROMPT + first.text + "\n> 문을 연다\n"
    second = g.generate(follow, s, seed=0)
    assert second.reused_tokens >= first.prompt_tokens - 1
    assert second.processed_tokens == second.prompt_tokens - second.reused_tokens
    again = g.generate(follow, s, seed=0)  # identical prompt: only its last token is run
    assert again.processed_tokens == 1 and again.token_ids == second.token_ids


def test_growable_layer_matches_dynamic_layer():
    torch.manual_seed(0)
    grow, dyn = GrowableLayer(capacity=3, max_capacity=64), DynamicLayer()
    for n in (2, 1, 4, 1, 7):
        k, v = torch.randn(1, 2, n, 4), torch.randn(1, 2, n, 4)
        gk, gv = grow.update(k, v)
        dk, dv = dyn.update(k, v)
        assert torch.equal(gk, dk) and torch.equal(gv, dv)
    grow.crop(-5)
    dyn.crop(-5)
    assert grow.get_seq_length() == dyn.get_seq_length() == 10
    assert torch.equal(grow.keys, dyn.keys) and torch.equal(grow.values, dyn.values)


def test_prompt_too_long(gpt2):
    g = Generator(gpt2)
    with pytest.raises(ValueError, match="context"):
        g.generate(list(range(10, 10 + gpt2.n_ctx)), SamplingSettings())
    res = g.generate(list(range(10, 10 + gpt2.n_ctx - 3)), SamplingSettings(max_new_tokens=50, stop_strings=[],
                                                                           trim_to_sentence=False), seed=0)
    assert res.new_tokens <= 4 and g._cache.get_seq_length() <= gpt2.n_ctx


def test_empty_prompt_uses_bos(gpt2):
    res = Generator(gpt2).generate("", SamplingSettings(max_new_tokens=3), seed=0)
    assert res.prompt_tokens == 1


def test_dynamic_cache_class_is_used_by_the_model(gpt2):
    g = Generator(gpt2)
    g.next_token_logits(PROMPT)
    assert isinstance(g._cache, DynamicCache)


# ---------------------------------------------------------------------------------------------- settings

def test_set_from_text():
    s = SamplingSettings()
    assert s.set_from_text("temperature", "0.5").temperature == 0.5
    assert s.set_from_text("Max-New-Tokens", "120").max_new_tokens == 120
    assert s.set_from_text("trim_to_sentence", "끄기").trim_to_sentence is False
    assert s.set_from_text("stop_strings", r"\n>").stop_strings == ["\n>"]
    assert s.set_from_text("stop_strings", '["끝.", "\\n>"]').stop_strings == ["끝.", "\n>"]
    assert s.set_from_text("stop_strings", "none").stop_strings == []
    assert s.temperature == 0.8  # the original is unchanged
    for key, value, needle in [("temperature", "9", "0–5"), ("top_p", "0", "top_p"), ("top_k", "1.5", "top_k"),
                               ("min_new_tokens", "999", "max_new_tokens"), ("bogus", "1", "settable keys"),
                               ("trim_to_sentence", "maybe", "on/off"), ("temperature", "nan", "temperature")]:
        with pytest.raises(ValueError, match=needle) as err:
            s.set_from_text(key, value)
        assert "\n" not in str(err.value)
    assert set(SamplingSettings.SETTABLE_KEYS) == set(SamplingSettings.model_fields)


def test_with_overrides_validates():
    s = SamplingSettings()
    assert s.with_overrides(top_k=None) is s
    with pytest.raises(ValueError):
        s.with_overrides(temperature=-1)
    with pytest.raises(ValueError):
        s.with_overrides(nonsense=1)
    with pytest.raises(ValueError):
        SamplingSettings(stop_strings=[""])


# ---------------------------------------------------------------------------------------------- stopping

@pytest.mark.parametrize("text, expected", [
    ("나는 걸었다. 그리고 숲", "나는 걸었다."),
    ("괜찮아요? 정말요. 그", "괜찮아요? 정말요."),
    ('노인이 말했다. "가자!" 나는', '노인이 말했다. "가자!"'),
    ("그가 웃었다. “좋아요.” 그리고", "그가 웃었다. “좋아요.”"),
    ("밤이 온다… 별이", "밤이 온다…"),
    ("길이 3.5킬로미터", None),
    ('그가 말했다. "가자. 어서', "그가 말했다."),  # prefer an end that leaves quotes balanced
    ("끝났다.\n", "끝났다."),
    ("끝났다.\ufffd", "끝났다."),
])
def test_trim_to_sentence_end(text, expected):
    assert trim_to_sentence_end(text) == expected


def test_find_stop_and_holdback():
    assert find_stop("abc\n> x", ["\n>"]) == (3, "\n>")
    assert find_stop("abc\n> x", ["\n>", "c"]) == (2, "c")
    assert find_stop("abc", ["\n>"]) is None
    assert stop_holdback("숲이다.\n", ["\n>"]) == 1
    assert stop_holdback("숲이다.", ["\n>"]) == 0
    assert stop_holdback("xx끝", ["끝.", "\n>"]) == 1


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(alphabet="가나다라 .?!…\"”'\n>", max_size=40))
def test_trim_properties(text):
    trimmed = trim_to_sentence_end(text)
    if trimmed is not None:
        assert text.startswith(trimmed) and trimmed.rstrip(" \n") == trimmed
        assert trimmed.rstrip("\"”'")[-1] in ".?!…"


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\n>", max_size=30), st.lists(st.text(alphabet="ab\n>", min_size=1, max_size=3),
                                                         min_size=1, max_size=3))
def test_holdback_never_streams_part_of_a_stop(text, stops):
    """Streaming text minus the holdback, then finding a stop later, never shows any of the stop string."""
    for cut in range(len(text) + 1):
        shown = len(text[:cut]) - stop_holdback(text[:cut], stops)
        found = find_stop(text, stops)
        if found is not None and find_stop(text[:cut], stops) is None:
            assert shown <= found[0]


# ---------------------------------------------------------------------------------------------- CLI

def test_cli_generate_streams_final_text(gpt2, capsys):
    from adventure.cli import main

    code = main(["generate", "--model", gpt2.source, "--prompt", PROMPT, "--seed", "3", "--max-new-tokens", "25",
                 "--stats"])
    out = capsys.readouterr()
    assert code == 0
    expected = Generator(gpt2).generate(PROMPT, SamplingSettings().with_overrides(max_new_tokens=25), seed=3)
    assert out.out == expected.text + "\n"  # an unfinished last sentence was never printed
    assert "finish=" in out.err and "Traceback" not in out.err


@pytest.mark.parametrize("finish, says", [("eos", "ended the text right away"),
                                           ("length", "no whole sentence fit in 25 new tokens")])
def test_cli_generate_says_why_a_continuation_is_empty(gpt2, capsys, monkeypatch, finish, says):
    import dataclasses

    from adventure.cli import main

    real = Generator.generate

    def ends_at_once(self, *args, **kwargs):  # what the model does when it ends the passage at once
        kwargs["on_text"] = None  # nothing streamed
        return dataclasses.replace(real(self, *args, **kwargs), text="", token_ids=[], finish_reason=finish)

    monkeypatch.setattr(Generator, "generate", ends_at_once)
    assert main(["generate", "--model", gpt2.source, "--prompt", PROMPT, "--seed", "3", "--max-new-tokens", "25"]) == 0
    out = capsys.readouterr()
    assert out.out == "\n"
    assert out.err.startswith("adventure: note: ") and says in out.err and len(out.err.strip().splitlines()) == 1


def test_cli_generate_errors_are_one_line(gpt2, capsys, tmp_path):
    from adventure.cli import main

    assert main(["generate", "--model", str(tmp_path / "none"), "--prompt", "x"]) == 1
    assert main(["generate", "--model", gpt2.source, "--prompt", "x", "--temperature", "9"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("adventure: error: ") for line in err)
    assert "temperature" in err[1]


def test_cli_models_lists_presets(capsys):
    import json

    from adventure.cli import main

    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["kogpt2"]["n_ctx"] == 1024 and rows["kogpt"]["needs_gpu_gb"] == 16.0
    assert rows["kogpt2"]["availability"] == "not downloaded"
    assert main(["models"]) == 0
    assert "kogpt2" in capsys.readouterr().out

