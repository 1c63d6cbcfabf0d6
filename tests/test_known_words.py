"""Known-word decoding: the narrator writes only words of its word list (lexicon.txt) or of the prompt."""

from __future__ import annotations

import re
import shutil

import pytest

from adventure.generation import Generator, SamplingSettings
from adventure.generation.lexicon import LEXICON_FILE, KnownWordFilter, Lexicon, token_pieces, trailing_run, words_of
from adventure.models import load_model
from adventure.models.loader import ModelLoadWarning
from tiny_models import KOREAN_SENTENCES, build_tiny_gpt2, build_tiny_gptj, one_thread  # noqa: F401

PROMPT = "나는 어두운 숲 속을 걷고 있다."


def hangul_words(text: str) -> list[str]:
    return re.findall(r"[\uac00-\ud7a3]+", text)


# ------------------------------------------------------------------------------------------ the word list
def test_lexicon_words_prefixes_and_file_round_trip(tmp_path):
    lex = Lexicon.from_texts(['나는 숲으로 간다. "괜찮아요?"', "숲속 길"])
    assert lex.words == {"나는", "숲으로", "간다", "괜찮아요", "숲속", "길"}
    assert {"숲", "숲으", "괜찮아"} <= lex.prefixes and "숲으로" in lex.prefixes
    assert "숲으로가" not in lex.prefixes
    lex.save(tmp_path / LEXICON_FILE)
    assert (tmp_path / LEXICON_FILE).read_text(encoding="utf-8").splitlines() == sorted(lex.words)
    assert Lexicon.load(tmp_path / LEXICON_FILE).words == lex.words


def test_trailing_run_and_words_of():
    assert trailing_run("나는 숲으") == "숲으"
    assert trailing_run("나는 숲.") == "" and trailing_run("") == ""
    assert words_of('그가 "가자!" 했다') == ["그가", "가자", "했다"]


def make_filter(prompt: str = "") -> KnownWordFilter:
    lex = Lexicon(["나는", "숲으로", "간다", "숲"])
    pieces = ["</s>", " 나는", "숲", "으로", " 간다", ".", "으로간", None, " 여우", "다. 나", "는"]
    pieces[0] = None
    return KnownWordFilter(lex, pieces, eos_ids=[0], prompt_text=prompt)


def test_filter_accepts_known_words_and_their_beginnings():
    f = make_filter()
    assert f.allows("", 1)          # " 나는": a whole known word, left open (it may still grow)
    assert f.allows("", 2)          # "숲": the start of 숲으로, and a word itself
    assert f.allows("숲", 3)        # 숲 + 으로 = 숲으로
    assert f.allows("숲으로", 5)    # "." closes a known word
    assert f.allows("숲으로", 0)    # end of text after a known word


def test_filter_refuses_unknown_words_and_byte_pieces():
    f = make_filter()
    assert not f.allows("숲", 6)    # 숲으로간 is the start of no known word
    assert not f.allows("나", 5)    # "." would close 나, which is not a word
    assert not f.allows("나", 0)    # neither may the end of text
    assert not f.allows("", 7)      # a byte piece cannot be judged, so it is refused
    assert not f.allows("", 8)      # 여우 is not in the list


def test_filter_checks_every_word_a_piece_spans():
    f = make_filter()
    assert f.allows("간", 9)        # "다. 나": closes 간다 (known), opens 나 (prefix of 나는)
    assert not f.allows("숲", 9)    # closes 숲다 (unknown)
    assert f.allows("", 10) is False  # "는" alone is no word's beginning


def test_prompt_words_count_as_known():
    f = make_filter("여우가 나를 본다. 은빛 여우")
    assert f.allows("", 8)          # " 여우" is a word of the prompt
    assert f.prompt_run == "여우"   # the prompt ends mid-word: that word continues


# ------------------------------------------------------------------------------------------ token texts
def test_token_pieces_of_a_metaspace_tokenizer_keep_leading_spaces(tmp_path):
    lm = load_model(str(build_tiny_gpt2(tmp_path / "g")))
    tok = lm.tokenizer
    pieces = token_pieces(tok, len(tok))
    word = tok.encode(" 나는", add_special_tokens=False)
    assert "".join(pieces[i] for i in word) == " 나는"
    assert pieces[tok.eos_token_id] is None
    byte = tok.convert_tokens_to_ids("<0xEA>")
    assert pieces[byte] is None


# ------------------------------------------------------------------------------------------ in the loop
@pytest.fixture(scope="module")
def tiny_with_words(tmp_path_factory):
    folder = build_tiny_gpt2(tmp_path_factory.mktemp("kw") / "gpt2", n_ctx=128)
    Lexicon.from_texts(KOREAN_SENTENCES).save(folder / LEXICON_FILE)
    return load_model(str(folder))


def loose(**kw) -> SamplingSettings:
    base = dict(temperature=1.5, top_k=0, top_p=1.0, repetition_penalty=1.0, max_new_tokens=40,
                trim_to_sentence=False, stop_strings=[])
    base.update(kw)
    return SamplingSettings(**base)


def test_loader_reads_the_folders_word_list(tiny_with_words):
    assert isinstance(tiny_with_words.lexicon, Lexicon)
    assert "나는" in tiny_with_words.lexicon


def test_every_word_written_is_known_when_on_and_not_when_off(tiny_with_words):
    """A random-weight model writes non-words freely; with the filter on, not one gets through."""
    gen = Generator(tiny_with_words)
    lex = tiny_with_words.lexicon
    prompt_words = set(hangul_words(PROMPT))
    unknown_off = 0
    for seed in range(6):
        on = gen.generate(PROMPT, loose(), seed=seed)
        words = hangul_words(on.text)
        closed = words if not trailing_run(on.text) else words[:-1]
        assert all(w in lex or w in prompt_words for w in closed), on.text
        if words and trailing_run(on.text):
            assert words[-1] in lex.prefixes or any(p.startswith(words[-1]) for p in prompt_words)
        off = gen.generate(PROMPT, loose(known_words=False), seed=seed)
        unknown_off += sum(w not in lex and w not in prompt_words for w in hangul_words(off.text))
    assert unknown_off > 0  # the filter is what kept them out


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_known_word_sampling_is_reproducible(tiny_with_words, temperature):
    gen = Generator(tiny_with_words)
    s = loose(temperature=temperature, top_k=20)
    a = gen.generate(PROMPT, s, seed=7)
    b = gen.generate(PROMPT, s, seed=7)
    assert a.text == b.text and a.token_ids == b.token_ids


def test_an_impossible_word_list_never_stalls_the_narrator(tiny_with_words):
    loaded = type(tiny_with_words)(**{**tiny_with_words.__dict__, "lexicon": Lexicon(["뷁뷁뷁"])})
    gen = Generator(loaded)
    r = gen.generate(PROMPT, loose(max_new_tokens=15), seed=1)
    assert r.new_tokens == 15 or r.finish_reason == "eos"


def test_models_without_a_word_list_sample_exactly_as_before(tmp_path):
    lm = load_model(str(build_tiny_gpt2(tmp_path / "g")))
    assert lm.lexicon is None
    gen = Generator(lm)
    a = gen.generate(PROMPT, loose(known_words=True, top_k=30), seed=3)
    b = gen.generate(PROMPT, loose(known_words=False, top_k=30), seed=3)
    assert a.token_ids == b.token_ids


def test_byte_level_vocabularies_switch_the_filter_off(tmp_path):
    """KoGPT-style byte-level BPE spells syllables over several tokens, which a per-token check cannot judge."""
    folder = build_tiny_gptj(tmp_path / "j")
    Lexicon.from_texts(KOREAN_SENTENCES).save(folder / LEXICON_FILE)
    lm = load_model(str(folder))
    gen = Generator(lm)
    a = gen.generate(PROMPT, loose(top_k=30), seed=3)
    b = gen.generate(PROMPT, loose(known_words=False, top_k=30), seed=3)
    assert a.token_ids == b.token_ids and gen.lexicon is None


def test_an_unreadable_word_list_is_a_note_not_a_failure(tmp_path):
    folder = build_tiny_gpt2(tmp_path / "g")
    (folder / LEXICON_FILE).write_bytes(b"\xff\xfe\x00broken")
    with pytest.warns(ModelLoadWarning, match="word list"):
        lm = load_model(str(folder))
    assert lm.lexicon is None and any("known-word decoding is off" in n for n in lm.notes)


def test_the_bundled_model_ships_a_word_list():
    lm = load_model("bundled", device="cpu")
    assert lm.lexicon is not None and len(lm.lexicon) > 10_000
    gen = Generator(lm)
    r = gen.generate("나는 덫에 걸린 은빛 여우를 내려다보았다.",
                     SamplingSettings(temperature=1.0, max_new_tokens=40), seed=0)
    prompt_words = set(hangul_words("나는 덫에 걸린 은빛 여우를 내려다보았다."))
    words = hangul_words(r.text)
    assert words and all(w in lm.lexicon or w in prompt_words for w in words)
